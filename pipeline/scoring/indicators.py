"""Dashboard indicators: status, change, levels, colour and box for every school, LEA and group.

``sql/indicator_inputs.sql`` gathers CDE's rows (the validated Dashboard files that exist) and the
district's own chronic absenteeism and distance from standard; ``sql/indicator_results.sql`` applies
the cut scores and colour grid of ``config/``. :func:`disagreements` compares our figures with the
values CDE published in the same rows.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.config import Settings, config_path, dashboard_year, prior_school_year
from pipeline.scoring import assessment_source, install_macros, sql
from pipeline.sources import DASHBOARD
from pipeline.warehouse import columns, table_exists


def load_reference_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Cut scores and the colour grid from ``config/`` as temporary tables for the scoring SQL."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE cut_scores AS SELECT * FROM read_csv(?, header = true, "
        "columns = {'indicator': 'VARCHAR', 'dashboard_year_from': 'INTEGER', 'dashboard_year_to': 'INTEGER', "
        "'entity': 'VARCHAR', 'cut_set': 'VARCHAR', 'measure': 'VARCHAR', 'level': 'INTEGER', "
        "'min': 'DECIMAL(9,1)', 'max': 'DECIMAL(9,1)', 'confirmed': 'VARCHAR', 'source': 'VARCHAR'})",
        [str(config_path("cut_scores.csv"))],
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE standard_met AS SELECT * FROM read_csv(?, header = true, "
        "columns = {'subject': 'VARCHAR', 'grade': 'BIGINT', 'standard_met': 'BIGINT', 'source': 'VARCHAR'})",
        [str(config_path("sbac_standard_met.csv"))],
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE color_grid AS SELECT * FROM read_csv(?, header = true, "
        "columns = {'status_level': 'INTEGER', 'change_level': 'INTEGER', 'color': 'INTEGER'})",
        [str(config_path("color_grid.csv"))],
    )


def _select(table: str, indicator: str, wanted: dict[str, tuple[str | None, str]], present: list[str]) -> str:
    cols = ", ".join(
        f"{src}::{typ} AS {dst}" if src in present else f"NULL::{typ} AS {dst}"
        for dst, (src, typ) in wanted.items()
    )
    return (f"SELECT cds, rtype, studentgroup AS student_group, '{indicator}' AS indicator, "
            f"'cde' AS origin, 100 AS scale, {cols} FROM {table} WHERE school_year = $school_year")


_PUBLISHED = {
    "published_status": ("currstatus", "DOUBLE"),
    "published_change": ("change", "DOUBLE"),
    "published_status_level": ("statuslevel", "INTEGER"),
    "published_change_level": ("changelevel", "INTEGER"),
    "published_color": ("color", "INTEGER"),
    "published_box": ("box", "INTEGER"),
}
_RATE = {
    "curr_numer": ("currnumer", "BIGINT"), "curr_denom": ("currdenom", "BIGINT"),
    "curr_status_given": ("currstatus", "DOUBLE"),
    "prior_numer": ("priornumer", "BIGINT"), "prior_denom": ("priordenom", "BIGINT"),
    "prior_status_given": ("priorstatus", "DOUBLE"), "change_given": ("change", "DOUBLE"),
    "hscutpoints": ("hscutpoints", "VARCHAR"), **_PUBLISHED,
}
# Academic files publish no numerator: status and change are CDE's own (DFS has no counts to redo).
_ACADEMIC = {**_RATE, "curr_numer": (None, "BIGINT"), "prior_numer": (None, "BIGINT")}


def indicator_inputs_sql(con: duckdb.DuckDBPyConnection) -> str:
    """The indicator_inputs query, over the validated Dashboard tables that exist."""
    rate, academic = [], []
    for source in DASHBOARD:
        table = f"validated_{source.name}"
        if not table_exists(con, table):
            continue
        present = columns(con, table)
        if "cds" not in present or source.indicator == "growth":
            continue  # never provided for any year; growth files are not status x change indicators
        if source.indicator in ("ela", "math"):
            academic.append(_select(table, source.indicator, _ACADEMIC, present))
        else:
            rate.append(_select(table, source.indicator, _RATE, present))
    empty = "SELECT * FROM (" + _select("(SELECT NULL AS cds, NULL AS rtype, NULL AS studentgroup, "
                                          "NULL AS school_year)", "none", _RATE, []) + ") WHERE FALSE"
    return sql("indicator_inputs").format(
        rate_union="\n    UNION ALL BY NAME\n    ".join(rate) or empty,
        academic_union="\n    UNION ALL BY NAME\n    ".join(academic) or empty,
        assessment=assessment_source(con),
    )


def score_indicators(con: duckdb.DuckDBPyConnection, school_year: str, settings: Settings) -> pd.DataFrame:
    """Dashboard status, change, levels, colour and box for every school, LEA and student group.

    Primary suppression (n < 11) is applied; the frame still carries ``n_raw`` so that
    :func:`disagreements` can compare with CDE and :func:`protect_results` can add
    complementary suppression and top/bottom coding before the table is stored.
    """
    load_reference_tables(con)
    install_macros(con)
    params = {"school_year": school_year, "prior_year": prior_school_year(school_year)}
    con.execute(f"CREATE OR REPLACE TEMP TABLE indicator_inputs AS {indicator_inputs_sql(con)}", params)
    p = settings.privacy
    return con.execute(sql("indicator_results"), {
        "school_year": school_year,
        "dashboard_year": dashboard_year(school_year),
        "min_n": p.min_n,
        "color_min_n": p.color_min_n,
        "lea_small_group_min_n": p.lea_small_group_min_n,
        "lea_small_groups": list(p.lea_small_groups),
    }).df()


COMPARED = {
    "status": "published_status",
    "change": "published_change",
    "status_level": "published_status_level",
    "change_level": "published_change_level",
    "color": "published_color",
    "box": "published_box",
}


def disagreements(results: pd.DataFrame) -> pd.DataFrame:
    """Rows where one of our figures differs from the value CDE published in the same row.

    A published level, colour or box of 0 means "none", as a NULL of ours does.
    """
    cde = results[results["origin"] == "cde"]
    bad = pd.Series(False, index=cde.index)
    for ours, theirs in COMPARED.items():
        pub = cde[theirs]
        mine = cde[ours]
        if ours in ("status", "change"):
            both = pub.notna() & mine.notna()
            diff = both & ((mine.astype(float) - pub.astype(float)).abs() > 0.05)
            diff |= pub.notna() & mine.isna() & (cde["note"] != "n_lt_11")
        else:
            diff = pub.notna() & (mine.fillna(0).astype("Int64") != pub.astype("Int64")).fillna(False)
        bad |= diff
    keep = ["cds", "student_group", "indicator"] + [c for pair in COMPARED.items() for c in pair]
    return cde.loc[bad, keep]
