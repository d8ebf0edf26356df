"""Dagster resources for everything outside the code: the raw and output folders, the warehouse.

One run writes an output folder at a time. When a run starts, ``ScorecardFiles``:

1. takes the folder's run lock ``<out>/.scorecards.run.lock`` (a second run waits here, before
   any of its steps, and says so; the lock is given back when the run ends or its process dies);
2. records which process runs it (run tags ``scorecards/host`` and ``scorecards/pid``) and marks
   runs whose process was killed as failed, giving back their ``warehouse`` pool slots
   (:func:`release_dead_runs`), which they would otherwise hold forever;
3. moves a damaged warehouse aside (:func:`warehouse.repair`) and removes the temporary files a
   killed run left (:func:`outputs.remove_stale_temps`).

The Dagster pool ``warehouse`` alone does not make runs wait for each other: it orders steps, and
with the embedded SQLite storage two processes can both be granted its one slot at the same time.
"""
from __future__ import annotations

import contextlib
import logging
import os
import socket
from pathlib import Path
from typing import Iterator, Optional

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from pipeline import outputs, warehouse
from pipeline.config import PROJECT_ROOT

RAW_ENV = "SCORECARDS_RAW_DIR"
OUT_ENV = "SCORECARDS_OUT_DIR"
RUN_LOCK = ".scorecards.run.lock"
HOST_TAG = "scorecards/host"
PID_TAG = "scorecards/pid"

logger = logging.getLogger(__name__)


def default_raw_dir() -> str:
    return os.environ.get(RAW_ENV) or str(PROJECT_ROOT / "data" / "raw")


def default_out_dir() -> str:
    return os.environ.get(OUT_ENV) or str(PROJECT_ROOT / "data" / "out")


class ScorecardFiles(dg.ConfigurableResource):
    """Where exports are read from and scorecards, reports and the warehouse are written.

    Unset folders are read from SCORECARDS_RAW_DIR and SCORECARDS_OUT_DIR when a run starts,
    else data/raw and data/out of the project.
    """

    raw_dir: Optional[str] = None
    out_dir: Optional[str] = None
    _run_lock: Optional[int] = PrivateAttr(default=None)

    @property
    def raw(self) -> Path:
        return Path(self.raw_dir or default_raw_dir()).resolve()

    @property
    def out(self) -> Path:
        return Path(self.out_dir or default_out_dir()).resolve()

    def year_dir(self, school_year: str) -> Path:
        return self.out / school_year

    @property
    def warehouse_path(self) -> Path:
        return self.out / "scorecards.duckdb"

    @contextlib.contextmanager
    def warehouse(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to ``<out>/scorecards.duckdb``, closed afterwards."""
        with warehouse.connect(self.warehouse_path, read_only=read_only) as con:
            yield con

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """When a run starts: wait for the output folder, clear up after killed runs (see the module)."""
        log = context.log or logger
        instance, run = context.instance, context.run
        if instance is not None and run is not None:
            instance.add_run_tags(run.run_id, {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid())})
        try:
            self._run_lock = outputs.lock(self.out / RUN_LOCK, f"another run writing {self.out}", _Both(log))
        except OSError as exc:
            # e.g. a read-only output folder: the first step that writes says so, in one line
            log.warning(f"cannot lock the output folder: {exc}")
        try:
            if instance is not None and run is not None:
                release_dead_runs(instance, run.run_id, log)
            if self._run_lock is not None:
                warehouse.repair(self.warehouse_path, log)
                outputs.remove_stale_temps(self.out)
        except OSError as exc:  # the steps that write will say what is wrong, in one line
            log.warning(f"could not check the output folder: {exc}")
        except BaseException:
            self.teardown_after_execution(context)
            raise

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._run_lock is not None:
            outputs.unlock(self._run_lock)
            self._run_lock = None


class _Both:
    """Warn in the run's log (the UI) and on stderr (the ``scorecards`` command's terminal)."""

    def __init__(self, log):
        self.log = log

    def warning(self, message: str) -> None:
        self.log.warning(message)
        if self.log is not logger:
            logger.warning(message)


def _process_gone(pid: int, started: float | None) -> bool:
    """True when no process ``pid`` runs here, or it is a zombie, or it started after ``started``."""
    import psutil

    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return True
        return started is not None and proc.create_time() > started + 1
    except psutil.NoSuchProcess:
        return True
    except psutil.Error:
        return False  # cannot tell (e.g. not allowed to look): leave it alone


def release_dead_runs(instance: dg.DagsterInstance, current_run_id: str, log=None) -> list[str]:
    """Mark runs whose process was killed as failed, and give back their concurrency slots.

    A run killed with SIGKILL (or by a power cut) stays "started" in the instance and keeps its
    slot in the ``warehouse`` pool, so the next run would wait for it forever. A run counts as
    dead when it ran in a process of this machine (its ``scorecards/host`` and ``scorecards/pid``
    tags) that no longer exists; it is then marked failed and its slots are freed. A run that
    finished but still holds a slot gets it freed too. Runs on other machines and runs without
    those tags are left to Dagster's own run monitoring. Returns the run ids it released.
    """
    log = log or logger
    storage = instance.event_log_storage
    holders: set[str] = set()
    if storage.supports_global_concurrency_limits:
        holders |= set(storage.get_concurrency_run_ids())
        for key in storage.get_concurrency_keys():
            holders |= storage.get_concurrency_info(key).active_run_ids
    started = {r.run_id for r in instance.get_runs(
        filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]), limit=200)}
    released = []
    host = socket.gethostname()
    for run_id in sorted((holders | started) - {current_run_id}):
        record = instance.get_run_record_by_id(run_id)
        if record is None or record.dagster_run.is_finished:
            if run_id in holders:
                storage.free_concurrency_slots_for_run(run_id)
                released.append(run_id)
            continue
        run = record.dagster_run
        pid = run.tags.get(PID_TAG, "")
        if run.tags.get(HOST_TAG) != host or not pid.isdigit() or not _process_gone(int(pid), record.start_time):
            continue
        message = (f"run {run_id[:8]} stopped without finishing (its process {pid} on {host} is gone, "
                   "e.g. killed): marked failed, and its 'warehouse' pool slot given back")
        instance.report_run_failed(run, message)
        if storage.supports_global_concurrency_limits:
            storage.free_concurrency_slots_for_run(run_id)
        log.warning(message)
        released.append(run_id)
    return released
