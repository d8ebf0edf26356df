"""Faults, with real processes: runs and deliveries killed with SIGKILL, two runs at once, an
unwritable output folder, a full disk and a damaged warehouse.

Every run here is the real ``scorecards`` command in its own process group with a private
DAGSTER_HOME, on the tiny sample data set. A kill is SIGKILL to the whole process group (the run
and its PDF workers, as a power cut or the OOM killer would), at a point the test can see: the
Dagster event log, the warehouse file, the first PDF, or the SMTP server's conversation.
"""
from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import errno
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import duckdb
import pandas as pd
import psutil
import pytest
from aiosmtpd.controller import Controller
from pypdf import PdfReader

from pipeline import outputs, warehouse
from pipeline.cli import main
from pipeline.delivery import DELIVERY_DIR, JOURNAL, LEDGER, SmtpSettings, deliver_year, read_journal
from pipeline.folders import Folders
from tests.delivery_setup import APPROVER, release_year

pytestmark = pytest.mark.slow  # real processes killed mid-run, full disks, damaged warehouses

YEAR = "2023-24"
REPO = Path(__file__).resolve().parent.parent
SCORECARDS = Path(sys.executable).with_name("scorecards")
RUN_TIMEOUT = 400  # seconds; a tiny run takes 15-30 s on a quiet machine
SCORE_STEPS = {"attendance", "indicator_results", "growth", "climate", "equity_index", "school_rating"}
SENDER = "scorecards@district.example.org"
NOT_COMPARED = ("outbox/", "delivery/")  # .eml files carry a Date; the journal carries times


# ---------------------------------------------------------------------------------------------
# Processes


def new_home(root: Path) -> Path:
    home = root / "dagster_home"
    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
    return home


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCORECARDS_")}
    env["DAGSTER_HOME"] = str(home)
    env.update(extra)
    return env


def start(args: list[str], home: Path, logs: Path, **env: str) -> subprocess.Popen:
    """The ``scorecards`` command in a new process group, its output in ``logs``.{out,err}."""
    logs.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{logs}.out", "w") as out, open(f"{logs}.err", "w") as err:
        proc = subprocess.Popen([str(SCORECARDS), *args], env=cli_env(home, **env), cwd=logs.parent,
                                stdout=out, stderr=err, start_new_session=True)
    proc.logs = logs
    return proc


def output_of(proc: subprocess.Popen) -> tuple[str, str]:
    return Path(f"{proc.logs}.out").read_text(), Path(f"{proc.logs}.err").read_text()


def finish(proc: subprocess.Popen, timeout: float = RUN_TIMEOUT) -> tuple[int, str, str]:
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        pytest.fail(f"scorecards did not finish within {timeout} s: {output_of(proc)[1][-2000:]}")
    return (code, *output_of(proc))


def run_args(raw: Path, out: Path) -> list[str]:
    return ["run", "--year", YEAR, "--raw", str(raw), "--out", str(out), "--quiet"]


def _group_alive(pgid: int) -> bool:
    for p in psutil.process_iter():
        try:
            if os.getpgid(p.pid) == pgid and p.status() != psutil.STATUS_ZOMBIE:
                return True
        except (OSError, psutil.Error):
            continue
    return False


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the command and every process it started (PDF workers), and wait until all are gone."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 30
    while _group_alive(proc.pid):
        assert time.monotonic() < deadline, "processes of the killed run are still alive"
        time.sleep(0.05)


def wait_until(what: str, predicate, proc: subprocess.Popen, timeout: float = RUN_TIMEOUT, every: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc.poll() is not None:
            pytest.fail(f"the command ended (exit {proc.returncode}) before {what}: {output_of(proc)[1][-2000:]}")
        time.sleep(every)
    kill_group(proc)
    pytest.fail(f"{what} did not happen within {timeout} s")


class EventLog:
    """Reads the Dagster event log of a private DAGSTER_HOME while a run writes it.

    Opened only once the run has created the warehouse: by then the run has set up the
    instance's storage (opening it earlier would race the run creating the same tables).
    """

    def __init__(self, home: Path, out: Path):
        self.home, self.out = home, out
        self.instance = None

    def steps(self, *kinds: dg.DagsterEventType) -> list[tuple[str, str, str, float]]:
        """(run id, step key, event type, timestamp) of every event of these kinds, oldest first."""
        if self.instance is None:
            if not (self.out / "scorecards.duckdb").exists():
                return []
            self.instance = dg.DagsterInstance.from_config(str(self.home))
        found = []
        try:
            for run in self.instance.get_runs():
                for kind in kinds:
                    for rec in self.instance.get_records_for_run(run.run_id, of_type=kind).records:
                        e = rec.event_log_entry
                        found.append((run.run_id, e.step_key, kind.value, e.timestamp))
        except Exception:  # noqa: BLE001 - SQLite busy while the run writes: ask again next poll
            return []
        return sorted(found, key=lambda x: x[3])

    def started(self, step_matches) -> bool:
        """Has a step whose key ``step_matches`` started?"""
        return any(step_matches(step) for _, step, _, _ in self.steps(dg.DagsterEventType.STEP_START))

    def close(self):
        if self.instance is not None:
            self.instance.dispose()


# ---------------------------------------------------------------------------------------------
# Outputs


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def temps(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob(outputs.TEMP_GLOB))


def snapshot(out: Path) -> dict[str, object]:
    """Every output file by its SHA-256, the manifest by its content (outbox and journal left out)."""
    files: dict[str, object] = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out).as_posix()
        if not path.is_file() or path.name.startswith(".") or rel.startswith("scorecards.duckdb"):
            continue
        if rel.startswith(tuple(f"{YEAR}/{x}" for x in NOT_COMPARED)):
            continue
        if rel == f"{YEAR}/manifest.json":
            manifest = json.loads(path.read_text())
            # the report's own hash changes with the run that wrote it (compared below without that line)
            manifest["files"] = {k: v for k, v in manifest["files"].items()
                                 if not k.startswith(NOT_COMPARED) and k != "validation/report.html"}
            files[rel] = manifest
        elif rel.endswith("validation/report.html"):
            # the report names the run that wrote it and when: every other byte must be the same
            text = re.sub(r'<p class="muted">Written <time[^\n]*</p>', "", path.read_text(encoding="utf-8"))
            files[rel] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        else:
            files[rel] = sha(path)
    return files


def assert_same_outputs(out: Path, reference: dict) -> None:
    got = snapshot(out)
    missing = sorted(set(reference) - set(got))
    extra = sorted(set(got) - set(reference))
    differ = sorted(k for k in set(got) & set(reference) if got[k] != reference[k])
    assert not (missing or extra or differ), f"missing {missing}, extra {extra}, different {differ}"


def assert_manifest_matches_disk(out: Path) -> None:
    year_dir = out / YEAR
    listed = json.loads((year_dir / "manifest.json").read_text())["files"]
    for rel, digest in listed.items():
        if not rel.startswith(NOT_COMPARED):
            assert sha(year_dir / rel) == digest, f"{rel} on disk is not the file the manifest lists"
    on_disk = {p.relative_to(year_dir).as_posix() for p in year_dir.rglob("*")
               if p.is_file() and not p.name.startswith(".") and p.name != "manifest.json"}
    assert {r for r in on_disk if not r.startswith(NOT_COMPARED)} == \
           {r for r in listed if not r.startswith(NOT_COMPARED)}


def assert_every_file_complete(out: Path) -> None:
    """Every file that is not a temporary one is whole: PDFs parse to their end, HTML is closed, ..."""
    for path in out.rglob("*"):
        name = path.name
        if not path.is_file() or name.startswith(".") or name.startswith("scorecards.duckdb"):
            continue  # temporary and lock files; the warehouse (DuckDB's own log recovers it)
        data = path.read_bytes()
        where = path.relative_to(out)
        if name.endswith(".pdf"):
            assert data.rstrip().endswith(b"%%EOF"), f"{where} is cut short"
            assert len(PdfReader(path, strict=True).pages) >= 1, f"{where} has no page"
        elif name.endswith(".html"):
            assert data.rstrip().endswith(b"</html>"), f"{where} is cut short"
        elif name.endswith(".json"):
            json.loads(data)
        elif name.endswith(".csv"):
            assert data.endswith(b"\n"), f"{where} is cut short"
            pd.read_csv(path)
        elif name.endswith(".parquet"):
            duckdb.connect().execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchall()
        elif name.endswith(".eml"):
            msg = email.message_from_bytes(data, policy=email.policy.default)
            assert msg.is_multipart() and not msg.defects, f"{where} is cut short"


def run_statuses(home: Path) -> list[tuple[str, str]]:
    """(status, failure message) of each run, oldest first."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        found = []
        for run in reversed(instance.get_runs()):
            failures = instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.RUN_FAILURE).records
            found.append((run.status.value, " ".join(r.event_log_entry.message or "" for r in failures)))
        return found


# ---------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module")
def ref(tmp_path_factory, tiny_raw):
    """The session's tiny exports and one uninterrupted run of them alone (2023-24, by the same
    command as the faulty runs): what every faulty run must end with."""
    root = tmp_path_factory.mktemp("faults")
    home, out = new_home(root / "ref"), root / "ref" / "out"
    code, _, err = finish(start(run_args(tiny_raw, out), home, root / "ref" / "run"))
    assert code == 0, err
    return SimpleNamespace(raw=tiny_raw, out=out, snapshot=snapshot(out))


class Mailbox:
    """SMTP handler: keeps every accepted message; can hold the n-th MAIL FROM or the reply to
    the n-th DATA (the message is kept, as a real server queues it before its reply) until released."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.mails = 0
        self.hold_mail = self.hold_data = None
        self.held, self.release = threading.Event(), threading.Event()

    async def _hold(self):
        self.held.set()
        while not self.release.is_set():
            await asyncio.sleep(0.02)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.mails += 1
        if self.mails == self.hold_mail:
            await self._hold()
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        if len(self.messages) == self.hold_data:
            await self._hold()
        return "250 Message accepted"

    def per_school(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for msg in self.messages:
            cds = re.match(r"<scorecard\.\d{4}-\d{2}\.(\d{14})\.", msg["Message-ID"]).group(1)
            counts[cds] = counts.get(cds, 0) + 1
        return counts


@pytest.fixture
def smtp():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    box.release.set()
    controller.stop()


def smtp_env(port: int) -> dict[str, str]:
    return {"SCORECARDS_SMTP_HOST": "127.0.0.1", "SCORECARDS_SMTP_PORT": str(port),
            "SCORECARDS_SMTP_STARTTLS": "0", "SCORECARDS_SMTP_SENDER": SENDER}


SCHOOLS = [f"0110017000000{i}" for i in range(1, 5)]


@pytest.fixture
def year(tmp_path):
    """A hand-made year folder: four schools with both PDFs and a principal each; nothing rendered."""
    out = tmp_path / "out"
    for cds in SCHOOLS:
        folder = out / YEAR / "schools" / cds
        folder.mkdir(parents=True)
        for lang in ("en", "es"):
            (folder / f"scorecard.{lang}.pdf").write_bytes(f"%PDF-1.4\n% {cds} {lang}\n%%EOF\n".encode())
    directory = pd.DataFrame([{"cds": cds, "school_name": f"School {i}", "principal_name": f"Principal {i}",
                               "principal_email": f"principal{i}@district.example.org", "languages": "en;es"}
                              for i, cds in enumerate(SCHOOLS, 1)])
    with warehouse.connect(out / "scorecards.duckdb") as con:
        warehouse.replace_rows(con, "validated_directory", directory, {"school_year": YEAR})
    release_year(out, YEAR)
    return SimpleNamespace(out=out, folders=Folders.of(tmp_path / "raw", out), directory=directory,
                           home=new_home(tmp_path), logs=tmp_path / "logs")


def deliver(folders: Folders, settings: SmtpSettings):
    """A real send of YEAR in this process, as ``scorecards deliver --send`` makes it."""
    return deliver_year(YEAR, folders.year_dir(YEAR), folders.warehouse_path, settings, send=True,
                        approved_by=APPROVER)


def ledger(out: Path) -> pd.DataFrame:
    with warehouse.connect(out / "scorecards.duckdb", read_only=True) as con:
        return con.execute(f"SELECT * FROM {LEDGER} ORDER BY cds, updated_at").df()


# ---------------------------------------------------------------------------------------------
# A run killed at any stage, then run again


def _ingest_began(out: Path, log: EventLog):
    return lambda: (out / "scorecards.duckdb").exists() and log.started(lambda k: k.startswith(("ingest", "validated_")))


def _scoring_began(out: Path, log: EventLog):
    return lambda: log.started(lambda k: k in SCORE_STEPS)


def _rendering_began(out: Path, log: EventLog):
    return lambda: any((out / YEAR / "schools").glob("*/scorecard.*.pdf"))


@pytest.mark.parametrize("stage, began", [("ingest", _ingest_began), ("scoring", _scoring_began),
                                          ("rendering", _rendering_began)])
def test_run_killed_during_a_stage_then_run_again_ends_as_if_never_killed(ref, tmp_path, stage, began):
    home, out = new_home(tmp_path), tmp_path / "out"
    log = EventLog(home, out)
    try:
        proc = start(run_args(ref.raw, out), home, tmp_path / "killed")
        wait_until(f"{stage} began", began(out, log), proc)
        kill_group(proc)
    finally:
        log.close()
    # at the moment of the kill, every file under its real name is whole
    assert_every_file_complete(out)

    code, _, err = finish(start(run_args(ref.raw, out), home, tmp_path / "rerun"))
    assert code == 0, err
    assert "Traceback" not in err
    assert temps(out) == [], "temporary files left behind"
    assert_same_outputs(out, ref.snapshot)
    assert_manifest_matches_disk(out)
    (killed, why), (rerun, _) = run_statuses(home)
    assert (killed, rerun) == ("FAILURE", "SUCCESS")
    assert "stopped without finishing" in why  # the killed run is not left 'started' forever


# ---------------------------------------------------------------------------------------------
# Two runs at once


def test_second_run_started_while_one_writes_waits_its_turn(ref, tmp_path):
    home, out = new_home(tmp_path), tmp_path / "out"
    log = EventLog(home, out)
    try:
        first = start(run_args(ref.raw, out), home, tmp_path / "first")
        wait_until("the first run writes the warehouse", _ingest_began(out, log), first)
        second = start(run_args(ref.raw, out), home, tmp_path / "second")
        code1, _, err1 = finish(first)
        code2, _, err2 = finish(second)
        events = log.steps(dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS,
                           dg.DagsterEventType.STEP_FAILURE, dg.DagsterEventType.STEP_UP_FOR_RETRY)
    finally:
        log.close()
    assert (code1, code2) == (0, 0), err1 + err2
    assert "Traceback" not in err1 + err2
    # one run after the other: no step of the second began before the last step of the first ended
    times: dict[str, list[float]] = {}
    for run_id, _, _, ts in events:
        times.setdefault(run_id, []).append(ts)
    assert len(times) == 2
    earlier, later = sorted(times.values(), key=min)
    assert min(later) >= max(earlier), "the two runs' steps interleaved"
    assert f"waiting for another run writing {out} to finish" in err2  # queued, and it says so

    assert temps(out) == []
    assert_same_outputs(out, ref.snapshot)
    assert_manifest_matches_disk(out)


# ---------------------------------------------------------------------------------------------
# Delivery killed mid-way


def test_delivery_killed_between_messages_sends_nothing_twice(year, smtp):
    box, port = smtp
    box.hold_mail = 2  # the second message: the first is sent and recorded, nothing of this one is on its way
    args = ["deliver", "--year", YEAR, "--send", "--approved-by", APPROVER, "--out", str(year.out)]
    proc = start(args, year.home, year.logs / "killed", **smtp_env(port))
    wait_until("the second message begins", box.held.is_set, proc, timeout=120)
    kill_group(proc)
    box.release.set()
    assert box.per_school() == {SCHOOLS[0]: 1}

    code, out, err = finish(start(args, year.home, year.logs / "rerun", **smtp_env(port)))
    assert code == 0, err
    assert box.per_school() == {cds: 1 for cds in SCHOOLS}  # every principal exactly once
    last = ledger(year.out).groupby("cds").tail(1)
    assert set(last["status"]) == {"sent"}


def test_delivery_killed_while_a_message_is_in_flight_is_not_sent_twice(year, smtp):
    """The server has the message, the process dies before its reply arrives: the journal says
    'unconfirmed', so the rerun does not send it again; it lists it for a person to check."""
    box, port = smtp
    box.hold_data = 2  # the server keeps the second message but its reply never arrives
    args = ["deliver", "--year", YEAR, "--send", "--approved-by", APPROVER, "--out", str(year.out)]
    proc = start(args, year.home, year.logs / "killed", **smtp_env(port))
    wait_until("the second message is in flight", box.held.is_set, proc, timeout=120)
    kill_group(proc)
    box.release.set()

    code, out, err = finish(start(args, year.home, year.logs / "rerun", **smtp_env(port)))
    assert code == 1, err  # something for a person to check
    assert box.per_school() == {cds: 1 for cds in SCHOOLS}
    assert "messages_unconfirmed 1" in out and f"{SCHOOLS[1]} (School 2) unconfirmed" in err
    last = ledger(year.out).groupby("cds").tail(1).set_index("cds")["status"]
    assert last[SCHOOLS[1]] == "unconfirmed" and set(last.drop(SCHOOLS[1])) == {"sent"}


def test_two_deliveries_at_once_send_each_message_once(year, smtp):
    box, port = smtp
    box.hold_data = 1  # keep the first delivery busy on its first message
    args = ["deliver", "--year", YEAR, "--send", "--approved-by", APPROVER, "--out", str(year.out)]
    first = start(args, year.home, year.logs / "first", **smtp_env(port))
    wait_until("the first delivery is sending", box.held.is_set, first, timeout=120)
    second = start(args, year.home, year.logs / "second", **smtp_env(port))
    wait_until("the second delivery waits its turn", lambda: "waiting for another delivery" in output_of(second)[1],
               second, timeout=120)
    assert box.mails == 1  # the second one has not begun sending
    box.release.set()
    (code1, _, err1), (code2, out2, err2) = finish(first), finish(second)
    assert code1 == 0 and code2 == 0, err1 + err2
    assert box.per_school() == {cds: 1 for cds in SCHOOLS}
    assert "messages_skipped_unchanged 4" in out2


# ---------------------------------------------------------------------------------------------
# An unwritable output folder, a full disk


@contextlib.contextmanager
def mounted_tmpfs(where: Path, options: str):
    """A tmpfs at ``where`` (root only); skips the test where it cannot be mounted."""
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or 'not root'})")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@contextlib.contextmanager
def unwritable(folder: Path):
    """``folder`` cannot be written: a read-only tmpfs as root, mode 0555 otherwise."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield "permission denied"
        finally:
            folder.chmod(0o755)
    else:
        with mounted_tmpfs(folder, "ro,size=1m"):
            yield "read-only file system"


def test_unwritable_output_folder_fails_with_one_clear_line(ref, tmp_path):
    home, out = new_home(tmp_path), tmp_path / "out"
    with unwritable(out) as problem:
        code, _, err = finish(start(run_args(ref.raw, out), home, tmp_path / "run"))
        left = list(out.rglob("*"))
    assert code == 1
    assert "Traceback" not in err
    reason = err.strip().splitlines()[0]
    assert reason.startswith(f"scorecards run {YEAR} failed: ")
    assert f"cannot write {out}" in reason and problem in reason, reason
    assert left == []


def test_full_disk_while_rendering_fails_with_one_clear_line_and_no_partial_file(ref, tmp_path):
    home, out = new_home(tmp_path), tmp_path / "out"
    # the year's folder gets 300 KB: the validation report fits, the first school's scorecards do not all
    with mounted_tmpfs(out / YEAR, "size=300k"):
        code, _, err = finish(start(run_args(ref.raw, out), home, tmp_path / "run"))
        assert code == 1
        assert "Traceback" not in err
        reason = err.strip().splitlines()[0]
        assert re.search(rf"cannot write {re.escape(str(out / YEAR))}/\S+: no space left on device", reason), reason
        assert temps(out) == []
        assert_every_file_complete(out)


def test_full_disk_write_atomic_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "year" / "index.html"
    outputs.write_atomic(target, "<html>old</html>")

    def no_space(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(outputs.os, "fsync", no_space)
    with pytest.raises(outputs.OutputError) as caught:
        outputs.write_atomic(target, "<html>new</html>")
    assert str(caught.value) == f"cannot write {target}: no space left on device"
    assert caught.value.errno == errno.ENOSPC
    assert target.read_text() == "<html>old</html>"
    assert [p.name for p in target.parent.iterdir()] == ["index.html"]


def test_full_disk_during_a_dry_run_delivery_is_one_line_from_the_cli(year, monkeypatch, capsys):
    def no_space(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(outputs.os, "fsync", no_space)
    assert main(["deliver", "--year", YEAR, "--out", str(year.out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert re.match(rf"scorecards deliver: cannot write {re.escape(str(year.out / YEAR / 'outbox'))}/\d{{14}}\.eml: "
                    r"no space left on device$", err.strip()), err
    assert temps(year.out) == []


def test_stale_temporary_files_go_but_live_ones_stay(tmp_path):
    stale = tmp_path / "schools" / ".scorecard.en.pdf.x1.tmp"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"%PDF half")
    live = tmp_path / ".index.html.x2.tmp"
    live.write_bytes(b"<html")
    old = time.time() - 60
    os.utime(stale, (old, old))
    os.utime(live, (old, old))
    import fcntl

    with open(live, "rb") as held:  # as write_atomic holds its temporary file while writing it
        fcntl.flock(held, fcntl.LOCK_EX)
        assert outputs.remove_stale_temps(tmp_path) == [stale]
    assert live.exists() and not stale.exists()


# ---------------------------------------------------------------------------------------------
# A damaged warehouse


def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(path.stat().st_size))


def test_damaged_warehouse_is_moved_aside_and_rebuilt_without_resending_mail(ref, tmp_path, smtp):
    box, port = smtp
    home, out = new_home(tmp_path), tmp_path / "out"
    shutil.copytree(ref.out, out)
    # the principals got their scorecards from this warehouse's ledger
    send = ["deliver", "--year", YEAR, "--send", "--approved-by", APPROVER, "--out", str(out)]
    code, _, err = finish(start(send, home, tmp_path / "deliver", **smtp_env(port)), timeout=120)
    assert code == 0, err
    sent = box.per_school()
    assert sent and set(sent.values()) == {1}

    wh = out / "scorecards.duckdb"
    _garbage(wh)
    damaged = wh.read_bytes()
    code, _, err = finish(start(run_args(ref.raw, out), home, tmp_path / "rerun",
                                SCORECARDS_SMTP_SEND="1", **smtp_env(port)))
    assert code == 0, err
    kept = list(out.glob("scorecards.duckdb.corrupt-*"))
    assert len(kept) == 1 and re.fullmatch(r"scorecards\.duckdb\.corrupt-\d{8}T\d{6}Z", kept[0].name)
    assert kept[0].read_bytes() == damaged  # moved aside, never deleted
    assert_same_outputs(out, ref.snapshot)
    with warehouse.connect(wh, read_only=True) as con:  # the new warehouse is whole
        assert con.execute("SELECT count(*) FROM validated_directory").fetchone()[0] > 0
    code, _, err = finish(start(send, home, tmp_path / "deliver-again", **smtp_env(port)), timeout=120)
    assert code == 0, err
    assert box.per_school() == sent  # the rebuilt warehouse sent nobody their scorecard again
    assert set(ledger(out).groupby("cds").tail(1)["status"]) == {"sent"}
    with dg.DagsterInstance.from_config(str(home)) as instance:
        logs = " ".join(e.message or "" for r in instance.get_runs() for e in instance.all_logs(r.run_id))
    assert "was damaged" in logs and kept[0].name in logs


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.99])
def test_truncated_warehouse_is_found_when_a_run_starts_and_moved_aside(ref, tmp_path, keep):
    """A truncated file often still opens (DuckDB reads its catalog first); the run's start
    compares the blocks its tables use with the blocks on disk. The same run then rebuilds,
    exactly as after garbage (the test above)."""
    wh = tmp_path / "scorecards.duckdb"
    shutil.copy(ref.out / "scorecards.duckdb", wh)
    assert warehouse.repair(wh) is None  # the whole file is healthy
    os.truncate(wh, int(wh.stat().st_size * keep))
    damaged = wh.read_bytes()
    moved = warehouse.repair(wh)
    assert moved is not None and moved.read_bytes() == damaged and not wh.exists()
    with warehouse.connect(wh) as con:  # a fresh one starts
        assert not warehouse.table_exists(con, "validated_directory")


def test_damage_inside_a_table_is_reported_and_repaired_on_the_next_run(tmp_path):
    wh = tmp_path / "scorecards.duckdb"
    with warehouse.connect(wh) as con:
        con.execute("CREATE TABLE t AS SELECT range AS i, md5(range::VARCHAR) AS s FROM range(300000)")
    with open(wh, "r+b") as fh:  # a block of the table's data, not the catalog
        fh.seek(warehouse.HEADER_BYTES + 2 * 262144 + 1000)
        fh.write(os.urandom(3000))
    with pytest.raises(warehouse.WarehouseCorrupt, match=r"is damaged \(Corrupt database file"):
        with warehouse.connect(wh) as con:
            con.execute("SELECT sum(i), count(DISTINCT s) FROM t").fetchall()
    moved = warehouse.repair(wh)
    assert moved is not None and moved.exists() and not wh.exists()
    assert warehouse.repair(wh) is None


def test_healthy_or_busy_warehouse_is_left_alone(tmp_path):
    wh = tmp_path / "scorecards.duckdb"
    with warehouse.connect(wh) as con:
        con.execute("CREATE TABLE t AS SELECT range AS i FROM range(100000)")
    assert warehouse.repair(wh) is None
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('open', flush=True); time.sleep(60)", str(wh)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        assert warehouse.repair(wh) is None  # in use by another process: not judged, not moved
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    assert wh.exists() and not list(tmp_path.glob("*.corrupt-*"))


def test_status_on_a_damaged_warehouse_is_one_line(year, capsys):
    _garbage(year.out / "scorecards.duckdb")
    assert main(["status", "--year", YEAR, "--out", str(year.out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"the warehouse {year.out / 'scorecards.duckdb'} is damaged" in err
    assert "the next `scorecards run` moves it aside" in err


def test_rebuilt_warehouse_restores_the_ledger_from_the_journal(year, smtp):
    box, port = smtp
    settings = SmtpSettings(host="127.0.0.1", port=port, starttls=False, sender=SENDER, timeout=5)
    first = deliver(year.folders, settings)
    assert len(first.sent) == 4 and len(box.messages) == 4
    journal = year.out / YEAR / DELIVERY_DIR / JOURNAL
    assert len(read_journal(journal, YEAR)) == 12  # 'sending', 'unconfirmed' and 'sent' for each school
    with open(journal, "a") as fh:  # a crash cut the last line short
        fh.write('{"school_year": "2023-24", "cds": "0110')

    _garbage(year.out / "scorecards.duckdb")
    assert warehouse.repair(year.out / "scorecards.duckdb") is not None
    with warehouse.connect(year.out / "scorecards.duckdb") as con:  # what the rerun's ingest does
        warehouse.replace_rows(con, "validated_directory", year.directory, {"school_year": YEAR})
    release_year(year.out, YEAR)

    again = deliver(year.folders, settings)
    assert len(box.messages) == 4
    assert [o.cds for o in again.skipped_unchanged] == SCHOOLS
    assert set(ledger(year.out)["status"]) == {"sent"}

    # a new version is sent, and its rows are appended after the cut line, readable
    (year.out / YEAR / "schools" / SCHOOLS[0] / "scorecard.en.pdf").write_bytes(b"%PDF-1.4\n% v2\n%%EOF\n")
    release_year(year.out, YEAR)
    assert [o.cds for o in deliver(year.folders, settings).sent] == [SCHOOLS[0]]
    assert len(box.messages) == 5
    assert [(r["cds"], r["status"]) for r in read_journal(journal, YEAR)[-3:]] == [
        (SCHOOLS[0], "sending"), (SCHOOLS[0], "unconfirmed"), (SCHOOLS[0], "sent")]


def test_nothing_slow_stands_between_the_unconfirmed_line_and_the_end_of_data_mark(year, smtp, monkeypatch, capsys):
    """The one moment no program can settle (the journal says 'unconfirmed', the end-of-data mark
    not sent yet) is kept to microseconds: no fsync there (an fsync took milliseconds, and one of a
    hundred random kills landed in it: a message the server never had, held as 'unconfirmed').
    The line reaches the disk with the fsync of the reply's line."""
    from pipeline.delivery import ledger as ledger_module
    from pipeline.delivery.smtp import _SMTP

    box, port = smtp
    for name, value in {**smtp_env(port), "SCORECARDS_SMTP_SEND": "1"}.items():
        monkeypatch.setenv(name, value)
    journal = year.out / YEAR / DELIVERY_DIR / JOURNAL
    events: list[str] = []
    real_fsync, real_send = ledger_module.os.fsync, _SMTP.send

    def fsync(fd):
        last = journal.read_text().splitlines()[-1] if journal.exists() else ""
        events.append(f"fsync after {json.loads(last)['status'] if last else 'nothing'}")
        return real_fsync(fd)

    def send(self, s):
        if s == b"." + b"\r\n":
            events.append("end of data")
        return real_send(self, s)

    monkeypatch.setattr(ledger_module.os, "fsync", fsync)
    monkeypatch.setattr(_SMTP, "send", send)
    assert main(["deliver", "--year", YEAR, "--out", str(year.out), "--send", "--approved-by", "Test Approver"]) == 0, \
        capsys.readouterr().err
    assert box.per_school() == {cds: 1 for cds in SCHOOLS}
    marks = [i for i, e in enumerate(events) if e == "end of data"]
    assert len(marks) == len(SCHOOLS)
    assert all(events[i - 1] != "fsync after unconfirmed" for i in marks), events
    # and every 'unconfirmed' line is on disk once the reply is recorded
    assert all(events[i + 1] == "fsync after sent" for i in marks), events
