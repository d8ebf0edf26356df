"""Start a run when export files arrive in, or change in, the raw folder."""
import json

import dagster as dg

from pipeline.config import load_settings
from pipeline.jobs import yearly_scorecards
from pipeline.raw_watch import changed_years
from pipeline.resources import default_raw_dir


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
    years, now = changed_years(default_raw_dir(), list(load_settings().school_years), seen or {})
    context.update_cursor(json.dumps(now, sort_keys=True))
    if seen is None:
        return dg.SkipReason(f"recorded the raw folder's {len(now)} school year(s); watching for changes")
    if not years:
        return dg.SkipReason("no new or changed export files")
    return [dg.RunRequest(run_key=f"raw:{y}:{now[y][:16]}", partition_key=y, tags={"trigger": "new-exports"})
            for y in years]
