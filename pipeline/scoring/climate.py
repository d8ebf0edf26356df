"""Climate survey scoring: percent favourable by school and district, respondent group, domain and item.

The SQL is in ``sql/climate_answers.sql`` (the wide export unpivoted), ``sql/climate.sql`` (the
figures) and ``sql/climate_item_report.sql`` (what was left out). This module only fills in trusted
table and column names, binds parameters and returns frames. See the README, "School climate".
"""
from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.config import Settings
from pipeline.scoring import sql
from pipeline.sources import SOURCES
from pipeline.warehouse import columns, one, quote, table_exists

RESPONSES = "validated_survey_responses"
CODEBOOK = "validated_survey_codebook"
POPULATION = "validated_survey_population"
MAX_DOMAINS = 64  # climate.sql keeps the domains a response answered as bits of one number

CLIMATE_COLUMNS = [
    "school_year", "rtype", "cds", "respondent_group", "level", "domain", "item_id",
    "answered", "favorable", "percent_favorable", "percent_favorable_unrounded",
    "respondents", "invited", "response_rate", "response_rate_unrounded",
    "district_percent_favorable", "note", "suppressed",
]
INTERNAL_COLUMNS = ["answered_raw", "figure_n_raw"]  # true counts for disclosure control, never stored

# Stand-ins with the right column types when a source was never provided, so the SQL always runs.
_EMPTY_CODEBOOK = ("(SELECT NULL::VARCHAR AS school_year, NULL::VARCHAR AS item_id, NULL::VARCHAR AS respondent_group, "
                   "NULL::VARCHAR AS domain, NULL::VARCHAR AS reverse_coded, NULL::BIGINT AS scale_points WHERE FALSE)")
_EMPTY_POPULATION = ("(SELECT NULL::VARCHAR AS school_year, NULL::VARCHAR AS cds, NULL::VARCHAR AS respondent_group, "
                     "NULL::BIGINT AS invited WHERE FALSE)")
_EMPTY_ANSWERS = ("SELECT NULL::VARCHAR AS response_id, NULL::VARCHAR AS cds, NULL::VARCHAR AS respondent_group, "
                  "NULL::VARCHAR AS item_key, NULL::BIGINT AS answer WHERE FALSE")



def _meta_columns() -> set[str]:
    source = SOURCES["survey_responses"]
    return {c.lower() for c in source.required_columns + source.optional_columns} | {"source_line", "_line"}


def survey_item_columns(con: duckdb.DuckDBPyConnection, school_year: str) -> list[str]:
    """Response columns (other than the respondent's own fields) holding at least one answer this year.

    The warehouse table gathers every year's columns, so a column of another year's export is
    blank here and not listed.
    """
    if not table_exists(con, RESPONSES):
        return []
    meta = _meta_columns()
    candidates = [c for c in columns(con, RESPONSES) if c.lower() not in meta]
    if not candidates:
        return []
    counts = one(con, "SELECT " + ", ".join(f"count(TRY_CAST({quote(c)} AS BIGINT))" for c in candidates)
                 + f" FROM {RESPONSES} WHERE school_year = ?", [school_year])
    return [c for c, n in zip(candidates, counts) if n]


def answers_sql(con: duckdb.DuckDBPyConnection, school_year: str) -> str:
    """The SELECT of every answer given this year (``sql/climate_answers.sql``), to embed as a
    subquery: one row per response and item (``response_id, cds, respondent_group, item_key,
    answer``). It is never stored: at state scale it is tens of millions of rows."""
    items = survey_item_columns(con, school_year)
    if not items:
        return _EMPTY_ANSWERS
    return sql("climate_answers").format(
        item_columns=", ".join(f"TRY_CAST({quote(c)} AS BIGINT) AS {quote(c)}" for c in items))


def _codebook(con: duckdb.DuckDBPyConnection) -> str:
    return CODEBOOK if table_exists(con, CODEBOOK) and "item_id" in columns(con, CODEBOOK) else _EMPTY_CODEBOOK


def climate_item_report(con: duckdb.DuckDBPyConnection, school_year: str) -> pd.DataFrame:
    """What the scoring left out, one row per item and problem (``school_year, item_id, problem, answers``).

    Problems: ``not_in_codebook`` (a response column with answers but no codebook item, ignored),
    ``wrong_group`` (answers from respondents of another group than the item's, ignored),
    ``out_of_scale`` (answers above the item's scale_points, ignored), ``not_answered`` (a codebook
    item without any answer this year).
    """
    query = sql("climate_item_report").format(answers=answers_sql(con, school_year), codebook=_codebook(con))
    return con.execute(query, {"school_year": school_year}).df()


def uncoded_survey_columns(con: duckdb.DuckDBPyConnection, school_year: str) -> list[str]:
    """Response columns holding answers this year that no codebook item names (they are ignored)."""
    report = climate_item_report(con, school_year)
    return sorted(report.loc[report["problem"] == "not_in_codebook", "item_id"])


def score_climate(con: duckdb.DuckDBPyConnection, school_year: str, settings: Settings, *,
                  true_counts: bool = False) -> pd.DataFrame:
    """Percent favourable by school and district x respondent group x domain and item (table ``climate``).

    Columns: see :data:`CLIMATE_COLUMNS`. A group with fewer than
    ``settings.privacy.survey_min_respondents`` respondents shows no percent and no counts
    (``note='n_lt_10'``); a domain or item answered by fewer respondents than that, in a group that
    is shown, hides its percent and counts (``note='answered_lt_10'``). With ``true_counts`` the
    internal ``answered_raw`` and ``figure_n_raw`` come too, for the disclosure step (which drops them).
    """
    codebook = _codebook(con)
    domains = one(con, f"SELECT count(DISTINCT domain) FROM {codebook} WHERE school_year = ?", [school_year])[0]
    if domains > MAX_DOMAINS:
        raise ValueError(f"the survey codebook of {school_year} has {domains} domains; "
                         f"climate scoring handles at most {MAX_DOMAINS}")
    population = POPULATION if table_exists(con, POPULATION) and "invited" in columns(con, POPULATION) \
        else _EMPTY_POPULATION
    query = sql("climate").format(answers=answers_sql(con, school_year), codebook=codebook,
                                  population=population)
    frame = con.execute(query, {
        "school_year": school_year,
        "min_respondents": settings.privacy.survey_min_respondents,
    }).df()
    return frame[CLIMATE_COLUMNS + (INTERNAL_COLUMNS if true_counts else [])]
