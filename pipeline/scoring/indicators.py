"""Dashboard indicators: status, change, levels, colour and box for every school, LEA and group.

``sql/indicator_inputs.sql`` gathers CDE's rows (the validated Dashboard files that exist) and the
district's own chronic absenteeism, distance from standard and ELPI (:mod:`pipeline.scoring.elpi`);
``sql/indicator_results.sql`` applies the cut scores and colour grid of ``config/``. :func:`disagreements` compares our figures with the
values CDE published in the same rows.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.config import Settings, config_path, dashboard_year, prior_school_year
from pipeline.dashboard_config import load_rules
from pipeline.participation import RULE_FILE, load_participation_rule
from pipeline.scoring import assessment_source, install_macros, sql
from pipeline.scoring.elpi import load_elpi_preview
from pipeline.sources import DASHBOARD
from pipeline.state_tables import CODES_FILE, load_codes
from pipeline.warehouse import columns, quote, table_exists


_REFERENCE_TYPES = {  # the column types of the rule tables the scoring SQL joins
    "cut_scores": {"indicator": "VARCHAR", "dashboard_year_from": "INTEGER", "dashboard_year_to": "INTEGER",
                   "entity": "VARCHAR", "cut_set": "VARCHAR", "measure": "VARCHAR", "level": "INTEGER",
                   "min": "DECIMAL(9,1)", "max": "DECIMAL(9,1)"},
    "color_grid": {"grid": "VARCHAR", "status_level": "INTEGER", "change_level": "INTEGER", "color": "INTEGER",
                   "box": "INTEGER"},
    "dashboard_rules": {"indicator": "VARCHAR", "dashboard_year_from": "INTEGER", "dashboard_year_to": "INTEGER",
                        "status_only": "BOOLEAN", "grid": "VARCHAR", "small_below": "INTEGER",
                        "small_grid": "VARCHAR", "groups_without_color": "VARCHAR[]",
                        "below_95_participation": "VARCHAR"},
}


def load_reference_tables(con: duckdb.DuckDBPyConnection) -> None:
    """CDE's rules (cut scores, colour grids, indicator rules: :mod:`pipeline.dashboard_config`,
    checked as they are read) and the "standard met" scores from ``config/`` as temporary tables."""
    for table, frame in load_rules().frames().items():
        cols = ", ".join(f"{quote(c)}::{typ} AS {quote(c)}" for c, typ in _REFERENCE_TYPES[table].items())
        con.register("_rules_frame", frame)
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {cols} FROM _rules_frame")
        finally:
            con.unregister("_rules_frame")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE standard_met AS SELECT * FROM read_csv(?, header = true, "
        "columns = {'subject': 'VARCHAR', 'grade': 'BIGINT', 'standard_met': 'BIGINT', 'source': 'VARCHAR'})",
        [str(config_path("sbac_standard_met.csv"))],
    )
    con.execute("CREATE OR REPLACE TEMP TABLE language_groups_until AS SELECT ?::BIGINT AS dashboard_year",
                [load_codes(config_path(CODES_FILE).parent).language_groups_until])
    con.register("_participation_frame", load_participation_rule(config_path(RULE_FILE).parent))
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE participation_rule AS SELECT subject, dashboard_year::BIGINT AS "
                    "dashboard_year, target_per_mille::BIGINT AS target_per_mille, imputed_distance::BIGINT AS "
                    "imputed_distance FROM _participation_frame")
    finally:
        con.unregister("_participation_frame")


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
    "hscutpoints": ("hscutpoints", "VARCHAR"), "school_class": ("type", "VARCHAR"),
    "smalldenom": ("smalldenom", "VARCHAR"), "participation_flag": ("flag95pct", "VARCHAR"), **_PUBLISHED,
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
    load_elpi_preview(con, school_year)
    params = {"school_year": school_year, "prior_year": prior_school_year(school_year),
              "ltel_published": load_codes(config_path(CODES_FILE).parent).ltel_published(school_year)}
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


def published_agreement(results: pd.DataFrame) -> pd.DataFrame:
    """For each of CDE's rows, whether each of our figures equals the one CDE published (True/False
    per column of :data:`COMPARED`).

    A figure an indicator's file does not publish at all (a 2022 file has no change) is not
    compared. A published level, colour or box of 0 means "none", as a NULL of ours does; a blank
    published status or change must be blank in ours too, except where we hide fewer than 11
    students, and a published change of 0.0 with no prior year shown (the CCI files write it so
    where there is no change).
    """
    cde = results[results["origin"] == "cde"]
    out = pd.DataFrame(index=cde.index)
    for ours, theirs in COMPARED.items():
        pub, mine = cde[theirs], cde[ours]
        published = pub.notna().groupby(cde["indicator"]).transform("any")
        if ours in ("status", "change"):
            p, m = pub.astype("Float64"), mine.astype("Float64")
            same = ((p.isna() & m.isna()) | ((p - m).abs() < 0.05)).fillna(False)
            same |= p.notna() & m.isna() & cde["note"].eq("n_lt_11")
            if ours == "change":
                same |= (p.eq(0) & m.isna() & cde["prior_n"].isna()).fillna(False)
        else:
            same = mine.fillna(0).astype("int64").eq(pub.fillna(0).astype("int64"))
        out[ours] = (same | ~published).astype(bool)
    return out


# Why a row's published level cannot be reproduced from the file (our status level is none and the
# row is marked cut_set_undecided, never guessed), by indicator; docs/methodology.md gives the sources.
NOT_REPRODUCIBLE = {
    "ela": "cut set unknown: the file has no hscutpoints flag and the directory does not know the school, "
           "and the grades 3-8 and grade-11 cut points give different levels",
    "susp": "suspension type unknown: the file has no type and the directory does not know the school",
    "elpi": "below 95 % participation (flag95pct = Y): CDE's level follows counts the file does not hold",
}
NOT_REPRODUCIBLE["math"] = NOT_REPRODUCIBLE["ela"]


def disagreements(results: pd.DataFrame) -> pd.DataFrame:
    """Rows where one of our figures differs from the value CDE published in the same row
    (:func:`published_agreement`), with the names of the figures that differ in ``differs`` and, in
    ``reason``, why CDE's value cannot be reproduced from the file where that is the case (the row
    has no level of ours: :data:`NOT_REPRODUCIBLE`); ``reason`` is empty for a true disagreement."""
    agree = published_agreement(results)
    bad = ~agree.all(axis=1)
    keep = ["cds", "rtype", "student_group", "indicator", "cut_set"] + [c for pair in COMPARED.items() for c in pair]
    out = results.loc[agree.index[bad], keep].copy()
    out.insert(5, "differs", agree[bad].apply(lambda r: ", ".join(c for c in COMPARED if not r[c]), axis=1)
               if bad.any() else pd.Series(dtype=str))
    unknown = results.loc[out.index, "cut_set_undecided"].astype(bool) & out["status_level"].eq(0)
    out.insert(6, "reason", out["indicator"].map(NOT_REPRODUCIBLE).where(unknown))
    return out


def disagreement_summary(results: pd.DataFrame, diffs: pd.DataFrame) -> pd.DataFrame:
    """Per indicator: CDE's rows compared, rows that disagree, and rows CDE's value cannot be
    reproduced for (:func:`disagreements`' ``reason``)."""
    cde = results[results["origin"] == "cde"]
    out = pd.DataFrame({"rows_compared": cde.groupby("indicator").size()})
    out["disagreements"] = diffs[diffs["reason"].isna()].groupby("indicator").size()
    out["not_reproducible"] = diffs[diffs["reason"].notna()].groupby("indicator").size()
    return out.fillna(0).astype("int64").reset_index()
