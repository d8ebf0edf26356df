"""The DuckDB warehouse: one file, tables keyed by school year, replaced a partition at a time."""
from __future__ import annotations

import contextlib
import re
import time
from pathlib import Path
from typing import Iterator

import duckdb
import pandas as pd


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse file: one writer at a time."""


def _open(path: Path, read_only: bool, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
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


@contextlib.contextmanager
def connect(path: Path | str, read_only: bool = False, wait_seconds: float = 30.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse file (created on first use) and close it afterwards.

    When another process holds the file, wait up to ``wait_seconds``, then raise
    :class:`WarehouseBusy` with a message that says who holds it.
    """
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, read_only, wait_seconds)
    try:
        yield con
    finally:
        con.close()


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


def _quote(name: str) -> str:
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
            con.execute(f"CREATE TABLE {_quote(table)} AS SELECT * FROM _incoming LIMIT 0")
        existing = dict(con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?", [table]
        ).fetchall())
        for col, typ, *_ in con.execute("DESCRIBE _incoming").fetchall():
            if col not in existing:
                con.execute(f"ALTER TABLE {_quote(table)} ADD COLUMN {_quote(col)} {typ}")
            elif existing[col] == '"NULL"' and typ != '"NULL"':
                # a column first stored from an empty or all-blank frame has no type yet: give it one
                con.execute(f"ALTER TABLE {_quote(table)} ALTER COLUMN {_quote(col)} TYPE {typ}")
        cond = " AND ".join(f"{_quote(c)} = ?" for c in where)
        con.execute(f"DELETE FROM {_quote(table)} WHERE {cond}", list(where.values()))
        con.execute(f"INSERT INTO {_quote(table)} BY NAME SELECT * FROM _incoming")
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
        cond = " AND ".join(f"{_quote(c)} = ?" for c in where)
        con.execute(f"DELETE FROM {_quote(table)} WHERE {cond}", list(where.values()))


def read_table(con: duckdb.DuckDBPyConnection, table: str, where: dict[str, object]) -> pd.DataFrame:
    """Rows of ``table`` matching ``where``; an empty frame when the table does not exist yet."""
    if not table_exists(con, table):
        return pd.DataFrame()
    cond = " AND ".join(f"{_quote(c)} = ?" for c in where) or "TRUE"
    return con.execute(f"SELECT * FROM {_quote(table)} WHERE {cond}", list(where.values())).df()


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
        con.execute(f"COPY (SELECT * FROM {_quote(table)} ORDER BY ALL) TO '{tmp}' (FORMAT parquet)")
        tmp.replace(folder / f"{table}.parquet")
        rows[table] = one(con, f"SELECT count(*) FROM {_quote(table)}")[0]
    for stale in folder.glob("*.parquet"):  # a table no longer published must not linger
        if stale.stem not in PUBLISHED_TABLES:
            stale.unlink()
    return rows
