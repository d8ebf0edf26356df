"""A school year scored again after the year that follows it (rule 4 of
:mod:`pipeline.scoring.disclosure`, looking forward).

Next year's tables carry this year's figures as their prior-year columns, hidden where this year's
table hid them *when next year was scored*. Scoring this year again (corrected files, a changed
n-size rule) can hide cells it showed before; next year's stored prior-year figures would then give
them back. :func:`reprotect_next_year` hides them in next year's stored table at once (so every
copy made from the warehouse from now on, the Parquet files included, is safe) and records next
year in ``stale_years``: its scorecards and ``data.csv`` on disk were made before, and
:func:`stale_reasons` keeps them from being e-mailed until next year is scored again, which
clears the record (:func:`clear_stale`).
"""
from __future__ import annotations

import duckdb
import pandas as pd

from pipeline import warehouse
from pipeline.config import dashboard_year, school_year_of
from pipeline.scoring.disclosure import carry_forward_again

STALE = "stale_years"


def next_school_year(school_year: str) -> str:
    return school_year_of(dashboard_year(school_year) + 1)


def _ensure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE TABLE IF NOT EXISTS {STALE} (school_year VARCHAR, table_name VARCHAR, "
                "cells_hidden INTEGER, because_of VARCHAR, marked_at TIMESTAMP)")


def reprotect_next_year(con: duckdb.DuckDBPyConnection, table: str, school_year: str) -> int:
    """Carry ``school_year``'s stored protection of ``table`` into next year's stored rows, if
    next year was scored; the number of prior-year cells newly hidden (0: nothing changed)."""
    following = next_school_year(school_year)
    if not warehouse.table_exists(con, table):
        return 0
    later = warehouse.read_table(con, table, {"school_year": following})
    if later.empty:
        return 0
    now = warehouse.read_table(con, table, {"school_year": school_year})
    out, hidden = carry_forward_again(table, later, now)
    if hidden:
        warehouse.replace_rows(con, table, out, {"school_year": following})
        _ensure(con)
        con.execute(f"INSERT INTO {STALE} VALUES (?, ?, ?, ?, now()::TIMESTAMP)",
                    [following, table, hidden, school_year])
    return hidden


def clear_stale(con: duckdb.DuckDBPyConnection, school_year: str, table: str) -> None:
    """``school_year``'s ``table`` was scored again: its prior-year figures follow last year's table."""
    if warehouse.table_exists(con, STALE):
        con.execute(f"DELETE FROM {STALE} WHERE school_year = ? AND table_name = ?", [school_year, table])


def stale_reasons(con: duckdb.DuckDBPyConnection, school_year: str) -> list[str]:
    """Why ``school_year``'s files on disk may show prior-year figures its earlier year now hides."""
    if not warehouse.table_exists(con, STALE):
        return []
    rows: pd.DataFrame = con.execute(
        f"SELECT table_name, sum(cells_hidden)::INTEGER AS cells, max(because_of) AS because_of "
        f"FROM {STALE} WHERE school_year = ? GROUP BY table_name ORDER BY table_name", [school_year]).df()
    return [f"{r.because_of} was scored again after {school_year}: {r.cells} prior-year figures of {school_year}'s "
            f"{r.table_name} are now hidden that its scorecards on disk may show; run {school_year} again "
            f"(scorecards run --year {school_year}) before sending" for r in rows.itertuples()]
