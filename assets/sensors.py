"""Start a run when export files arrive in, or change in, the raw folder."""
import json
import os

import dagster as dg

from assets.jobs import yearly_scorecards
from pipeline.config import load_settings
from pipeline.folders import raw_dir
from pipeline.raw_watch import changed_years


@dg.sensor(
    job=yearly_scorecards,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Watches the raw folder (SCORECARDS_RAW_DIR or data/raw). When a school year's files "
                "(or the shared directory and codebook) are added or changed, runs that year. "
                "The first look only records what is there.",
)
def raw_exports_changed(context: dg.SensorEvaluationContext):
    seen = json.loads(context.cursor) if context.cursor else None
    # the folder the runs read: SCORECARDS_RAW_DIR of the process that evaluates the sensor, else data/raw
    years, now = changed_years(raw_dir(os.environ), list(load_settings().school_years), seen or {})
    context.update_cursor(json.dumps(now, sort_keys=True))
    if seen is None:
        return dg.SkipReason(f"recorded the raw folder's {len(now)} school year(s); watching for changes")
    if not years:
        return dg.SkipReason("no new or changed export files")
    return [dg.RunRequest(run_key=f"raw:{y}:{now[y][:16]}", partition_key=y, tags={"trigger": "new-exports"})
            for y in years]
