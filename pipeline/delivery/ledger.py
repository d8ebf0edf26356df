"""The delivery ledger (warehouse table ``delivery_ledger``) and its journal ``ledger.jsonl``.

The ledger
    One row per school year x school x recipient x checksum (the version of the attachments):
    ``school_year, cds, recipient, attachments, checksum, status, attempts, error, message_id,
    updated_at`` (UTC), ``approved_by`` (who approved a real send: ``--approved-by``).
    Status is ``sent``, ``written`` (dry run), ``failed``, ``no_address``,
    ``no_pdf``, ``sending`` (a send was under way when the run stopped: the server does not have
    it), or ``unconfirmed`` (the run stopped after the end of the message, before the server's
    reply: it may have it; never sent again without a person; see ``send.py``).

The journal (``<out>/<year>/delivery/ledger.jsonl``)
    Every ledger row of a real send (``sending``, ``sent``) is also appended, as one JSON line and
    before the warehouse is written, to this append-only file, which lives outside the warehouse.
    Before deciding what to send, every delivery reconciles the journal into the ledger
    (:func:`reconcile_journal`: the latest line per school, recipient and version, when newer
    than the ledger's row): a process killed between the journal line and the warehouse write, or
    a warehouse damaged and rebuilt empty (``warehouse.repair``), never makes a principal receive
    a scorecard again. A line cut short by a crash is skipped.
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from pipeline import warehouse
from pipeline.delivery.stops import checkpoint
from pipeline.outputs import output_error

LEDGER = "delivery_ledger"
LEDGER_COLUMNS = ["school_year", "cds", "recipient", "attachments", "checksum", "status", "attempts",
                  "error", "message_id", "updated_at", "approved_by"]
DELIVERY_DIR = "delivery"  # under <out>/<year>/: the journal and the lock
JOURNAL = "ledger.jsonl"
JOURNALED = {"sending", "unconfirmed", "sent"}  # what went, or may have gone, out: the journal has it first


def ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"""
        CREATE TABLE IF NOT EXISTS {LEDGER} (
            school_year VARCHAR NOT NULL,
            cds VARCHAR NOT NULL,
            recipient VARCHAR,
            attachments VARCHAR,
            checksum VARCHAR,
            status VARCHAR NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            error VARCHAR,
            message_id VARCHAR,
            updated_at TIMESTAMP NOT NULL,
            approved_by VARCHAR
        )""")
    # a ledger written before sending needed an approval has no approved_by column yet
    con.execute(f"ALTER TABLE {LEDGER} ADD COLUMN IF NOT EXISTS approved_by VARCHAR")


def read_ledger(con: duckdb.DuckDBPyConnection, school_year: str) -> pd.DataFrame:
    if not warehouse.table_exists(con, LEDGER):
        return pd.DataFrame(columns=LEDGER_COLUMNS)
    return con.execute(f"SELECT * FROM {LEDGER} WHERE school_year = ? ORDER BY updated_at", [school_year]).df()


def record(con: duckdb.DuckDBPyConnection, row: dict, keep_time: bool = False, stop_point: str | None = None) -> None:
    """Upsert one ledger row (key: year, cds, recipient, checksum) in its own transaction.

    ``updated_at`` is now (UTC), or with ``keep_time`` the row's own (as written to the journal).
    ``stop_point`` names the point inside the transaction where a test may stop the process (``stops.py``).
    """
    ensure_ledger(con)
    row = {**{c: None for c in LEDGER_COLUMNS}, **row}
    if not keep_time or row["updated_at"] is None:
        row["updated_at"] = utcnow()
    key = "school_year = ? AND cds = ? AND recipient IS NOT DISTINCT FROM ? AND checksum IS NOT DISTINCT FROM ?"
    con.execute("BEGIN")
    try:
        con.execute(f"DELETE FROM {LEDGER} WHERE {key}",
                    [row["school_year"], row["cds"], row["recipient"], row["checksum"]])
        if stop_point:
            checkpoint(stop_point)
        marks = ", ".join("?" * len(LEDGER_COLUMNS))
        con.execute(f"INSERT INTO {LEDGER} ({', '.join(LEDGER_COLUMNS)}) VALUES ({marks})",
                    [row[c] for c in LEDGER_COLUMNS])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def append_journal(path: Path, row: dict, durable: bool = True) -> None:
    """Append one ledger row to the journal as a JSON line, flushed to disk before returning
    (``durable=False``: written to the operating system, which keeps it whatever happens to this
    process, and flushed to disk with the next durable line)."""
    line = json.dumps({c: row.get(c) for c in LEDGER_COLUMNS}, default=str, sort_keys=True) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = "\n" + line  # the previous line was cut short by a crash: start a new one
            os.write(fd, line.encode("utf-8"))
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise output_error(path, exc) from None


def read_journal(path: Path, school_year: str) -> list[dict]:
    """The journal's rows of ``school_year``, oldest first; lines that are not whole rows are skipped."""
    rows = []
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return rows
    for line in lines:
        try:
            row = json.loads(line)
            if not (isinstance(row, dict) and row.get("school_year") == school_year and row.get("cds")
                    and row.get("status")):
                continue
            row["updated_at"] = datetime.fromisoformat(row["updated_at"]) if row.get("updated_at") else None
        except (ValueError, TypeError):  # a line cut short by a crash
            continue
        rows.append(row)
    return rows


def reconcile_journal(con: duckdb.DuckDBPyConnection, path: Path, school_year: str) -> int:
    """Bring the ledger up to the journal before anything is sent; returns the rows it wrote.

    For each school, recipient and version, the journal's latest row goes into the ledger when the
    ledger has no row for it or an older one: a process killed after the journal said ``sent`` (or
    ``unconfirmed``) and before the warehouse was written, or a warehouse rebuilt empty. Rows the
    ledger wrote later (``failed``, a dry run's ``written``) are kept.
    """
    latest: dict[tuple, dict] = {}
    for row in read_journal(path, school_year):
        latest[(row["cds"], row.get("recipient"), row.get("checksum"))] = row
    if not latest:
        return 0
    ensure_ledger(con)
    have = {(c, r, k): t for c, r, k, t in con.execute(
        f"SELECT cds, recipient, checksum, updated_at FROM {LEDGER} WHERE school_year = ?", [school_year]).fetchall()}
    written = 0
    for key, row in sorted(latest.items(), key=lambda kv: kv[1]["updated_at"] or datetime.min):
        when = have.get(key)
        if when is None or (row["updated_at"] is not None and when < row["updated_at"]):
            record(con, row, keep_time=True)
            written += 1
    return written



def delivery_status(con: duckdb.DuckDBPyConnection, school_year: str) -> pd.DataFrame:
    """Per school: its latest ledger row, and when its current recipient last got a message."""
    cols = ["cds", "recipient", "status", "attempts", "attachments", "error", "updated_at", "last_sent_at"]
    if not warehouse.table_exists(con, LEDGER):
        return pd.DataFrame(columns=cols)
    return con.execute(f"""
        WITH y AS (SELECT * FROM {LEDGER} WHERE school_year = ?),
        latest AS (
            SELECT *, row_number() OVER (PARTITION BY cds ORDER BY updated_at DESC) AS rn FROM y
        )
        SELECT l.cds, l.recipient, l.status, l.attempts, l.attachments, l.error, l.updated_at,
               (SELECT max(s.updated_at) FROM y s WHERE s.cds = l.cds AND s.status = 'sent'
                  AND s.recipient IS NOT DISTINCT FROM l.recipient) AS last_sent_at
        FROM latest l WHERE rn = 1 ORDER BY l.cds
    """, [school_year]).df()[cols]
