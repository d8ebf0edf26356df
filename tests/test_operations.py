"""Schedule, sensor and retry policy: the ways runs start without an analyst."""
from __future__ import annotations

import datetime as dt
import os

import dagster as dg

from assets.definitions import defs
from assets.schedules import nightly_refresh
from assets.sensors import raw_exports_changed
from pipeline.raw_watch import fingerprint


def test_nightly_schedule_refreshes_the_current_year_in_los_angeles_time():
    assert nightly_refresh.execution_timezone == "America/Los_Angeles"
    assert nightly_refresh.cron_schedule == "0 2 * * *"
    when = dg.build_schedule_context(scheduled_execution_time=dt.datetime(2024, 3, 5, 2, 0),
                                     repository_def=defs.get_repository_def())
    request = nightly_refresh.evaluate_tick(when).run_requests[0]
    assert request.partition_key == "2023-24"
    assert request.run_key == "nightly:2023-24:2024-03-05"


def make_raw(root):
    for year in ("2022-23", "2023-24"):
        (root / year / "dashboard").mkdir(parents=True)
        (root / year / "attendance.csv").write_text("a\n")
    (root / "directory.csv").write_text("d\n")


def tick(cursor=None):
    context = dg.build_sensor_context(cursor=cursor, repository_def=defs.get_repository_def())
    result = raw_exports_changed.evaluate_tick(context)
    return result, context.cursor


def test_sensor_records_first_then_runs_only_changed_years(tmp_path, monkeypatch):
    monkeypatch.setenv("SCORECARDS_RAW_DIR", str(tmp_path))
    make_raw(tmp_path)
    first, cursor = tick()
    assert not first.run_requests and "recorded" in first.skip_message
    same, cursor = tick(cursor)
    assert not same.run_requests
    changed = tmp_path / "2023-24" / "dashboard" / "chronicdownload2024.txt"
    changed.write_text("new file\n")
    result, cursor = tick(cursor)
    assert [r.partition_key for r in result.run_requests] == ["2023-24"]
    # the shared directory feeds every year
    (tmp_path / "directory.csv").write_text("d\nchanged\n")
    result, cursor = tick(cursor)
    assert sorted(r.partition_key for r in result.run_requests) == ["2022-23", "2023-24"]
    # the same change never asks for a second run (stable run keys)
    assert len({r.run_key for r in result.run_requests}) == 2


def test_fingerprint_sees_size_and_time(tmp_path):
    make_raw(tmp_path)
    before = fingerprint(tmp_path, "2023-24")
    path = tmp_path / "2023-24" / "attendance.csv"
    os.utime(path, ns=(1, 1))
    assert fingerprint(tmp_path, "2023-24") != before
    assert fingerprint(tmp_path, "1999-00") is None


def test_job_retries_transient_failures_and_automation_is_on():
    repo = defs.get_repository_def()
    assert repo.get_job("yearly_scorecards").op_retry_policy.max_retries == 2
    assert [s.name for s in repo.schedule_defs] == ["nightly_refresh"]
    assert [s.name for s in repo.sensor_defs] == ["raw_exports_changed"]
    assert repo.schedule_defs[0].default_status == dg.DefaultScheduleStatus.RUNNING
