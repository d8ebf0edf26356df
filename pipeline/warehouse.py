"""The DuckDB warehouse: one file, tables keyed by school year, replaced a partition at a time.

A damaged warehouse (not a DuckDB file, truncated, or failing DuckDB's block checksums) is never
deleted and never silently used: opening it raises :class:`WarehouseCorrupt`, and :func:`repair`,
called when a run starts, moves it aside to ``scorecards.duckdb.corrupt-<UTC time>`` so that the
run starts a fresh file. Every asset re-creates its tables from the raw exports, so the run that
repairs the warehouse restores its own school year; earlier years come back when they are run again.
"""
from __future__ import annotations

import contextlib
import logging
import os
import re
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import duckdb
import pandas as pd

from pipeline.outputs import exclusive, output_error, write_atomic

logger = logging.getLogger(__name__)

# DuckDB's file starts with three 4 KiB headers, then ``total_blocks`` blocks of ``block_size``.
HEADER_BYTES = 3 * 4096
# Words of DuckDB's errors for a file that is not (or no longer) a readable database.
CORRUPTION_SIGNS = ("not a valid duckdb database file", "corrupt database file")
SHORT_FILE_SIGN = "could not read enough bytes from file"  # a corruption sign when it names the warehouse
# Words of the operating system's errors for a folder that cannot be written.
UNWRITABLE_SIGNS = ("permission denied", "read-only file system", "no space left on device", "disk quota exceeded")
# DuckDB's memory for the warehouse: beyond it, DuckDB spills to ``<warehouse>.tmp`` beside the file
# instead of growing (its own default is 80 % of the machine's memory). A machine setting, so it is
# an environment variable, not a district setting.
MEMORY_ENV = "SCORECARDS_DUCKDB_MEMORY"
DEFAULT_MEMORY = "3GB"


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse file: one writer at a time."""


class WarehouseCorrupt(RuntimeError):
    """The warehouse file is damaged; :func:`repair` moves it aside at the start of the next run."""

    def __init__(self, path: Path, why: str):
        super().__init__(
            f"the warehouse {path} is damaged ({why}); the next `scorecards run` moves it aside to "
            f"{path.name}.corrupt-<time> and rebuilds it from the raw exports"
        )
        self.path, self.why = path, why


def _damage_marker(path: Path) -> Path:
    return path.with_name(f".{path.name}.damaged")


def _is_corruption(exc: BaseException, path: Path) -> bool:
    text = str(exc).lower()
    if any(sign in text for sign in CORRUPTION_SIGNS):
        return True
    # a short CSV or Parquet file gives the same words: only the warehouse's own counts
    return SHORT_FILE_SIGN in text and str(path).lower() in text


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _truncation(con: duckdb.DuckDBPyConnection, path: Path) -> str | None:
    """Why the file is shorter than the blocks its tables and catalog use, or None when it is not.

    Reads only DuckDB's storage metadata, not the data. Not judged while a write-ahead log is
    pending (replaying it may still extend the file).
    """
    wal = path.with_name(path.name + ".wal")
    if wal.exists() and wal.stat().st_size > 0:
        return None
    block_size = one(con, "SELECT block_size FROM pragma_database_size() WHERE database_name = current_database()")
    if not block_size or not block_size[0]:
        return None
    used = [one(con, "SELECT max(block_id) FROM pragma_metadata_info()")[0]]
    for (table,) in con.execute("SELECT table_name FROM duckdb_tables() "
                                "WHERE database_name = current_database()").fetchall():
        used.append(one(con, "SELECT max(block_id) FROM pragma_storage_info(?) WHERE persistent", [table])[0])
    needed = max((b for b in used if b is not None), default=-1) + 1
    complete = (path.stat().st_size - HEADER_BYTES) // int(block_size[0])
    if complete < needed:
        return f"truncated: {complete} of its {needed} blocks are on disk"
    return None


def duckdb_config() -> dict[str, str]:
    """The configuration every warehouse connection is opened with (``memory_limit``)."""
    limit = os.environ.get(MEMORY_ENV, "").strip() or DEFAULT_MEMORY
    if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", limit, re.IGNORECASE):
        raise ValueError(f"{MEMORY_ENV}={limit!r} is not a memory size such as 3GB or 2500MB")
    return {"memory_limit": limit}


def _open(path: Path, read_only: bool, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait_seconds
    config = duckdb_config()
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only, config=config)
        except duckdb.Error as exc:
            text = str(exc).lower()
            if _is_corruption(exc, path):
                raise WarehouseCorrupt(path, _first_line(exc)) from None
            for sign in UNWRITABLE_SIGNS:
                if sign in text and not read_only:
                    raise output_error(path, sign) from None
            if not isinstance(exc, duckdb.IOException) or "lock" not in text:
                raise
            if time.monotonic() >= deadline:
                holder = re.search(r"held in (.+?) \(PID (\d+)\)", str(exc))
                who = f" by {holder.group(1).rsplit('/', 1)[-1]} (PID {holder.group(2)})" if holder else ""
                raise WarehouseBusy(
                    f"the warehouse {path} is in use{who}: another run or program is writing it. "
                    "Try again when it has finished (runs of this pipeline wait their turn in the "
                    "'warehouse' pool; BI tools should read <out>/parquet instead)"
                ) from None
            time.sleep(0.5)
            continue
        return con


@contextlib.contextmanager
def connect(path: Path | str, read_only: bool = False, wait_seconds: float = 30.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse file (created on first use) and close it afterwards.

    When another process holds the file, wait up to ``wait_seconds``, then raise
    :class:`WarehouseBusy` with a message that says who holds it. A damaged file raises
    :class:`WarehouseCorrupt`, whether DuckDB notices when opening it or when reading a table
    (then the file is marked, so that :func:`repair` moves it aside when the next run starts).
    A folder that cannot be written raises :class:`pipeline.outputs.OutputError`.
    """
    path = Path(path)
    if not read_only:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise output_error(path.parent, exc) from None
    con = _open(path, read_only, wait_seconds)
    try:
        yield con
    except duckdb.Error as exc:
        if not _is_corruption(exc, path):
            raise
        with contextlib.suppress(OSError):
            write_atomic(_damage_marker(path), _first_line(exc) + "\n")
        raise WarehouseCorrupt(path, _first_line(exc)) from None
    finally:
        con.close()


def repair(path: Path | str, log=None) -> Path | None:
    """Move a damaged warehouse aside (never delete it) so that a fresh one is started.

    Called when a run starts. Returns where the damaged file went, or None when the file is
    missing, healthy, or in use by another process (a file another run is using is not judged).
    Its write-ahead log, if any, moves with it.
    """
    log = log or logger
    path = Path(path)
    marker = _damage_marker(path)
    if not path.exists():
        if marker.exists():
            marker.unlink()
        return None
    with exclusive(path.with_name(f".{path.name}.repair.lock")):
        if not path.exists():
            return None
        why = marker.read_text(encoding="utf-8", errors="replace").strip() if marker.exists() else None
        if why is None:
            try:
                con = _open(path, read_only=True, wait_seconds=0)
            except WarehouseBusy:
                return None
            except WarehouseCorrupt as exc:
                why = exc.why
            else:
                try:
                    why = _truncation(con, path)
                except duckdb.Error as exc:
                    if not _is_corruption(exc, path):
                        raise
                    why = _first_line(exc)
                finally:
                    con.close()
                if why is None:
                    return None
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        target = path.with_name(f"{path.name}.corrupt-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        try:
            os.replace(path, target)
            wal = path.with_name(path.name + ".wal")
            if wal.exists():
                os.replace(wal, target.with_name(target.name + ".wal"))
        except OSError as exc:
            raise output_error(path, exc) from None
        marker.unlink(missing_ok=True)
        log.warning(f"the warehouse {path} was damaged ({why}); moved it to {target.name} and started a "
                    "fresh one: this run rebuilds its school year from the raw exports; run earlier "
                    "school years again to restore theirs")
        return target


def one(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> tuple | None:
    """The first row of a query, reading the result to its end.

    DuckDB 2.0 keeps a half-read result open on the connection (``fetchone``), and the next
    ``register`` on it then fails with "connection has an unfinished result".
    """
    rows = con.execute(query, params or []).fetchall()
    return rows[0] if rows else None


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(one(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table])[0])


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()]


def quote(name: str) -> str:
    """A table or column name as a DuckDB identifier (double quotes, doubled inside)."""
    return '"' + name.replace('"', '""') + '"'


def replace_rows(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, where: dict[str, object]) -> int:
    """Replace the rows of ``table`` matching ``where`` (e.g. one school year) by ``frame``.

    The table is created from the frame on first use; columns the frame brings that the table
    lacks are added (older layouts simply leave them NULL). Runs in one transaction.
    """
    frame = frame.copy()
    for col, value in where.items():
        frame[col] = value
    con.register("_incoming", frame)
    try:
        con.execute("BEGIN")
        if not table_exists(con, table):
            con.execute(f"CREATE TABLE {quote(table)} AS SELECT * FROM _incoming LIMIT 0")
        existing = dict(con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?", [table]
        ).fetchall())
        for col, typ, *_ in con.execute("DESCRIBE _incoming").fetchall():
            if col not in existing:
                con.execute(f"ALTER TABLE {quote(table)} ADD COLUMN {quote(col)} {typ}")
            elif existing[col] == '"NULL"' and typ != '"NULL"':
                # a column first stored from an empty or all-blank frame has no type yet: give it one
                con.execute(f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(col)} TYPE {typ}")
        cond = " AND ".join(f"{quote(c)} = ?" for c in where)
        con.execute(f"DELETE FROM {quote(table)} WHERE {cond}", list(where.values()))
        con.execute(f"INSERT INTO {quote(table)} BY NAME SELECT * FROM _incoming")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("_incoming")
    return len(frame)


def delete_rows(con: duckdb.DuckDBPyConnection, table: str, where: dict[str, object]) -> None:
    """Remove the rows of ``table`` matching ``where`` (nothing to do when the table does not exist)."""
    if table_exists(con, table):
        cond = " AND ".join(f"{quote(c)} = ?" for c in where)
        con.execute(f"DELETE FROM {quote(table)} WHERE {cond}", list(where.values()))


def read_table(con: duckdb.DuckDBPyConnection, table: str, where: dict[str, object]) -> pd.DataFrame:
    """Rows of ``table`` matching ``where``; an empty frame when the table does not exist yet."""
    if not table_exists(con, table):
        return pd.DataFrame()
    cond = " AND ".join(f"{quote(c)} = ?" for c in where) or "TRUE"
    return con.execute(f"SELECT * FROM {quote(table)} WHERE {cond}", list(where.values())).df()


# Scored tables that may leave the warehouse: suppressed, no student identifiers.
# Not `attendance`: it holds the internal counts of every group, however small (the protected
# chronic absenteeism figures are in indicator_results).
PUBLISHED_TABLES = ["indicator_results", "growth", "climate", "equity_index",
                    "equity_components", "school_rating", "rating_measures"]


def export_parquet(con: duckdb.DuckDBPyConnection, folder: Path) -> dict[str, int]:
    """Write each published table to ``<folder>/<table>.parquet`` (temporary name, then rename).

    BI tools and notebooks read these files without taking the warehouse's lock, so a run that is
    writing never blocks them, and they never see a half-written table.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = {}
    for table in PUBLISHED_TABLES:
        if not table_exists(con, table):
            continue
        tmp = folder / f".{table}.parquet.tmp"
        con.execute(f"COPY (SELECT * FROM {quote(table)} ORDER BY ALL) TO '{tmp}' (FORMAT parquet)")
        tmp.replace(folder / f"{table}.parquet")
        rows[table] = one(con, f"SELECT count(*) FROM {quote(table)}")[0]
    for stale in folder.glob("*.parquet"):  # a table no longer published must not linger
        if stale.stem not in PUBLISHED_TABLES:
            stale.unlink()
    return rows
