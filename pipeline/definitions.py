"""The one Dagster ``Definitions`` of the scorecard pipeline: assets, checks, job, resources."""
import dagster as dg

from assets import deliver, ingest, render, score, validate
from pipeline.resources import ScorecardFiles

all_assets = [
    *ingest.ingest_assets,
    validate.validation_report,
    score.attendance,
    score.indicator_results,
    score.growth,
    score.climate,
    score.equity_index,
    score.school_rating,
    render.scorecards,
    deliver.deliver,
]

yearly_scorecards = dg.define_asset_job(
    name="yearly_scorecards",
    selection=dg.AssetSelection.all(),
    description="Everything for one school year: ingest and validate every export, score, render, deliver.",
)

defs = dg.Definitions(
    assets=all_assets,
    jobs=[yearly_scorecards],
    resources={"files": ScorecardFiles()},
    # One process: steps share imports and the warehouse file has a single writer at a time.
    # Rendering uses its own pool of worker processes inside its step.
    executor=dg.in_process_executor,
)
