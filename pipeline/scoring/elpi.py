"""The district's own English Learner Progress Indicator, from the Summative ELPAC Student Score
Data File (``validated_elpac``, two years: a record's own prior-year fields, else last year's file):
``sql/elpi_preview.sql`` counts, per school and LEA, this year's and last year's ELPI categories;
``sql/indicator_inputs.sql`` turns them into ``elpi`` rows of origin ``district`` that
``indicator_results`` levels and colours with CDE's cut sets, beside CDE's own ``elpi`` rows where
CDE's file for the year exists.

No ELPAC file (the table absent, or without the columns the query reads): no rows.
"""
from __future__ import annotations

import duckdb

from pipeline.config import config_path, prior_school_year
from pipeline.elpi_levels import load_elpi_levels
from pipeline.scoring import sql
from pipeline.state_tables import CODES_FILE, load_codes
from pipeline.warehouse import columns, table_exists

ELPAC = "validated_elpac"
_ELPAC_COLUMNS = {  # column of validated_elpac the query reads -> type of the empty stand-in
    "school_year": "VARCHAR", "ssid": "VARCHAR", "calpadsschoolcode": "VARCHAR", "recordtype": "VARCHAR",
    "elasfortesting": "VARCHAR", "includeindicator": "VARCHAR", "gradeassessed": "VARCHAR",
    "gradeassessedminus1": "VARCHAR", "overallscalescore": "BIGINT", "overallscalescoreminus1": "BIGINT",
    "source_line": "BIGINT",
}
_REQUIRED = ("school_year", "ssid", "calpadsschoolcode", "recordtype", "gradeassessed", "overallscalescore")


def elpac_source(con: duckdb.DuckDBPyConnection) -> str:
    """The trusted relation the ELPI query reads: validated_elpac, its optional columns a file
    lacks as NULL (no prior-year fields: nobody is included), or an empty stand-in."""
    present = set(columns(con, ELPAC)) if table_exists(con, ELPAC) else set()
    if not all(c in present for c in _REQUIRED):
        cols = ", ".join(f"NULL::{typ} AS {col}" for col, typ in _ELPAC_COLUMNS.items())
        return f"(SELECT {cols} WHERE FALSE)"
    cols = ", ".join(f"{col}::{typ} AS {col}" if col in present else f"NULL::{typ} AS {col}"
                     for col, typ in _ELPAC_COLUMNS.items())
    return f"(SELECT {cols} FROM {ELPAC})"


SENR = "validated_calpads_senr"


def ltel_source(con: duckdb.DuckDBPyConnection) -> str:
    """The trusted relation of CALPADS's Provisional LTEL Start Dates (``school_year``, ``ssid``,
    ``provisional_ltel_start``): the enrollment extract's, or an empty stand-in when no year's
    extract carried the field (a SENR extract, not the Cumulative Enrollment Extract)."""
    if table_exists(con, SENR) and "provisional_ltel_start" in columns(con, SENR):
        return (f"(SELECT school_year::VARCHAR AS school_year, ssid::VARCHAR AS ssid, "
                f"provisional_ltel_start::VARCHAR AS provisional_ltel_start FROM {SENR} "
                "WHERE provisional_ltel_start IS NOT NULL)")
    return ("(SELECT NULL::VARCHAR AS school_year, NULL::VARCHAR AS ssid, NULL::VARCHAR AS provisional_ltel_start "
            "WHERE FALSE)")


def load_elpi_preview(con: duckdb.DuckDBPyConnection, school_year: str) -> None:
    """Temp tables ``elpi_levels`` (``config/elpi_levels.csv``) and ``elpi_preview`` (the ELPI
    counts of ``school_year`` and the year before) on this connection."""
    levels = load_elpi_levels()[["test", "grade_from", "grade_to", "rank", "min", "max"]]
    con.register("_elpi_levels_frame", levels)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE elpi_levels AS SELECT test::VARCHAR AS test, "
                    "grade_from::INTEGER AS grade_from, grade_to::INTEGER AS grade_to, rank::INTEGER AS rank, "
                    "min::BIGINT AS min, max::BIGINT AS max FROM _elpi_levels_frame")
    finally:
        con.unregister("_elpi_levels_frame")
    query = sql("elpi_preview").format(elpac=elpac_source(con), ltel=ltel_source(con))
    codes, prior = load_codes(config_path(CODES_FILE).parent), prior_school_year(school_year)
    con.execute(f"CREATE OR REPLACE TEMP TABLE elpi_preview AS {query}",
                {"school_year": school_year, "prior_year": prior, "year_before_prior": prior_school_year(prior),
                 "ltel_day": codes.ltel_date(school_year), "prior_ltel_day": codes.ltel_date(prior)})
