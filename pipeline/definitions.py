"""The one Dagster ``Definitions`` of the scorecard pipeline: assets, checks, job, resources."""
import dagster as dg

from assets import deliver, ingest, render, score, validate
from pipeline.jobs import yearly_scorecards
from pipeline.mailer import Mailer
from pipeline.resources import ScorecardFiles
from pipeline.schedules import nightly_refresh
from pipeline.sensors import raw_exports_changed

all_assets = [
    *ingest.ingest_assets,
    validate.validation_report,
    score.attendance,
    score.indicator_results,
    score.growth,
    score.climate,
    score.equity_index,
    score.school_rating,
    score.published_tables,
    render.scorecards,
    deliver.deliver,
]
# Who answers for every asset in the UI (Dagster owner syntax: an e-mail or "team:<name>").
OWNERS = ["team:district-data-office"]
all_assets = dg.map_asset_specs(lambda spec: spec.replace_attributes(owners=OWNERS), all_assets)

defs = dg.Definitions(
    assets=all_assets,
    jobs=[yearly_scorecards],
    schedules=[nightly_refresh],
    sensors=[raw_exports_changed],
    # Both read their settings from the environment when a run starts (SCORECARDS_RAW_DIR,
    # SCORECARDS_OUT_DIR, SCORECARDS_SMTP_*); mail is only sent when SCORECARDS_SMTP_SEND=1.
    resources={"files": ScorecardFiles(), "mailer": Mailer()},
    # One process: steps share imports and the warehouse file has a single writer at a time.
    # Rendering uses its own pool of worker processes inside its step.
    executor=dg.in_process_executor,
)
