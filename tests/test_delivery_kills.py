"""Exactly once, proved by killing: real ``scorecards deliver --send`` processes SIGKILLed at each
named point of a message (``pipeline/delivery/stops.py``) and at random moments, against a real
SMTP server on 127.0.0.1; then a second delivery, and every principal has exactly one message.

``SCORECARDS_KILL_LOOPS`` sets how many random kills the loop makes (3 by default, as CI runs it;
100 for the count in a change's closing note).
"""
from __future__ import annotations

import asyncio
import os
import random
import time
from types import SimpleNamespace

import pandas as pd
import psutil
import pytest

from pipeline import warehouse
from pipeline.delivery import DELIVERY_DIR, JOURNAL, read_journal
from pipeline.delivery.stops import STOP_ENV
from tests.delivery_setup import APPROVER, release_year
from tests.test_faults import (  # noqa: F401  (fixtures)
    SCHOOLS, YEAR, Mailbox, finish, kill_group, ledger, new_home, smtp, smtp_env, start, wait_until, year,
)

pytestmark = pytest.mark.slow


def send_args(out) -> list[str]:
    return ["deliver", "--year", YEAR, "--send", "--approved-by", APPROVER, "--out", str(out)]


def stopped(proc) -> bool:
    try:
        return psutil.Process(proc.pid).status() == psutil.STATUS_STOPPED
    except psutil.NoSuchProcess:
        return False


def kill_at(year, port, point: str):
    """Start a delivery that stops itself at ``point`` (``name:n``), and SIGKILL it there."""
    proc = start(send_args(year.out), year.home, year.logs / f"killed-{point}", **smtp_env(port), **{STOP_ENV: point})
    wait_until(f"the delivery reaches {point}", lambda: stopped(proc), proc, timeout=120)
    kill_group(proc)


def journal_statuses(out) -> dict[str, str]:
    return {r["cds"]: r["status"] for r in read_journal(out / YEAR / DELIVERY_DIR / JOURNAL, YEAR)}


@pytest.mark.parametrize("point", ["before_connect:1", "after_data:2", "after_journal:2", "before_ledger:2",
                                   "after_journal:4"])
def test_killed_at_a_named_point_each_principal_gets_one_message(year, smtp, point):
    box, port = smtp
    kill_at(year, port, point)
    at_kill = journal_statuses(year.out)
    code, out, err = finish(start(send_args(year.out), year.home, year.logs / "rerun", **smtp_env(port)))
    assert "Traceback" not in err
    assert box.per_school() == {cds: 1 for cds in SCHOOLS}, (point, at_kill, out, err)
    last = ledger(year.out).groupby("cds").tail(1).set_index("cds")["status"].to_dict()
    if point.startswith("after_data"):
        # the server replied, nothing recorded it but the journal's 'unconfirmed': held for a person
        second = SCHOOLS[1]
        assert at_kill[second] == "unconfirmed" and last[second] == "unconfirmed" and code == 1
        assert f"{second} (School 2) unconfirmed: the end of this message reached the mail server" in err
        assert set(last[c] for c in SCHOOLS if c != second) == {"sent"}
    else:
        assert code == 0, err
        assert set(last.values()) == {"sent"}
    if point.startswith(("after_journal", "before_ledger")):
        # the journal said 'sent' for a school the warehouse did not: reconciled before sending
        assert "lagged behind its journal" in err


def test_killed_before_the_end_of_data_mark_is_held_then_resent_by_a_person(year, smtp):
    """The moment no program can settle (journal 'unconfirmed', the end-of-data mark not yet sent):
    the server dropped the message; the next run does not guess, a person resends it."""
    box, port = smtp
    kill_at(year, port, "end_of_data:2")
    code, out, err = finish(start(send_args(year.out), year.home, year.logs / "rerun", **smtp_env(port)))
    assert code == 1 and f"{SCHOOLS[1]} (School 2) unconfirmed" in err
    assert box.per_school() == {SCHOOLS[0]: 1, SCHOOLS[2]: 1, SCHOOLS[3]: 1}  # never twice; not lost silently
    code, out, err = finish(start([*send_args(year.out), "--resend", SCHOOLS[1]], year.home, year.logs / "resend",
                                  **smtp_env(port)))
    assert code == 0, err
    assert box.per_school() == {cds: 1 for cds in SCHOOLS}


class SlowMailbox(Mailbox):
    """A server that takes a moment to reply to each message, as a real relay does: it queues the
    message when the end-of-data mark arrives and then replies (RFC 5321 4.1.1.4), so a client
    killed while waiting for the reply leaves a message the server has."""

    async def handle_DATA(self, server, session, envelope):
        reply = await super().handle_DATA(server, session, envelope)
        await asyncio.sleep(0.03)
        return reply


def make_year(root, schools: list[str]):
    out = root / "out"
    for cds in schools:
        folder = out / YEAR / "schools" / cds
        folder.mkdir(parents=True)
        for lang in ("en", "es"):
            (folder / f"scorecard.{lang}.pdf").write_bytes(f"%PDF-1.4\n% {cds} {lang}\n%%EOF\n".encode())
    directory = pd.DataFrame([{"cds": cds, "school_name": f"School {cds[-4:]}", "principal_name": "P",
                               "principal_email": f"p{cds}@district.example.org", "languages": "en;es"}
                              for cds in schools])
    with warehouse.connect(out / "scorecards.duckdb") as con:
        warehouse.replace_rows(con, "validated_directory", directory, {"school_year": YEAR})
    release_year(out, YEAR)
    return SimpleNamespace(out=out, home=new_home(root), logs=root / "logs")


def test_random_kills_always_leave_one_message_per_school(tmp_path):
    from aiosmtpd.controller import Controller
    import socket

    loops = int(os.environ.get("SCORECARDS_KILL_LOOPS", "3"))
    seed = int(os.environ.get("SCORECARDS_KILL_SEED", str(time.time_ns() % 10**6)))
    rng = random.Random(seed)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    box = SlowMailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    landed: dict[str, int] = {}
    try:
        span = None
        for i in range(loops + 1):  # the first delivery is not killed: it measures how long one takes
            schools = [f"0110017{i:05d}{j:02d}" for j in range(1, 7)]
            y = make_year(tmp_path / f"k{i}", schools)
            lock = y.out / YEAR / DELIVERY_DIR / ".lock"
            proc = start(send_args(y.out), y.home, y.logs / "first", **smtp_env(port))
            wait_until("the delivery begins", lock.exists, proc, timeout=120, every=0.002)
            began = time.monotonic()
            if span is None:
                code, _, err = finish(proc)
                assert code == 0, err
                span = (time.monotonic() - began) * 1.2
                continue
            time.sleep(rng.uniform(0, span))
            if proc.poll() is None:
                kill_group(proc)
                rows = read_journal(y.out / YEAR / DELIVERY_DIR / JOURNAL, YEAR)
                where = (f"killed: message {len({r['cds'] for r in rows})} of 6, journal says {rows[-1]['status']}"
                         if rows else "killed: before the first message")
            else:
                where = "finished first"
            landed[where] = landed.get(where, 0) + 1
            code, out, err = finish(start(send_args(y.out), y.home, y.logs / "rerun", **smtp_env(port)))
            assert "Traceback" not in err
            counts = box.per_school()
            got = {cds: counts.get(cds, 0) for cds in schools}
            assert got == {cds: 1 for cds in schools}, (f"kill {i} (seed {seed}, {where}): {got}", out, err)
    finally:
        controller.stop()
    print(f"\n{loops} random kills (seed {seed}, span {span:.2f} s): "
          + ", ".join(f"{k}: {v}" for k, v in sorted(landed.items())))
