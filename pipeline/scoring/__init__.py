"""Scoring in DuckDB: every figure a scorecard shows is computed by the SQL under ``sql/``.

The Python here only loads configuration tables, fills in trusted table names, binds parameters
and returns frames. Nothing in this package imports Dagster. This module holds what several
computations share: the SQL loader, the shared macros and the trusted assessment relation. Each
computation has its module: ``attendance``, ``indicators``, ``growth``, ``climate``, ``equity``,
``framework``, and ``privacy`` for the suppression applied after the SQL.
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline.warehouse import columns, table_exists

SQL_DIR = Path(__file__).parent / "sql"


def sql(name: str) -> str:
    """The text of ``sql/<name>.sql``."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """The shared SQL macros of ``sql/macros.sql`` (e.g. student_groups) on this connection."""
    con.execute(sql("macros"))


ASSESSMENT = "validated_assessment"
_ASSESSMENT_COLUMNS = {  # column of validated_assessment -> type of the empty stand-in
    "school_year": "VARCHAR", "ssid": "VARCHAR", "cds": "VARCHAR", "grade": "BIGINT",
    "subject": "VARCHAR", "test_type": "VARCHAR", "scale_score": "BIGINT",
    "ethnicity": "VARCHAR", "el": "VARCHAR", "ltel": "VARCHAR", "sed": "VARCHAR", "swd": "VARCHAR",
    "foster": "VARCHAR", "homeless": "VARCHAR", "source_line": "BIGINT",
    # from the state's CAASPP file only (pipeline/state_tables.py): ELO / RFP / EO, and Y / N / NULL
    # (tested / not tested / outside the participation base) for the 95 % participation rule
    "language_group": "VARCHAR", "participated": "VARCHAR",
}
_ASSESSMENT_REQUIRED = ("school_year", "ssid", "cds", "grade", "subject", "test_type", "scale_score")


def assessment_source(con: duckdb.DuckDBPyConnection) -> str:
    """The trusted relation student-level scoring reads: validated_assessment, or an empty stand-in.

    The table is absent (or holds only ``school_year``) when no assessment file was ever provided;
    the scorecard then has no growth and no district-computed ELA/math. Optional columns a
    hand-made table lacks are NULL.
    """
    present = set(columns(con, ASSESSMENT)) if table_exists(con, ASSESSMENT) else set()
    if not all(c in present for c in _ASSESSMENT_REQUIRED):
        cols = ", ".join(f"NULL::{typ} AS {col}" for col, typ in _ASSESSMENT_COLUMNS.items())
        return f"(SELECT {cols} WHERE FALSE)"
    if all(c in present for c in _ASSESSMENT_COLUMNS):
        return ASSESSMENT
    cols = ", ".join(col if col in present else f"NULL::{typ} AS {col}"
                     for col, typ in _ASSESSMENT_COLUMNS.items())
    return f"(SELECT {cols} FROM {ASSESSMENT})"
