"""Dagster resources for everything outside the code: the folders and warehouse, the mail server.

Settings and secrets come from the environment through ``dg.EnvVar``, so the UI shows
``env: SCORECARDS_SMTP_PASSWORD`` and never the value. Dagster refuses to start a run whose
``EnvVar`` names an unset variable, while every setting here has a default: so
:func:`resources_from_env` binds ``dg.EnvVar(name)`` for the variables that are set where the
definitions load (``make dev``, the daemon, ``scorecards run``, ``dagster asset materialize``)
and the default for the others. Tests build the resources explicitly, or from a mapping.

One run writes an output folder at a time. When a run starts, ``ScorecardFiles``:

1. takes the folder's run lock ``<out>/.scorecards.run.lock`` (a second run waits here, before
   any of its steps, and says so; the lock is given back when the run ends or its process dies);
2. records which process runs it, in ``<out>/.scorecards.runs/<run id>`` (host and pid; not as
   run tags, which would clutter every run's page in the UI), and marks runs whose process was
   killed as failed, giving back their ``warehouse`` pool slots (:func:`release_dead_runs`),
   which they would otherwise hold forever;
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
from typing import Iterator, Mapping, Optional

import dagster as dg
import duckdb
from pydantic import Field, PrivateAttr

from pipeline import outputs, warehouse
from pipeline.delivery import smtp
from pipeline.folders import DEFAULT_OUT_DIR, DEFAULT_RAW_DIR, OUT_ENV, RAW_ENV, Folders

RUN_LOCK = ".scorecards.run.lock"
RUNS_DIR = ".scorecards.runs"  # <out>/.scorecards.runs/<run id>: "<host> <pid>" of the process running it

logger = logging.getLogger(__name__)


class ScorecardFiles(dg.ConfigurableResource):
    """Where exports are read from and scorecards, reports and the warehouse are written.

    The folders default to SCORECARDS_RAW_DIR and SCORECARDS_OUT_DIR where the definitions load
    (as ``dg.EnvVar``), else data/raw and data/out of the project; ``scorecards run --raw/--out``
    gives them as run config.
    """

    raw_dir: str = Field(default=DEFAULT_RAW_DIR, description="raw exports folder ($SCORECARDS_RAW_DIR)")
    out_dir: str = Field(default=DEFAULT_OUT_DIR, description="output folder ($SCORECARDS_OUT_DIR)")
    _run_lock: Optional[int] = PrivateAttr(default=None)

    @property
    def folders(self) -> Folders:
        return Folders.of(self.raw_dir, self.out_dir)

    @property
    def raw(self) -> Path:
        return self.folders.raw

    @property
    def out(self) -> Path:
        return self.folders.out

    def year_dir(self, school_year: str) -> Path:
        return self.folders.year_dir(school_year)

    @property
    def warehouse_path(self) -> Path:
        return self.folders.warehouse_path

    @contextlib.contextmanager
    def warehouse(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to ``<out>/scorecards.duckdb``, closed afterwards."""
        with warehouse.connect(self.warehouse_path, read_only=read_only) as con:
            yield con

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """When a run starts: wait for the output folder, clear up after killed runs (see the module)."""
        log = context.log or logger
        instance, run = context.instance, context.run
        try:
            self._run_lock = outputs.lock(self.out / RUN_LOCK, f"another run writing {self.out}", _Both(log))
        except OSError as exc:
            # e.g. a read-only output folder: the first step that writes says so, in one line
            log.warning(f"cannot lock the output folder: {exc}")
        try:
            if instance is not None and run is not None:
                _register_run(self.out / RUNS_DIR, run.run_id)
                release_dead_runs(instance, run.run_id, log, self.out / RUNS_DIR)
            if self._run_lock is not None:
                warehouse.repair(self.warehouse_path, log)
                outputs.remove_stale_temps(self.out)
        except OSError as exc:  # the steps that write will say what is wrong, in one line
            log.warning(f"could not check the output folder: {exc}")
        except BaseException:
            self.teardown_after_execution(context)
            raise

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if context.run is not None:
            (self.out / RUNS_DIR / context.run.run_id).unlink(missing_ok=True)
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


def _register_run(folder: Path, run_id: str) -> None:
    """Record that this process runs ``run_id`` (read by :func:`release_dead_runs` of later runs)."""
    folder.mkdir(parents=True, exist_ok=True)
    outputs.write_atomic(folder / run_id, f"{socket.gethostname()} {os.getpid()}\n")


def _registered(folder: Path | None, run_id: str) -> tuple[str, str]:
    """(host, pid) recorded for ``run_id`` in ``folder``, or ('', '')."""
    try:
        host, pid = (folder / run_id).read_text().split()
        return host, pid
    except (TypeError, OSError, ValueError):
        return "", ""


def release_dead_runs(instance: dg.DagsterInstance, current_run_id: str, log=None,
                      registry: Path | None = None) -> list[str]:
    """Mark runs whose process was killed as failed, and give back their concurrency slots.

    A run killed with SIGKILL (or by a power cut) stays "started" in the instance and keeps its
    slot in the ``warehouse`` pool, so the next run would wait for it forever. A run counts as
    dead when it ran in a process of this machine (the host and pid it recorded in ``registry``,
    ``<out>/.scorecards.runs/``) that no longer exists; it is then marked failed and its slots are freed. A run that
    finished but still holds a slot gets it freed too. Runs on other machines and runs without
    that record are left to Dagster's own run monitoring. Returns the run ids it released.
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
        ran_on, pid = _registered(registry, run_id)
        if ran_on != host or not pid.isdigit() or not _process_gone(int(pid), record.start_time):
            continue
        message = (f"run {run_id[:8]} stopped without finishing (its process {pid} on {host} is gone, "
                   "e.g. killed): marked failed, and its 'warehouse' pool slot given back")
        instance.report_run_failed(run, message)
        if storage.supports_global_concurrency_limits:
            storage.free_concurrency_slots_for_run(run_id)
        log.warning(message)
        if registry is not None:
            (registry / run_id).unlink(missing_ok=True)
        released.append(run_id)
    return released


class Mailer(dg.ConfigurableResource):
    """SMTP relay for delivering scorecards to principals.

    Each setting is its environment variable's text (bound with ``dg.EnvVar`` where it is set),
    read by the same rules as ``scorecards deliver`` (``pipeline/delivery/smtp.py``):
    SCORECARDS_SMTP_HOST, _PORT (587), _STARTTLS (yes), _USER, _PASSWORD, _SENDER;
    SCORECARDS_SMTP_SEND=1 (or true) lets the ``deliver_scorecards`` job send when a person
    launches it with ``send: true`` and ``approved_by``; otherwise it is a dry run (``.eml`` files
    in the outbox). STARTTLS is required for any host but 127.0.0.1, ::1 and localhost. Keep
    the password in the environment, not in run config.
    """

    host: Optional[str] = Field(default=None, description="SMTP relay host ($SCORECARDS_SMTP_HOST)")
    port: Optional[str] = Field(default=None, description="port number, default 587 ($SCORECARDS_SMTP_PORT)")
    starttls: Optional[str] = Field(
        default=None, description="1/true/yes or 0/false/no, default yes ($SCORECARDS_SMTP_STARTTLS)")
    user: Optional[str] = Field(default=None, description="login ($SCORECARDS_SMTP_USER)")
    password: Optional[str] = Field(default=None, repr=False, description="($SCORECARDS_SMTP_PASSWORD)")
    sender: Optional[str] = Field(default=None, description="From address ($SCORECARDS_SMTP_SENDER)")
    send: Optional[str] = Field(
        default=None, description='"1" or "true": this deployment may send, when a person launches deliver_scorecards '
                                  'with send and approved_by; anything else: dry runs only ($SCORECARDS_SMTP_SEND)')
    timeout: float = Field(default=30.0, description="seconds per SMTP operation")
    attempts_per_run: int = Field(default=3, description="tries per message per run for temporary failures")
    retry_delay: float = Field(default=5.0, description="seconds between tries")

    def smtp_settings(self) -> smtp.SmtpSettings:
        return smtp.settings_from_text(host=self.host, port=self.port, starttls=self.starttls, user=self.user,
                                       password=self.password, sender=self.sender, timeout=self.timeout)

    @property
    def sending(self) -> bool:
        """True when messages are really sent; False for a dry run (the default)."""
        return smtp.send_requested(self.send)


def _env_or_default(env: Mapping[str, str], name: str, default=None):
    """``dg.EnvVar(name)`` when ``env`` sets ``name`` (not empty), else ``default``."""
    return dg.EnvVar(name) if env.get(name) else default


def resources_from_env(env: Mapping[str, str]) -> dict[str, dg.ConfigurableResource]:
    """The ``files`` and ``mailer`` resources, each setting bound to the variable ``env`` sets."""
    files = {"raw_dir": _env_or_default(env, RAW_ENV, DEFAULT_RAW_DIR),
             "out_dir": _env_or_default(env, OUT_ENV, DEFAULT_OUT_DIR)}
    mail = {arg: _env_or_default(env, name) for arg, name in {**smtp.ENV_NAMES, "send": smtp.SEND_ENV}.items()}
    return {"files": ScorecardFiles(**files), "mailer": Mailer(**{k: v for k, v in mail.items() if v is not None})}


def files_run_config(env: Mapping[str, str], raw_dir: Optional[str] = None,
                     out_dir: Optional[str] = None) -> dict:
    """Run config of the ``files`` resource: the given folders, the others as the definitions bind them.

    A resource's run config replaces all of its configuration, so both folders are given.
    """
    def folder(given: Optional[str], name: str, default: str):
        return given if given else ({"env": name} if env.get(name) else default)

    return {"config": {"raw_dir": folder(raw_dir, RAW_ENV, DEFAULT_RAW_DIR),
                       "out_dir": folder(out_dir, OUT_ENV, DEFAULT_OUT_DIR)}}
