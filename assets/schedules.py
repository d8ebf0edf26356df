"""The nightly refresh of the current school year."""
import dagster as dg

from pipeline.config import load_settings
from assets.jobs import yearly_scorecards


@dg.schedule(
    job=yearly_scorecards,
    cron_schedule="0 2 * * *",
    execution_timezone="America/Los_Angeles",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every night at 02:00 Pacific time, refresh the current school year "
                "(config/settings.yaml: current_school_year). Unchanged scorecards are not rendered again.",
)
def nightly_refresh(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    year = load_settings().current_school_year
    return dg.RunRequest(
        run_key=f"nightly:{year}:{context.scheduled_execution_time:%Y-%m-%d}",
        partition_key=year,
        tags={"trigger": "nightly"},
    )
