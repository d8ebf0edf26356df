"""The one Dagster ``Definitions`` of the scorecard pipeline: assets, checks, job, schedule, sensor, resources.

``dagster dev`` and the daemon load ``defs`` (``[tool.dagster]`` in pyproject.toml, ``make dev``);
its resources bind the ``SCORECARDS_*`` variables set where it loads (``assets/resources.py``).
:func:`build_defs` gives the same definitions with other resources, e.g. for a test.
"""
import os
from typing import Mapping

import dagster as dg

from assets import deliver, ingest, render, score, validate
from assets.jobs import deliver_scorecards, rerender_schools, yearly_scorecards
from assets.resources import resources_from_env
from assets.schedules import nightly_refresh
from assets.sensors import raw_exports_changed

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


def build_defs(resources: Mapping[str, dg.ConfigurableResource]) -> dg.Definitions:
    """The definitions with these ``files`` and ``mailer`` resources."""
    return dg.Definitions(
        assets=all_assets,
        jobs=[yearly_scorecards, rerender_schools, deliver_scorecards],
        schedules=[nightly_refresh],
        sensors=[raw_exports_changed],
        resources=dict(resources),
        # One process: steps share imports and the warehouse file has a single writer at a time.
        # Rendering uses its own pool of worker processes inside its step.
        executor=dg.in_process_executor,
    )


# Folders and SMTP settings from SCORECARDS_RAW_DIR, SCORECARDS_OUT_DIR and SCORECARDS_SMTP_*
# (read when a run starts); mail is only sent by the deliver_scorecards job a person launches with
# send: true and approved_by, where SCORECARDS_SMTP_SEND=1.
defs = build_defs(resources_from_env(os.environ))
