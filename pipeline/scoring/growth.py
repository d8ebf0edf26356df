"""Student growth: CDE's residual-gain Student Growth Model, computed in DuckDB.

Every figure comes from the SQL in ``sql/growth_students.sql`` (who gets a growth score),
``sql/growth_model.sql`` (the expected-score fit per subject and grade) and ``sql/growth.sql``
(residual gains by school, LEA and student group, the two-year empirical-Bayes estimate, n-size
rules and rounding). This module only fills in the trusted source table and binds parameters.
See the README, "Student growth". No Dagster here.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.config import Settings, config_path, prior_school_year
from pipeline.scoring import assessment_source, install_macros, sql
from pipeline.state_tables import CODES_FILE, load_codes

#: 95 % interval multiplier: the normal quantile, not Student's t (see the README, "Student growth").
Z_95 = 1.96
#: Floor of the between-school variance tau^2 (scale-score points squared): a between-school
#: standard deviation of 1 point. Keeps the shrinkage weight defined when the schools' means vary
#: less than their sampling error alone would make them.
TAU2_FLOOR = 1.0

GROWTH_COLUMNS = [
    "school_year", "rtype", "cds", "subject", "student_group", "n", "mean", "sd", "se", "ci_low",
    "ci_high", "prior_n", "prior_mean", "prior_se", "two_year_mean", "two_year_se", "shrink_target",
    "tau2", "shrink_weight", "eb_estimate", "estimate", "category_allowed", "note", "suppressed",
    "mean_unrounded", "se_unrounded", "prior_mean_unrounded", "two_year_mean_unrounded",
    "shrink_target_unrounded", "eb_estimate_unrounded",
]
MODEL_COLUMNS = [
    "school_year", "subject", "grade", "n", "intercept", "b_ela", "b_math", "r2", "residual_sd",
    "mean_score", "mean_prior_ela", "mean_prior_math", "fitted",
]



def prepare_growth(con: duckdb.DuckDBPyConnection, school_year: str) -> None:
    """Temp tables ``growth_students`` and ``growth_fit`` for ``school_year`` and the year before."""
    prior = prior_school_year(school_year)
    install_macros(con)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE growth_students AS "
        + sql("growth_students").format(assessment=assessment_source(con)),
        {"school_year": school_year, "prior_year": prior, "prior2_year": prior_school_year(prior)},
    )
    con.execute("CREATE OR REPLACE TEMP TABLE growth_fit AS " + sql("growth_model"))


def drop_growth_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the temp tables (``growth_students`` holds student ids; it never outlives a call)."""
    con.execute("DROP TABLE IF EXISTS temp.growth_students")
    con.execute("DROP TABLE IF EXISTS temp.growth_fit")


def _model(con: duckdb.DuckDBPyConnection, school_year: str) -> pd.DataFrame:
    return con.execute(
        f"SELECT {', '.join(MODEL_COLUMNS)} FROM growth_fit WHERE school_year = ? ORDER BY subject, grade",
        [school_year],
    ).df()


def _growth(con: duckdb.DuckDBPyConnection, school_year: str, settings: Settings, tau2_floor: float) -> pd.DataFrame:
    p = settings.privacy
    return con.execute(sql("growth"), {
        "school_year": school_year,
        "prior_year": prior_school_year(school_year),
        "min_n": p.min_n,
        "color_min_n": p.color_min_n,
        "tau2_floor": float(tau2_floor),
        "z": Z_95,
        "ltel_published": load_codes(config_path(CODES_FILE).parent).ltel_published(school_year),
    }).df()[GROWTH_COLUMNS]


def growth_model(con: duckdb.DuckDBPyConnection, school_year: str) -> pd.DataFrame:
    """The fitted expected-score model of ``school_year``: one row per subject and grade.

    Columns ``MODEL_COLUMNS``: school_year, subject, grade, n, intercept, b_ela, b_math, r2,
    residual_sd, mean_score, mean_prior_ela, mean_prior_math, fitted (FALSE: fewer than 3 students
    or collinear prior scores; those students get no growth score). Internal: n is not suppressed.
    """
    prepare_growth(con, school_year)
    try:
        return _model(con, school_year)
    finally:
        drop_growth_tables(con)


def score_growth(con: duckdb.DuckDBPyConnection, school_year: str, settings: Settings, *,
                 tau2_floor: float = TAU2_FLOOR) -> pd.DataFrame:
    """Residual-gain growth by school (rtype S) and LEA (rtype D), subject and student group.

    One row per group with at least one growth score this year; columns ``GROWTH_COLUMNS``.
    Groups under ``settings.privacy.min_n`` growth scores carry no figure (n NULL too),
    ``note = 'n_lt_11'``, ``suppressed = TRUE``. ``category_allowed`` is n >= ``color_min_n``.
    """
    prepare_growth(con, school_year)
    try:
        return _growth(con, school_year, settings, tau2_floor)
    finally:
        drop_growth_tables(con)


def growth_tables(con: duckdb.DuckDBPyConnection, school_year: str, settings: Settings, *,
                  tau2_floor: float = TAU2_FLOOR) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(score_growth(...), growth_model(...))`` selecting the students once (half the time)."""
    prepare_growth(con, school_year)
    try:
        return _growth(con, school_year, settings, tau2_floor), _model(con, school_year)
    finally:
        drop_growth_tables(con)
