"""A plain-pandas baseline of the pipeline's DuckDB scoring, for benchmarks (issue #7).

The same rules as the SQL under ``pipeline/scoring/sql``, written as vectorised pandas
(groupby/merge, no per-row Python loops), over the same validated warehouse tables held as
DataFrames, and a comparison that shows the two give the same figures.

Computations (each mirrors the named SQL; the comment at the top of each SQL file is the spec):

- ``attendance``         attendance.sql (+ the ``student_groups`` macro of macros.sql)
- ``growth``             growth_students.sql, growth_model.sql, growth.sql -> ``growth`` and ``growth_model``
- ``climate``            climate_answers.sql, climate.sql
- ``indicators``         indicator_inputs.sql, indicator_results.sql -> ``indicator_results``
                         (before complementary suppression / top-bottom coding, i.e. what
                         ``pipeline.scoring.indicators.score_indicators`` returns)

Privacy steps that the pipeline applies in Python after the SQL (``protect_results``,
``protect_climate`` of ``pipeline/scoring/privacy.py``) are applied to both sides by
:func:`published` and compared too (``indicator_results_published``, ``climate_published``).

Public API (all frames are pandas DataFrames; ``settings`` defaults to ``load_settings()``)::

    load_inputs(con, school_year, computations=None) -> dict[str, DataFrame]
        The tables the DuckDB scoring reads (all, or those the named computations need, NEEDS), as DataFrames: validated_<source> for the year
        (validated_assessment for the year and the two before), the stored ``attendance`` table
        of the year and the year before, and the reference tables ``cut_scores``,
        ``standard_met``, ``color_grid`` exactly as ``scoring.indicators.load_reference_tables`` loads them.
    attendance(inputs, school_year, settings=None) -> DataFrame            # like scoring.attendance.score_attendance
    growth_tables(inputs, school_year, settings=None, *, tau2_floor=TAU2_FLOOR)
        -> (growth, growth_model)                                          # like scoring.growth.growth_tables
    climate(inputs, school_year, settings=None) -> DataFrame               # like scoring.climate.score_climate
    indicators(inputs, school_year, settings=None) -> DataFrame            # like scoring.indicators.score_indicators
    score_pandas(inputs, school_year, settings=None) -> dict[str, DataFrame]
    score_duckdb(con, school_year, settings=None) -> dict[str, DataFrame]  # the pipeline's own functions
        Both return the keys of OUTPUTS: attendance, growth, growth_model, climate, indicator_results.
    published(tables, settings=None) -> dict[str, DataFrame]
        Adds indicator_results_published and climate_published (the pipeline's privacy functions).
    compare(duck, pandas, keys=KEYS) -> list[str]
        Human-readable differences; [] means identical. Rows are aligned on KEYS[name]; integers,
        strings, booleans and every figure the SQL rounds (EXACT[name]) must be equal exactly;
        other floats to 1e-9 relative (|a - b| <= 1e-9 * max(|a|, |b|, 1)); NULL/NaN/NA are one value.
    run_both(warehouse_path, school_year, repeats=3, settings=None, computations=COMPUTATIONS,
             threads=None) -> dict
        Opens the warehouse read-only, loads the inputs once (timed apart: "load_seconds"), then
        times each computation ``repeats`` times on each side. DuckDB side: the pipeline's own
        pipeline.scoring functions on the warehouse connection (their SQL, temp tables and the
        result's conversion to a DataFrame: what the assets do). Pandas side: the functions here
        on the in-memory inputs. Returns {"school_year", "warehouse", "repeats", "duckdb_threads",
        "load_seconds", "input_rows": {table: rows}, "output_rows": {table: rows},
        "duckdb": {computation: [seconds, ...]}, "pandas": {computation: [seconds, ...]},
        "duckdb_cpu" / "pandas_cpu": the same in process CPU seconds (all threads), "summary":
        {computation: {"duckdb_best", "duckdb_median", "pandas_best", "pandas_median", "ratio",
        "duckdb_cpu_best", "pandas_cpu_best"}}, "differences": compare(...) including the
        published tables}. ``ratio`` is pandas_best / duckdb_best in wall time (above 1: DuckDB
        is faster). The tables of the last repeat are the ones compared.
    build_warehouse(raw_dir, warehouse_path, years=None, settings=None) -> dict[str, float]
        Ingest every source of each year and store ``attendance`` with the plain pipeline
        functions (no Dagster): what the scoring reads. Returns seconds per year.
    format_report(result) -> str
        A plain-text table of run_both's result.

Command line: ``python -m pipeline.bench.pandas_scoring WAREHOUSE YEAR [REPEATS [THREADS]]``.

COMPUTATIONS = ("attendance", "growth", "climate", "indicators"); "growth" produces two tables.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Callable

import duckdb
import numpy as np
import pandas as pd
import pyarrow.compute as pc

from pipeline.config import Settings, dashboard_year, load_settings, prior_school_year
from pipeline.scoring.climate import CLIMATE_COLUMNS
from pipeline.scoring.growth import GROWTH_COLUMNS, MODEL_COLUMNS, TAU2_FLOOR, Z_95
from pipeline.warehouse import columns, connect, quote

COMPUTATIONS = ("attendance", "growth", "climate", "indicators")
OUTPUTS = ("attendance", "growth", "growth_model", "climate", "indicator_results")

#: Columns that identify a row of each table (the comparison aligns on them).
KEYS: dict[str, list[str]] = {
    "attendance": ["rtype", "cds", "student_group"],
    "growth": ["school_year", "rtype", "cds", "subject", "student_group"],
    "growth_model": ["school_year", "subject", "grade"],
    "climate": ["school_year", "rtype", "cds", "respondent_group", "level", "domain", "item_id"],
    "climate_published": ["school_year", "rtype", "cds", "respondent_group", "level", "domain", "item_id"],
    "indicator_results": ["school_year", "cds", "rtype", "student_group", "indicator", "origin"],
    "indicator_results_published": ["school_year", "cds", "rtype", "student_group", "indicator", "origin"],
}
#: Float columns the SQL rounds (or takes rounded from a file): compared exactly.
EXACT: dict[str, set[str]] = {
    "attendance": {"chronic_rate", "attendance_rate"},
    "growth": {"mean", "sd", "se", "ci_low", "ci_high", "prior_mean", "prior_se", "two_year_mean",
               "two_year_se", "shrink_target", "eb_estimate"},
    "growth_model": set(),
    "climate": {"percent_favorable", "response_rate", "district_percent_favorable"},
    "indicator_results": {"status", "prior_status", "change", "published_status", "published_change"},
}
EXACT["climate_published"] = EXACT["climate"]
EXACT["indicator_results_published"] = EXACT["indicator_results"]
RELATIVE_TOLERANCE = 1e-9

# the student_groups macro (macros.sql): code -> flag column that is 'Y' for members
GROUP_FLAGS = {"EL": "el", "LTEL": "ltel", "SED": "sed", "SWD": "swd", "FOS": "foster", "HOM": "homeless"}
FLAG_COLUMNS = ["ethnicity", *GROUP_FLAGS.values()]

ATTENDANCE_COLUMNS = ["rtype", "cds", "student_group", "eligible", "chronic", "days_enrolled", "days_attended",
                      "students", "chronic_rate", "attendance_rate", "suppressed"]
INDICATOR_COLUMNS = [
    "school_year", "cds", "rtype", "student_group", "indicator", "origin", "school_type", "cut_set",
    "n", "n_raw", "prior_n", "status", "prior_status", "change", "status_level", "change_level", "color",
    "box", "note", "suppressed", "cut_set_undecided", "published_status", "published_change",
    "published_status_level", "published_change_level", "published_color", "published_box",
]

_ASSESSMENT_COLUMNS = ["school_year", "ssid", "cds", "grade", "subject", "test_type", "scale_score",
                       *FLAG_COLUMNS, "source_line"]
_ATTENDANCE_INPUT_COLUMNS = ["school_year", "ssid", "cds", "days_enrolled", "days_absent", *FLAG_COLUMNS]


# ------------------------------------------------------------------------------------------------
# DuckDB's rounding, reproduced
# ------------------------------------------------------------------------------------------------
def _round_half_away(v: np.ndarray) -> np.ndarray:
    """C's round(): to the nearest integer, halves away from zero (exact for doubles)."""
    r = np.trunc(v)
    return r + np.sign(v) * (np.abs(v - r) >= 0.5)


def decimal_tenths(x, scale: int) -> np.ndarray:
    """``round(x::DECIMAL(18, scale), 1)`` of DuckDB for doubles ``x``, as doubles (NaN and infinities give NaN).

    DuckDB casts a double to DECIMAL by multiplying with 10^scale in double precision and rounding
    half away from zero; ``round(decimal, 1)`` then rounds the integer half away from zero.
    """
    x = np.asarray(x, dtype=float)
    out = np.full(x.shape, np.nan)
    ok = np.isfinite(x)
    q = _round_half_away(x[ok] * 10.0 ** scale).astype(np.int64)
    d = 10 ** (scale - 1)
    out[ok] = np.sign(q) * ((np.abs(q) + d // 2) // d) / 10
    return out


def _ratio_tenths(numer: pd.Series, denom: pd.Series, scale: int) -> pd.Series:
    """``scale * numer / denom`` rounded half away from zero to 0.1 in integer arithmetic
    (sign(P) * floor((2|P| + Q) / 2Q) with P = 10 * scale * numer, Q = denom), as a double."""
    ok = (numer.notna() & denom.notna() & denom.gt(0)).fillna(False).astype(bool)
    p = numer[ok].astype("int64").to_numpy()
    q = denom[ok].astype("int64").to_numpy()
    if len(p) and max(20 * scale * np.abs(p.astype(float)).max(), 2 * q.astype(float).max()) > 2 ** 62:
        p, q = p.astype(object), q.astype(object)  # beyond int64 (DuckDB uses HUGEINT): Python integers
    p = 10 * scale * p
    tenths = np.sign(p) * ((2 * np.abs(p) + q) // (2 * q))
    out = pd.Series(np.nan, index=numer.index)
    out[ok] = np.asarray(tenths, dtype=float) / 10
    return out


# ------------------------------------------------------------------------------------------------
# inputs
# ------------------------------------------------------------------------------------------------
def _read(con: duckdb.DuckDBPyConnection, table: str, years: list[str]) -> pd.DataFrame:
    """The table's rows of ``years`` as DuckDB's ``.df()`` gives them, except that equal strings
    are one Python object (``.df()`` makes one per cell: 18 million assessment rows took 15 GB)."""
    types = dict(con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
        "ORDER BY ordinal_position", [table]).fetchall())
    if "school_year" not in types:
        return pd.DataFrame(columns=list(types))
    marks = ", ".join("?" for _ in years)
    where = f"FROM {quote(table)} WHERE school_year IN ({marks})"
    text = [c for c, t in types.items() if t == "VARCHAR"]
    other = [c for c in types if c not in text]
    # two scans of the same rows in the same order (DuckDB keeps insertion order without ORDER BY)
    frame = con.execute(f"SELECT {', '.join(map(quote, other))} {where}", years).df() if other else None
    strings = con.sql(f"SELECT {', '.join(map(quote, text))} {where}", params=years).to_arrow_table() if text else None
    n = len(frame) if frame is not None else strings.num_rows
    values = {}
    for c in types:
        if c in text:
            encoded = strings.column(c).combine_chunks().dictionary_encode()
            words = np.append(encoded.dictionary.to_numpy(zero_copy_only=False).astype(object), None)
            values[c] = words[pc.fill_null(encoded.indices, -1).to_numpy()]
        else:
            values[c] = frame[c].reset_index(drop=True)
    return pd.DataFrame(values, index=pd.RangeIndex(n))


def _input_years(school_year: str) -> dict[str, list[str]]:
    """Every warehouse table the DuckDB scoring of ``school_year`` reads, with the years it reads."""
    from pipeline.sources import SOURCES

    prior = prior_school_year(school_year)
    years = {f"validated_{source.name}": ([school_year, prior, prior_school_year(prior)]
                                          if source.name == "assessment" else [school_year])
             for source in SOURCES.values()}
    years["attendance"] = [school_year, prior]
    return years


class LazyInputs(dict):
    """The inputs of :func:`load_inputs`, each read from the warehouse the first time a
    computation asks for it, so that one computation holds only its own tables in memory."""

    def __init__(self, con: duckdb.DuckDBPyConnection, school_year: str):
        super().__init__()
        from pipeline.scoring.indicators import load_reference_tables

        self._con, self._years = con, _input_years(school_year)
        load_reference_tables(con)

    def _load(self, table: str) -> None:
        if not dict.__contains__(self, table):
            if table in self._years:
                self[table] = _read(self._con, table, self._years[table])
            elif table in REFERENCE_TABLES:
                self[table] = self._con.execute(f"SELECT * FROM {table}").df()

    def __getitem__(self, table: str) -> pd.DataFrame:
        self._load(table)
        return dict.__getitem__(self, table)

    def get(self, table: str, default=None):
        self._load(table)
        return dict.get(self, table, default)


REFERENCE_TABLES = ("cut_scores", "standard_met", "color_grid")
# The tables each computation reads (tests/test_pandas_baseline.py checks this against what they ask for).
NEEDS = {
    "attendance": ("validated_attendance", "validated_directory"),
    "growth": ("validated_assessment",),
    "climate": ("validated_survey_codebook", "validated_survey_population", "validated_survey_responses"),
    "indicators": ("attendance", "color_grid", "cut_scores", "standard_met", "validated_assessment",
                   "validated_dashboard_cci", "validated_dashboard_chronic", "validated_dashboard_ela",
                   "validated_dashboard_elpi", "validated_dashboard_grad", "validated_dashboard_growth",
                   "validated_dashboard_math", "validated_dashboard_susp", "validated_directory"),
}


def load_inputs(con: duckdb.DuckDBPyConnection, school_year: str,
                computations: tuple[str, ...] | None = None) -> dict[str, pd.DataFrame]:
    """The tables the DuckDB scoring of ``school_year`` reads, as DataFrames (see the module doc):
    every one, or those the named ``computations`` need (at state scale all of them at once do
    not fit in memory as pandas frames). Any other table is read when first asked for."""
    inputs = LazyInputs(con, school_year)
    tables = [*_input_years(school_year), *REFERENCE_TABLES] if computations is None else \
        sorted({t for c in computations for t in NEEDS[c]})
    for table in tables:
        inputs.get(table)
    return inputs


def input_rows(con: duckdb.DuckDBPyConnection, school_year: str) -> dict[str, int]:
    """Rows of each input table the scoring of ``school_year`` reads (counted in the warehouse)."""
    out = {}
    for table, years in _input_years(school_year).items():
        if "school_year" in columns(con, table):
            marks = ", ".join("?" for _ in years)
            out[table] = con.execute(f"SELECT count(*) FROM {quote(table)} WHERE school_year IN ({marks})",
                                     years).fetchone()[0]
        else:
            out[table] = 0
    return out


def _frame(inputs: dict[str, pd.DataFrame], table: str, needed: list[str]) -> pd.DataFrame:
    """The input table, or an empty one with the needed columns; missing optional columns are NULL."""
    frame = inputs.get(table)
    if frame is None or not len(frame.columns):
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in needed})
    missing = [c for c in needed if c not in frame.columns]
    return frame.assign(**{c: None for c in missing}) if missing else frame


def _of_year(frame: pd.DataFrame, years) -> pd.DataFrame:
    years = [years] if isinstance(years, str) else list(years)
    return frame[frame["school_year"].isin(years)]


def _district_of(cds: pd.Series) -> pd.Series:
    """``substr(cds, 1, 7) || '0000000'``, computed once per distinct code."""
    codes = pd.Series(cds.dropna().unique(), dtype=object)
    return cds.map(pd.Series((codes.str.slice(0, 7) + "0000000").to_numpy(), index=codes.to_numpy()))


def _member(flag: pd.Series) -> pd.Series:
    """A flag column ('Y'/'N', or already booleans) as membership: 'Y' is a member, anything else not."""
    if pd.api.types.is_bool_dtype(flag):
        return flag.fillna(False).astype(bool)
    return flag.eq("Y").fillna(False).astype(bool)


def expand_student_groups(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The ``student_groups`` macro unnested: one row per row of ``frame`` and group it counts in
    (ALL, its ethnicity code when not NULL, EL, LTEL, SED, SWD, FOS, HOM where the flag is 'Y')."""
    parts = [frame[columns].assign(student_group="ALL")]
    eth = frame["ethnicity"].notna()
    parts.append(frame.loc[eth, columns].assign(student_group=frame.loc[eth, "ethnicity"]))
    for code, flag in GROUP_FLAGS.items():
        member = _member(frame[flag])
        parts.append(frame.loc[member, columns].assign(student_group=code))
    return pd.concat(parts, ignore_index=True)


# ------------------------------------------------------------------------------------------------
# (1) attendance.sql
# ------------------------------------------------------------------------------------------------
def _district_cds(inputs: dict[str, pd.DataFrame], school_year: str) -> str:
    directory = _of_year(_frame(inputs, "validated_directory", ["school_year", "cds"]), school_year)
    heads = directory["cds"].dropna().str.slice(0, 7)
    return (heads.min() if len(heads) else "0000000") + "0000000"


def attendance(inputs: dict[str, pd.DataFrame], school_year: str, settings: Settings | None = None) -> pd.DataFrame:
    """Chronic absenteeism and attendance rate by school (S), district (D) and student group."""
    settings = settings or load_settings()
    min_n = settings.privacy.min_n
    students = _of_year(_frame(inputs, "validated_attendance", _ATTENDANCE_INPUT_COLUMNS), school_year)
    # flags as booleans: the district row's max('Y', 'N') is 'Y' when any of the student's rows is 'Y'
    students = students[["cds", "ssid", "days_enrolled", "days_absent", "ethnicity"]].assign(
        **{f: _member(students[f]) for f in GROUP_FLAGS.values()})
    district = (students.groupby("ssid", sort=False, dropna=False)
                .agg(days_enrolled=("days_enrolled", "sum"), days_absent=("days_absent", "sum"),
                     ethnicity=("ethnicity", "first"), **{f: (f, "any") for f in GROUP_FLAGS.values()})
                .reset_index()
                .assign(cds=_district_cds(inputs, school_year)))
    both = pd.concat([students.assign(rtype="S"), district.assign(rtype="D")], ignore_index=True)
    enrolled = both["days_enrolled"].astype("int64")
    absent = both["days_absent"].astype("int64")
    # days_absent::DECIMAL(18, 6) >= threshold::DECIMAL(18, 6) * days_enrolled, in integers
    threshold = int(_round_half_away(np.array([settings.chronic_threshold * 1e6]))[0])
    both["eligible"] = enrolled >= settings.min_days_enrolled
    both["chronic"] = both["eligible"] & (absent * 1_000_000 >= threshold * enrolled)
    both["days_enrolled"] = enrolled
    both["days_attended"] = enrolled - absent
    grouped = expand_student_groups(both, ["rtype", "cds", "days_enrolled", "days_attended", "eligible", "chronic"])
    out = (grouped.groupby(["rtype", "cds", "student_group"], sort=False, dropna=False)
           .agg(eligible=("eligible", "sum"), chronic=("chronic", "sum"),
                days_enrolled=("days_enrolled", "sum"), days_attended=("days_attended", "sum"),
                students=("eligible", "size"))
           .reset_index())
    shown = out["eligible"] >= min_n
    with np.errstate(invalid="ignore", divide="ignore"):  # no eligible student: no rate (shown is False)
        chronic_rate = decimal_tenths(100 * out["chronic"].to_numpy(float) / out["eligible"].to_numpy(float), 6)
        attendance_rate = decimal_tenths(100 * out["days_attended"].to_numpy(float)
                                         / out["days_enrolled"].to_numpy(float), 6)
    out["chronic_rate"] = np.where(shown, chronic_rate, np.nan)
    out["attendance_rate"] = np.where(shown, attendance_rate, np.nan)
    out["suppressed"] = ~shown
    out[["days_enrolled", "days_attended"]] = out[["days_enrolled", "days_attended"]].astype(float)
    out = out.sort_values(["rtype", "cds", "student_group"], ascending=[False, True, True], kind="stable")
    return out[ATTENDANCE_COLUMNS].reset_index(drop=True)


# ------------------------------------------------------------------------------------------------
# (2) growth_students.sql, growth_model.sql, growth.sql
# ------------------------------------------------------------------------------------------------
def growth_students(inputs: dict[str, pd.DataFrame], school_year: str) -> pd.DataFrame:
    """Who receives a growth score in ``school_year`` and the year before, with prior ELA and math."""
    prior = prior_school_year(school_year)
    prior2 = prior_school_year(prior)
    a = _frame(inputs, "validated_assessment", _ASSESSMENT_COLUMNS)
    scores = a[a["school_year"].isin([school_year, prior, prior2]) & a["test_type"].eq("SBA")
               & a["scale_score"].notna()]
    scores = (scores.sort_values(["source_line", "cds", "grade", "scale_score"], kind="stable")
              .drop_duplicates(["school_year", "ssid", "subject"]))
    past = scores[scores["school_year"].isin([prior, prior2])]
    prior_scores = (past.set_index(["school_year", "ssid", "subject"])["scale_score"]
                    .unstack("subject").reindex(columns=["ELA", "MATH"])
                    .dropna().rename(columns={"ELA": "prior_ela", "MATH": "prior_math"})
                    .astype(float).reset_index().rename(columns={"school_year": "prior_year"}))
    current = scores[scores["school_year"].isin([school_year, prior]) & scores["grade"].between(4, 8)]
    current = current.assign(prior_year=np.where(current["school_year"] == school_year, prior, prior2))
    out = current.merge(prior_scores, on=["prior_year", "ssid"])
    out["score"] = out["scale_score"].astype(float)
    out["grade"] = out["grade"].astype("int64")
    return out[["school_year", "ssid", "cds", "grade", "subject", "score", "prior_ela", "prior_math", *FLAG_COLUMNS]]


def growth_fit(students: pd.DataFrame) -> pd.DataFrame:
    """growth_model.sql: OLS of score on prior ELA and math per school year, subject and grade."""
    keys = ["school_year", "subject", "grade"]
    g = students.groupby(keys, sort=False)
    dy = students["score"] - g["score"].transform("mean")
    d1 = students["prior_ela"] - g["prior_ela"].transform("mean")
    d2 = students["prior_math"] - g["prior_math"].transform("mean")
    sums = (pd.DataFrame({"s11": d1 * d1, "s22": d2 * d2, "s12": d1 * d2, "s1y": d1 * dy, "s2y": d2 * dy,
                          "syy": dy * dy})
            .groupby([students[k] for k in keys], sort=False).sum())
    means = g.agg(n=("score", "size"), mean_score=("score", "mean"), mean_prior_ela=("prior_ela", "mean"),
                  mean_prior_math=("prior_math", "mean"))
    f = means.join(sums).reset_index()
    det = f["s11"] * f["s22"] - f["s12"] * f["s12"]
    f["fitted"] = (f["n"] >= 3) & (det > 1e-9 * f["s11"] * f["s22"])
    fitted = f["fitted"]
    f["b_ela"] = ((f["s1y"] * f["s22"] - f["s2y"] * f["s12"]) / det).where(fitted)
    f["b_math"] = ((f["s2y"] * f["s11"] - f["s1y"] * f["s12"]) / det).where(fitted)
    f["intercept"] = f["mean_score"] - f["b_ela"] * f["mean_prior_ela"] - f["b_math"] * f["mean_prior_math"]
    f["r2"] = ((f["b_ela"] * f["s1y"] + f["b_math"] * f["s2y"]) / f["syy"]).where(fitted & (f["syy"] > 0))
    rss = (f["syy"] - f["b_ela"] * f["s1y"] - f["b_math"] * f["s2y"]).clip(lower=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        f["residual_sd"] = np.sqrt(rss / (f["n"] - 3)).where(fitted & (f["n"] > 3))
    f["n"] = f["n"].astype("int64")
    return f.sort_values(keys, kind="stable")[MODEL_COLUMNS].reset_index(drop=True)


def _round_shown(values: pd.Series, shown: pd.Series) -> np.ndarray:
    return np.where(shown, decimal_tenths(values, 10), np.nan)


def growth_tables(inputs: dict[str, pd.DataFrame], school_year: str, settings: Settings | None = None, *,
                  tau2_floor: float = TAU2_FLOOR) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(growth, growth_model)`` as ``pipeline.scoring.growth.growth_tables`` returns them."""
    settings = settings or load_settings()
    min_n, color_min_n = settings.privacy.min_n, settings.privacy.color_min_n
    prior = prior_school_year(school_year)
    students = growth_students(inputs, school_year)
    fit = growth_fit(students)
    model = fit[fit["school_year"] == school_year].reset_index(drop=True)

    scored = students.merge(fit.loc[fit["fitted"], ["school_year", "subject", "grade", "intercept", "b_ela", "b_math"]],
                            on=["school_year", "subject", "grade"])
    scored["gain"] = scored["score"] - (scored["intercept"] + scored["b_ela"] * scored["prior_ela"]
                                        + scored["b_math"] * scored["prior_math"])
    heads = scored.loc[scored["school_year"] == school_year, "cds"].str.slice(0, 7)
    lea = (heads.min() if len(heads) else "0000000") + "0000000"
    both = pd.concat([scored.assign(rtype="S"), scored.assign(rtype="D", cds=lea)], ignore_index=True)
    grouped = expand_student_groups(both, ["school_year", "rtype", "cds", "subject", "gain"])
    keys = ["rtype", "cds", "subject", "student_group"]
    agg = (grouped.groupby(["school_year", *keys], sort=False, dropna=False)["gain"]
           .agg(n="size", mean="mean", var="var").reset_index())
    agg["var"] = agg["var"].fillna(0.0)
    cur = agg[agg["school_year"] == school_year].drop(columns="school_year")
    past = (agg[agg["school_year"] == prior].drop(columns="school_year")
            .rename(columns={"n": "prior_n", "mean": "prior_mean", "var": "prior_var"}))
    c = cur.merge(past, on=keys, how="left")

    n = c["n"].astype(float)
    shown = c["n"] >= min_n
    prior_used = c["prior_n"].ge(min_n)
    c["sd"] = np.sqrt(c["var"])
    c["se"] = np.sqrt(c["var"] / n)
    c["prior_se"] = np.sqrt(c["prior_var"] / c["prior_n"])
    w1 = n / c["var"].clip(lower=1e-6)
    w0 = (c["prior_n"] / c["prior_var"].clip(lower=1e-6)).where(prior_used, 0.0)
    c["two_year_mean"] = (w1 * c["mean"] + w0 * c["prior_mean"].fillna(0.0)) / (w1 + w0)
    c["two_year_var"] = 1 / (w1 + w0)

    schools_all = c[(c["rtype"] == "S") & (c["student_group"] == "ALL") & shown]
    lea_all = c[(c["rtype"] == "D") & (c["student_group"] == "ALL")]
    params = pd.DataFrame({"subject": c["subject"].unique()})
    params = (params.merge(lea_all.groupby("subject")["two_year_mean"].first().rename("shrink_target"),
                           on="subject", how="left")
              .merge((schools_all.groupby("subject")["two_year_mean"].var()
                      - schools_all.groupby("subject")["two_year_var"].mean()).rename("tau2"),
                     on="subject", how="left"))
    params["tau2"] = params["tau2"].fillna(tau2_floor).clip(lower=tau2_floor)
    c = c.merge(params, on="subject", how="left")

    school = c["rtype"] == "S"
    weight = c["tau2"] / (c["tau2"] + c["two_year_var"])
    c["shrink_weight"] = weight.where(school)
    c["eb"] = (c["shrink_target"] + weight * (c["two_year_mean"] - c["shrink_target"])).where(school, c["two_year_mean"])

    out = c[["rtype", "cds", "subject", "student_group"]].copy()
    out.insert(0, "school_year", school_year)
    out["n"] = c["n"].astype("Int64").where(shown)
    out["mean"] = _round_shown(c["mean"], shown)
    out["sd"] = _round_shown(c["sd"], shown)
    out["se"] = _round_shown(c["se"], shown)
    out["ci_low"] = _round_shown(c["mean"] - Z_95 * c["se"], shown)
    out["ci_high"] = _round_shown(c["mean"] + Z_95 * c["se"], shown)
    with_prior = shown & prior_used
    out["prior_n"] = c["prior_n"].astype("Int64").where(with_prior)
    out["prior_mean"] = _round_shown(c["prior_mean"], with_prior)
    out["prior_se"] = _round_shown(c["prior_se"], with_prior)
    out["two_year_mean"] = _round_shown(c["two_year_mean"], shown)
    out["two_year_se"] = _round_shown(np.sqrt(c["two_year_var"]), shown)
    out["shrink_target"] = _round_shown(c["shrink_target"], shown & school)
    out["tau2"] = c["tau2"].where(shown & school)
    out["shrink_weight"] = c["shrink_weight"].where(shown)
    out["eb_estimate"] = _round_shown(c["eb"], shown)
    estimate = np.select([school & prior_used, school, prior_used],
                         ["eb_two_year", "eb_current_year", "two_year_mean"], "current_year_mean")
    out["estimate"] = pd.Series(estimate, index=c.index, dtype=object).where(shown, None)
    out["category_allowed"] = (c["n"] >= color_min_n).to_numpy(bool)
    out["note"] = pd.Series("n_lt_11", index=c.index, dtype=object).where(~shown, None)
    out["suppressed"] = (~shown).to_numpy(bool)
    out["mean_unrounded"] = c["mean"].where(shown)
    out["se_unrounded"] = c["se"].where(shown)
    out["prior_mean_unrounded"] = c["prior_mean"].where(with_prior)
    out["two_year_mean_unrounded"] = c["two_year_mean"].where(shown)
    out["shrink_target_unrounded"] = c["shrink_target"].where(shown & school)
    out["eb_estimate_unrounded"] = c["eb"].where(shown)
    out = out.sort_values(["rtype", "cds", "subject", "student_group"], ascending=[False, True, True, True],
                          kind="stable")
    return out[GROWTH_COLUMNS].reset_index(drop=True), model


# ------------------------------------------------------------------------------------------------
# (3) climate_answers.sql, climate.sql
# ------------------------------------------------------------------------------------------------
def _survey_meta_columns() -> set[str]:
    from pipeline.sources import SOURCES

    source = SOURCES["survey_responses"]
    return {c.lower() for c in source.required_columns + source.optional_columns} | {"source_line", "_line"}


def _survey_items(inputs: dict[str, pd.DataFrame], school_year: str) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """The year's responses (cds, respondent_group) and each item column holding an answer, as
    numbers, by item key (the lower-cased column name), as climate_answers.sql reads them."""
    responses = _frame(inputs, "validated_survey_responses", ["school_year", "response_id", "cds", "respondent_group"])
    responses = _of_year(responses, school_year).reset_index(drop=True)
    meta = _survey_meta_columns()
    items = {}
    for c in (c for c in responses.columns if c.lower() not in meta):
        values = pd.to_numeric(responses[c], errors="coerce")
        if values.notna().any():
            items[c.lower()] = values
    return responses[["cds", "respondent_group"]], items


def climate(inputs: dict[str, pd.DataFrame], school_year: str, settings: Settings | None = None) -> pd.DataFrame:
    """Percent favourable by school (S) and district (D) x respondent group x domain and item.

    Counted as climate.sql counts: per school first (answers by item and value; the set of
    domains each response answered, as bits), a district being the sum of its schools.
    """
    settings = settings or load_settings()
    min_resp = settings.privacy.survey_min_respondents
    codebook = _of_year(_frame(inputs, "validated_survey_codebook",
                               ["school_year", "item_id", "respondent_group", "domain", "reverse_coded",
                                "scale_points"]), school_year)
    codebook = codebook[["item_id", "respondent_group", "domain", "reverse_coded", "scale_points"]] \
        .assign(item_key=codebook["item_id"].str.lower())
    domains = sorted(codebook["domain"].dropna().unique())
    bit_of = {d: np.uint64(1) << np.uint64(i) for i, d in enumerate(domains)}
    responses, items = _survey_items(inputs, school_year)
    keys = ["cds", "respondent_group"]
    item_counts, domain_sets = [], []
    mask = np.zeros(len(responses), dtype=np.uint64)
    for item_key, answers in items.items():
        given = answers.notna()
        counted = (responses.loc[given, keys].assign(item_key=item_key, answer=answers[given].astype("int64"))
                   .groupby([*keys, "item_key", "answer"], sort=False).size().rename("answers").reset_index())
        item_counts.append(counted)
        for c in codebook[codebook["item_key"] == item_key].itertuples():
            valid = (answers.ge(1) & answers.le(float(c.scale_points)) & responses["respondent_group"].eq(c.respondent_group))
            mask[valid.fillna(False).to_numpy(bool)] |= bit_of[c.domain]
    answer_counts = pd.concat(item_counts, ignore_index=True) if item_counts else \
        pd.DataFrame(columns=[*keys, "item_key", "answer", "answers"])
    scored = answer_counts.merge(codebook, on=["item_key", "respondent_group"])
    points = scored["scale_points"].astype(float)
    scored = scored[scored["answer"].ge(1) & scored["answer"].le(points)]
    points = scored["scale_points"].astype(float)
    scored = scored.assign(favorable=np.where(scored["reverse_coded"].eq("Y").fillna(False).astype(bool),
                                              scored["answer"] <= 2, scored["answer"] >= points - 1))
    scored = scored.assign(fav_answers=scored["answers"].where(scored["favorable"], 0))
    school_items = (scored.groupby([*keys, "domain", "item_id"], sort=False)
                    .agg(answered=("answers", "sum"), favorable=("fav_answers", "sum")).reset_index())
    answered_any = mask != 0
    sets = (responses.loc[answered_any, keys].assign(domains=mask[answered_any])
            .groupby([*keys, "domains"], sort=False).size().rename("responses").reset_index())
    school_domains = pd.concat([sets[(sets["domains"] & bit) != 0].assign(domain=d)
                                for d, bit in bit_of.items()], ignore_index=True) if bit_of else sets.assign(domain="")
    school_domains = (school_domains.groupby([*keys, "domain"], sort=False)["responses"].sum()
                      .rename("figure_respondents").reset_index())
    school_respondents = sets.groupby(keys, sort=False)["responses"].sum().rename("respondents").reset_index()
    domain_rows = (school_items.groupby([*keys, "domain"], sort=False)[["answered", "favorable"]].sum().reset_index()
                   .merge(school_domains, on=[*keys, "domain"]).assign(level="domain", item_id=""))
    item_rows = school_items.assign(level="item", figure_respondents=school_items["answered"])
    school_stats = pd.concat([domain_rows, item_rows], ignore_index=True)

    def with_districts(frame: pd.DataFrame, by: list[str], sums: list[str]) -> pd.DataFrame:
        district = frame.assign(cds=_district_of(frame["cds"])).groupby(by, sort=False)[sums].sum().reset_index()
        return pd.concat([frame.assign(rtype="S"), district.assign(rtype="D")], ignore_index=True)

    stats = with_districts(school_stats, [*keys, "level", "domain", "item_id"],
                           ["answered", "favorable", "figure_respondents"])
    respondents = with_districts(school_respondents, keys, ["respondents"])

    population = _of_year(_frame(inputs, "validated_survey_population",
                                 ["school_year", "cds", "respondent_group", "invited"]), school_year)
    invitations = (population.groupby(["cds", "respondent_group"], sort=False, dropna=False)["invited"]
                   .sum().reset_index())
    lea_inv = (invitations.assign(cds=_district_of(invitations["cds"]))
               .groupby(["cds", "respondent_group"], sort=False, dropna=False)["invited"].sum().reset_index())
    pop = pd.concat([invitations.assign(rtype="S"), lea_inv.assign(rtype="D")], ignore_index=True)
    pop = pop[pop["invited"] > 0]

    gkeys = ["rtype", "cds", "respondent_group"]
    groups = pop.merge(respondents, on=gkeys, how="outer")
    groups["respondents"] = groups["respondents"].fillna(0).astype("int64")

    fkeys = ["respondent_group", "level", "domain", "item_id"]
    figures = stats.loc[stats["rtype"] == "D", fkeys].drop_duplicates()
    grid = groups.merge(figures, on="respondent_group").merge(stats, on=[*gkeys, "level", "domain", "item_id"],
                                                                how="left")
    for col in ("answered", "favorable", "figure_respondents"):
        grid[col] = grid[col].fillna(0).astype("int64")

    note = np.select([grid["respondents"] < min_resp, grid["figure_respondents"] < min_resp],
                     ["n_lt_10", "answered_lt_10"], "")
    grid["note"] = pd.Series(note, index=grid.index, dtype=object).replace("", None)
    answered, favorable = grid["answered"], grid["favorable"]
    has = answered > 0
    grid["pct_raw"] = (100.0 * favorable / answered).where(has)
    t = (100_000_000 * favorable[has]) // answered[has]  # percent truncated to 6 decimals
    grid["pct"] = ((t + 50_000) // 100_000 / 10).reindex(grid.index)
    invited = grid["invited"].astype(float)
    invites = invited > 0
    grid["rate_raw"] = (100.0 * grid["respondents"] / invited).where(invites)
    t = (100_000_000 * grid.loc[invites, "respondents"]) // grid.loc[invites, "invited"].astype("int64")
    grid["rate"] = np.minimum((t + 50_000) // 100_000, 1000).div(10).reindex(grid.index)

    suppressed = grid["note"].notna()
    grid["suppressed"] = suppressed.to_numpy(bool)
    grid["percent_favorable"] = grid["pct"].where(~suppressed)
    not_hidden = grid["note"].ne("n_lt_10") | grid["note"].isna()
    out = pd.DataFrame({
        "school_year": school_year, "rtype": grid["rtype"], "cds": grid["cds"],
        "respondent_group": grid["respondent_group"], "level": grid["level"], "domain": grid["domain"],
        "item_id": grid["item_id"],
        "answered": grid["answered"].astype("Int64").where(~suppressed),
        "favorable": grid["favorable"].astype("Int64").where(~suppressed),
        "percent_favorable": grid["percent_favorable"],
        "percent_favorable_unrounded": grid["pct_raw"].where(~suppressed),
        "respondents": grid["respondents"].astype("Int64").where(not_hidden),
        "invited": grid["invited"].astype("Int64"),
        "response_rate": grid["rate"].where(not_hidden),
        "response_rate_unrounded": grid["rate_raw"].where(not_hidden),
        "note": grid["note"], "suppressed": grid["suppressed"],
    })
    district = out.loc[out["rtype"] == "D", ["cds", "respondent_group", "level", "domain", "item_id",
                                              "percent_favorable"]]
    district = district.rename(columns={"cds": "_district", "percent_favorable": "district_percent_favorable"})
    out = out.assign(_district=_district_of(out["cds"])).merge(
        district, on=["_district", "respondent_group", "level", "domain", "item_id"], how="left")
    out["item_id"] = out["item_id"].replace("", None)
    out = out.sort_values(["rtype", "cds", "respondent_group", "level", "domain", "item_id"],
                          ascending=[False, True, True, True, True, True], na_position="first", kind="stable")
    return out[CLIMATE_COLUMNS].reset_index(drop=True)


# ------------------------------------------------------------------------------------------------
# (4) indicator_inputs.sql, indicator_results.sql
# ------------------------------------------------------------------------------------------------
_PUBLISHED = {"published_status": ("currstatus", "float"), "published_change": ("change", "float"),
              "published_status_level": ("statuslevel", "Int32"), "published_change_level": ("changelevel", "Int32"),
              "published_color": ("color", "Int32"), "published_box": ("box", "Int32")}
_RATE = {"curr_numer": ("currnumer", "Int64"), "curr_denom": ("currdenom", "Int64"),
         "curr_status_given": ("currstatus", "float"), "prior_numer": ("priornumer", "Int64"),
         "prior_denom": ("priordenom", "Int64"), "prior_status_given": ("priorstatus", "float"),
         "change_given": ("change", "float"), "hscutpoints": ("hscutpoints", object), **_PUBLISHED}
_ACADEMIC = {**_RATE, "curr_numer": (None, "Int64"), "prior_numer": (None, "Int64")}
_INPUT_COLUMNS = ["cds", "rtype", "student_group", "indicator", "origin", "scale", *_RATE]
_INPUT_TYPES = {"cds": object, "rtype": object, "student_group": object, "indicator": object, "origin": object,
                "scale": "int64", **{dst: typ for dst, (_, typ) in _RATE.items()}}


def _cde_rows(inputs: dict[str, pd.DataFrame], school_year: str) -> list[pd.DataFrame]:
    """The Dashboard files of the source registry that were ever provided (growth files are not
    status x change indicators), one part per file, as ``scoring.indicators.indicator_inputs_sql`` selects them."""
    from pipeline.sources import DASHBOARD

    parts = []
    for source in DASHBOARD:
        ind = source.indicator
        frame = inputs.get(f"validated_{source.name}")
        if frame is None or "cds" not in frame.columns or ind == "growth":
            continue
        frame = frame[frame["school_year"] == school_year]
        wanted = _ACADEMIC if ind in ("ela", "math") else _RATE
        part = pd.DataFrame({"cds": frame["cds"], "rtype": frame["rtype"], "student_group": frame["studentgroup"],
                             "indicator": ind, "origin": "cde", "scale": 100})
        for dst, (src, typ) in wanted.items():
            values = frame[src] if src in frame.columns else pd.Series(None, index=frame.index, dtype=object)
            part[dst] = values.astype(typ) if typ is not object else values.astype(object)
        parts.append(part)
    return parts


def _district_chronic(inputs: dict[str, pd.DataFrame], school_year: str) -> pd.DataFrame:
    stored = _frame(inputs, "attendance", ["school_year", "cds", "rtype", "student_group", "chronic", "eligible"])
    cur = stored[stored["school_year"] == school_year]
    past = stored.loc[stored["school_year"] == prior_school_year(school_year), ["cds", "student_group", "chronic",
                                                                                "eligible"]]
    rows = cur[["cds", "rtype", "student_group", "chronic", "eligible"]].merge(
        past.rename(columns={"chronic": "prior_numer", "eligible": "prior_denom"}),
        on=["cds", "student_group"], how="left")
    return rows.rename(columns={"chronic": "curr_numer", "eligible": "curr_denom"}).assign(
        indicator="chronic", origin="district", scale=100)


def _district_dfs(inputs: dict[str, pd.DataFrame], school_year: str) -> pd.DataFrame:
    prior = prior_school_year(school_year)
    a = _frame(inputs, "validated_assessment", _ASSESSMENT_COLUMNS)
    a = a[a["school_year"].isin([school_year, prior]) & a["test_type"].eq("SBA") & a["scale_score"].notna()]
    met = inputs["standard_met"][["subject", "grade", "standard_met"]]
    a = a.merge(met, on=["subject", "grade"])
    a = a.assign(indicator=a["subject"].str.lower(),
                 distance=a["scale_score"].astype("int64") - a["standard_met"].astype("int64"),
                 grade=a["grade"].astype("int64"))
    cols = ["school_year", "cds", "indicator", "grade", "distance", *FLAG_COLUMNS]
    both = pd.concat([a[cols].assign(rtype="S"), a[cols].assign(rtype="D", cds=_district_of(a["cds"]))],
                     ignore_index=True)
    grouped = expand_student_groups(both, ["school_year", "rtype", "cds", "indicator", "grade", "distance"])
    keys = ["rtype", "cds", "indicator", "student_group"]
    dfs = (grouped.groupby(["school_year", *keys], sort=False, dropna=False)
           .agg(numer=("distance", "sum"), denom=("distance", "size"), min_grade=("grade", "min"),
                max_grade=("grade", "max"))
           .reset_index())
    dfs["hscutpoints"] = np.select([dfs["min_grade"] == 11, dfs["max_grade"] <= 8], ["Y", "N"], "")
    dfs["hscutpoints"] = dfs["hscutpoints"].replace("", None)
    cur = dfs.loc[dfs["school_year"] == school_year, [*keys, "numer", "denom", "hscutpoints"]]
    past = dfs.loc[dfs["school_year"] == prior, [*keys, "numer", "denom"]]
    rows = cur.merge(past.rename(columns={"numer": "prior_numer", "denom": "prior_denom"}), on=keys, how="left")
    return rows.rename(columns={"numer": "curr_numer", "denom": "curr_denom"}).assign(origin="district", scale=1)


def indicator_inputs(inputs: dict[str, pd.DataFrame], school_year: str) -> pd.DataFrame:
    """indicator_inputs.sql: CDE's rate and academic rows, and the district's chronic and DFS rows."""
    parts = _cde_rows(inputs, school_year) + [_district_chronic(inputs, school_year),
                                              _district_dfs(inputs, school_year)]
    return pd.concat([p.reindex(columns=_INPUT_COLUMNS).astype(_INPUT_TYPES) for p in parts], ignore_index=True)


def _levels(rows: pd.DataFrame, value: str, cuts: pd.DataFrame, cut_set: pd.Series) -> pd.Series:
    """max(level) of the cut rows of the row's indicator and cut set whose [min, max] holds ``value``."""
    r = pd.DataFrame({"indicator": rows["indicator"], "cut_set": cut_set, "value": rows[value]})
    r = r[r["value"].notna()].reset_index()
    m = r.merge(cuts, on=["indicator", "cut_set"])
    inside = (m["value"] >= m["min"].fillna(-1e9)) & (m["value"] <= m["max"].fillna(1e9))
    return m[inside].groupby("index")["level"].max().reindex(rows.index)


def _cut_table(cut_scores: pd.DataFrame, year: int, measure: str, sets: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """Cut rows of a measure and year, once per cut-set name a row asks for (cut set or 'any')."""
    c = cut_scores[(cut_scores["measure"] == measure) & (cut_scores["dashboard_year_from"] <= year)
                   & (cut_scores["dashboard_year_to"] >= year)]
    c = c.assign(min=c["min"].astype(float), max=c["max"].astype(float), level=c["level"].astype("int64"))
    return pd.concat([c[c["cut_set"].isin(members)].assign(cut_set=name) for name, members in sets.items()],
                     ignore_index=True)[["indicator", "cut_set", "min", "max", "level"]]


def indicators(inputs: dict[str, pd.DataFrame], school_year: str, settings: Settings | None = None) -> pd.DataFrame:
    """Dashboard status, change, levels, colour and box (``scoring.indicators.score_indicators``, before privacy)."""
    settings = settings or load_settings()
    p = settings.privacy
    year = dashboard_year(school_year)
    i = indicator_inputs(inputs, school_year)
    directory = _of_year(_frame(inputs, "validated_directory", ["school_year", "cds", "school_type"]), school_year)
    i = i.merge(directory[["cds", "school_type"]], on="cds", how="left")
    stype = i["school_type"]
    cut_set = np.select(
        [i["hscutpoints"].eq("Y").fillna(False), i["hscutpoints"].eq("N").fillna(False),
         ~i["indicator"].isin(["ela", "math"]),
         i["rtype"].eq("S") & stype.eq("HS").fillna(False),
         i["rtype"].eq("S") & stype.isin(["ES", "MS", "K8"])],
        ["hs", "default", "default", "hs", "default"], "")
    i["cut_set"] = pd.Series(cut_set, index=i.index, dtype=object).replace("", None)
    i["school_type"] = stype.fillna("")
    small = i["rtype"].ne("S") & i["student_group"].isin(list(p.lea_small_groups))
    color_n = np.where(small, p.lea_small_group_min_n, p.color_min_n)

    cd, pd_ = i["curr_denom"], i["prior_denom"]
    curr_shown = cd.ge(p.min_n).fillna(False).astype(bool).where(cd.notna(), i["curr_status_given"].notna())
    prior_shown = pd_.ge(p.min_n).fillna(False).astype(bool).where(pd_.notna(), i["prior_status_given"].notna())
    curr_shown, prior_shown = curr_shown.astype(bool), prior_shown.astype(bool)
    given = {c: pd.Series(decimal_tenths(i[c], 1), index=i.index)
             for c in ("curr_status_given", "prior_status_given", "change_given")}
    scale = i["scale"].astype("int64")
    status_calc = _ratio_tenths(i["curr_numer"] * scale, cd, 1)
    status_calc = status_calc.where(cd.gt(0).fillna(False) & i["curr_numer"].notna(), given["curr_status_given"])
    prior_calc = _ratio_tenths(i["prior_numer"] * scale, pd_, 1)
    prior_calc = prior_calc.where(pd_.gt(0).fillna(False) & i["prior_numer"].notna(), given["prior_status_given"])
    both = (cd.gt(0) & pd_.gt(0) & i["curr_numer"].notna() & i["prior_numer"].notna()).fillna(False).astype(bool)
    diff = (i["curr_numer"] * pd_ - i["prior_numer"] * cd) * scale  # P / Q with Q = curr_denom * prior_denom
    change_calc = _ratio_tenths(diff.where(both), (cd * pd_).where(both), 1).where(both, given["change_given"])

    i["status"] = status_calc.where(curr_shown)
    i["change"] = change_calc.where(curr_shown & prior_shown)
    color_allowed = (cd.ge(color_n) & pd_.ge(color_n)).fillna(False).astype(bool)

    status_sets = _cut_table(inputs["cut_scores"], year, "status",
                             {"default": ("default", "any"), "hs": ("hs", "any")})
    level_default = _levels(i, "status", status_sets, pd.Series("default", index=i.index))
    level_hs = _levels(i, "status", status_sets, pd.Series("hs", index=i.index))
    change_sets = _cut_table(inputs["cut_scores"], year, "change",
                             {"default": ("default", "any"), "hs": ("hs", "any")})
    change_level = _levels(i, "change", change_sets, i["cut_set"].fillna("default"))
    undecided_levels = level_default.where(level_default.eq(level_hs).fillna(False))
    status_level = level_hs.where(i["cut_set"].eq("hs"), level_default.where(i["cut_set"].eq("default"),
                                                                             undecided_levels))
    distinct = ~((level_default == level_hs) | (level_default.isna() & level_hs.isna()))
    undecided = i["cut_set"].isna() & i["status"].notna() & distinct

    grid = inputs["color_grid"].astype("int64")
    levels = pd.DataFrame({"status_level": status_level, "change_level": change_level})
    color = levels.merge(grid, on=["status_level", "change_level"], how="left")["color"].to_numpy()
    color = np.where(color_allowed, color, 0)
    color = pd.Series(color, index=i.index).fillna(0).astype("int32")
    status_level0 = status_level.fillna(0).astype("int32")
    change_level0 = change_level.fillna(0).astype("int32")
    box = np.where(color > 0, ((5 - status_level0) * 5 + change_level0) * 10, 0).astype("int32")
    note = np.select([cd.isna() & status_calc.isna(), ~curr_shown, (color == 0) & ~color_allowed],
                     ["no_data", "n_lt_11", "no_color_lt_30"], "")

    out = pd.DataFrame({
        "school_year": school_year, "cds": i["cds"], "rtype": i["rtype"], "student_group": i["student_group"],
        "indicator": i["indicator"], "origin": i["origin"], "school_type": i["school_type"],
        "cut_set": i["cut_set"],
        "n": cd.where(curr_shown), "n_raw": cd, "prior_n": pd_.where(prior_shown),
        "status": i["status"], "prior_status": prior_calc.where(prior_shown), "change": i["change"],
        "status_level": status_level0, "change_level": change_level0, "color": color, "box": box,
        "note": pd.Series(note, index=i.index, dtype=object).replace("", None),
        "suppressed": ~curr_shown, "cut_set_undecided": undecided.astype(bool),
        **{c: i[c] for c in _PUBLISHED},
    })
    out = out.sort_values(["rtype", "cds", "indicator", "student_group"], ascending=[False, True, True, True],
                          kind="stable")
    return out[INDICATOR_COLUMNS].reset_index(drop=True)


# ------------------------------------------------------------------------------------------------
# both sides, comparison, timing
# ------------------------------------------------------------------------------------------------
def score_pandas(inputs: dict[str, pd.DataFrame], school_year: str, settings: Settings | None = None) -> dict[str, pd.DataFrame]:
    """Every computation of the baseline on ``inputs`` (from :func:`load_inputs`): the tables of OUTPUTS."""
    settings = settings or load_settings()
    growth, model = growth_tables(inputs, school_year, settings)
    return {"attendance": attendance(inputs, school_year, settings), "growth": growth, "growth_model": model,
            "climate": climate(inputs, school_year, settings),
            "indicator_results": indicators(inputs, school_year, settings)}


def _duckdb_runners(settings: Settings) -> dict[str, Callable]:
    from pipeline.scoring.attendance import score_attendance
    from pipeline.scoring.climate import score_climate
    from pipeline.scoring.growth import growth_tables as duck_growth_tables
    from pipeline.scoring.indicators import score_indicators

    def growth(con, year):
        g, m = duck_growth_tables(con, year, settings)
        return {"growth": g, "growth_model": m}

    return {
        "attendance": lambda con, year: {"attendance": score_attendance(con, year, settings)},
        "growth": growth,
        "climate": lambda con, year: {"climate": score_climate(con, year, settings)},
        "indicators": lambda con, year: {"indicator_results": score_indicators(con, year, settings)},
    }


def _pandas_runners(settings: Settings) -> dict[str, Callable]:
    def growth(inputs, year):
        g, m = growth_tables(inputs, year, settings)
        return {"growth": g, "growth_model": m}

    return {
        "attendance": lambda inputs, year: {"attendance": attendance(inputs, year, settings)},
        "growth": growth,
        "climate": lambda inputs, year: {"climate": climate(inputs, year, settings)},
        "indicators": lambda inputs, year: {"indicator_results": indicators(inputs, year, settings)},
    }


def score_duckdb(con: duckdb.DuckDBPyConnection, school_year: str, settings: Settings | None = None) -> dict[str, pd.DataFrame]:
    """The pipeline's own DuckDB scoring functions (pipeline.scoring.*) on ``con``."""
    settings = settings or load_settings()
    out: dict[str, pd.DataFrame] = {}
    for run in _duckdb_runners(settings).values():
        out.update(run(con, school_year))
    return out


def published(tables: dict[str, pd.DataFrame], settings: Settings | None = None) -> dict[str, pd.DataFrame]:
    """``tables`` plus what the assets store after the pipeline's Python privacy steps."""
    from pipeline.scoring.privacy import protect_climate, protect_results

    settings = settings or load_settings()
    out = dict(tables)
    if "indicator_results" in tables:
        out["indicator_results_published"] = protect_results(tables["indicator_results"], settings.privacy)
    if "climate" in tables:
        out["climate_published"] = protect_climate(tables["climate"])
    return out


def _is_null(s: pd.Series) -> np.ndarray:
    return s.isna().to_numpy(bool)


def _text(s: pd.Series) -> pd.Series:
    return s.astype(object).where(s.notna(), "<NULL>").astype(str)


def _key_text(frame: pd.DataFrame, keys: list[str]) -> pd.Series:
    text = pd.Series("", index=frame.index)
    for k in keys:
        text = text + "|" + _text(frame[k])
    return text.str.slice(1)


def _compare_table(name: str, duck: pd.DataFrame, mine: pd.DataFrame, keys: list[str], exact: set[str],
                   examples: int = 5) -> list[str]:
    out: list[str] = []
    missing = [c for c in duck.columns if c not in mine.columns]
    extra = [c for c in mine.columns if c not in duck.columns]
    if missing:
        out.append(f"{name}: columns only in duckdb: {', '.join(missing)}")
    if extra:
        out.append(f"{name}: columns only in pandas: {', '.join(extra)}")
    keys = [k for k in keys if k in duck.columns and k in mine.columns]
    d = duck.assign(_key=_key_text(duck, keys))
    m = mine.assign(_key=_key_text(mine, keys))
    for side, frame in (("duckdb", d), ("pandas", m)):
        dup = frame["_key"].duplicated()
        if dup.any():
            out.append(f"{name}: {int(dup.sum())} duplicate keys in {side}, e.g. {frame.loc[dup, '_key'].iloc[0]}")
    d, m = d.drop_duplicates("_key").set_index("_key"), m.drop_duplicates("_key").set_index("_key")
    only_d, only_m = d.index.difference(m.index), m.index.difference(d.index)
    if len(only_d):
        out.append(f"{name}: {len(only_d)} rows only in duckdb ({' | '.join(keys)}), e.g. {list(only_d[:examples])}")
    if len(only_m):
        out.append(f"{name}: {len(only_m)} rows only in pandas ({' | '.join(keys)}), e.g. {list(only_m[:examples])}")
    common = d.index.intersection(m.index)
    d, m = d.loc[common], m.loc[common]
    for col in [c for c in duck.columns if c in mine.columns and c not in keys]:
        a, b = d[col], m[col]
        na, nb = _is_null(a), _is_null(b)
        bad = na != nb
        both = ~na & ~nb
        numeric = pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b) \
            and not pd.api.types.is_bool_dtype(a) and not pd.api.types.is_bool_dtype(b)
        if numeric:
            x = a.to_numpy(dtype=float, na_value=np.nan)
            y = b.to_numpy(dtype=float, na_value=np.nan)
            integral = pd.api.types.is_integer_dtype(a) and pd.api.types.is_integer_dtype(b)
            if col in exact or integral:
                unequal = x != y
                how = "exactly"
            else:
                unequal = np.abs(x - y) > RELATIVE_TOLERANCE * np.maximum(np.maximum(np.abs(x), np.abs(y)), 1.0)
                how = f"to {RELATIVE_TOLERANCE:g} relative"
            bad |= both & unequal
        else:
            how = "exactly"
            bad |= both & (_text(a).to_numpy() != _text(b).to_numpy())
        if bad.any():
            idx = np.flatnonzero(bad)[:examples]
            shown = "; ".join(f"[{common[j]}] duckdb={a.iloc[j]!r} pandas={b.iloc[j]!r}" for j in idx)
            out.append(f"{name}.{col}: {int(bad.sum())} of {len(common)} rows differ ({how}), e.g. {shown}")
    return out


def compare(duck: dict[str, pd.DataFrame], pandas: dict[str, pd.DataFrame],
            keys: dict[str, list[str]] | None = None) -> list[str]:
    """Differences between the two sides' tables, aligned on ``keys[name]``; [] when identical."""
    keys = keys or KEYS
    out: list[str] = []
    for name in sorted(set(duck) | set(pandas)):
        if name not in duck or name not in pandas:
            out.append(f"{name}: only in {'duckdb' if name in duck else 'pandas'}")
            continue
        d, m = duck[name], pandas[name]
        if len(d) != len(m):
            out.append(f"{name}: {len(d)} rows in duckdb, {len(m)} in pandas")
        table_keys = keys.get(name) or [c for c in d.columns if not pd.api.types.is_float_dtype(d[c])]
        out += _compare_table(name, d, m, table_keys, EXACT.get(name, set()))
    return out


def _timed(fn: Callable, *args) -> tuple[float, dict]:
    started = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - started, result


def _measured(fn: Callable, *args) -> tuple[float, float, dict]:
    """(wall seconds, CPU seconds of the whole process, i.e. of all DuckDB's threads too, result)."""
    cpu = time.process_time()
    wall, result = _timed(fn, *args)
    return wall, time.process_time() - cpu, result


def run_both(warehouse_path: str | Path, school_year: str, repeats: int = 3, settings: Settings | None = None,
             computations: tuple[str, ...] = COMPUTATIONS, threads: int | None = None) -> dict:
    """Time the pipeline's DuckDB scoring and the pandas baseline on one warehouse and year (see module doc).

    ``threads`` sets DuckDB's thread count (default: DuckDB's own, one per core); pandas uses one core.
    Only the tables the ``computations`` need are loaded (timed apart, ``load_seconds``).
    """
    settings = settings or load_settings()
    duck_run, pandas_run = _duckdb_runners(settings), _pandas_runners(settings)
    result: dict = {"school_year": school_year, "warehouse": str(warehouse_path), "repeats": repeats,
                    "duckdb": {}, "pandas": {}, "duckdb_cpu": {}, "pandas_cpu": {}, "summary": {}}
    duck_tables: dict[str, pd.DataFrame] = {}
    pandas_tables: dict[str, pd.DataFrame] = {}
    with connect(warehouse_path, read_only=True) as con:
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        result["duckdb_threads"] = int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])
        load_seconds, inputs = _timed(load_inputs, con, school_year, tuple(computations))
        result["load_seconds"] = load_seconds
        result["input_rows"] = input_rows(con, school_year)
        for name in computations:
            for side, run, source, tables in (("duckdb", duck_run, con, duck_tables),
                                              ("pandas", pandas_run, inputs, pandas_tables)):
                walls, cpus = [], []
                for _ in range(repeats):
                    wall, cpu, out = _measured(run[name], source, school_year)
                    walls.append(wall)
                    cpus.append(cpu)
                result[side][name], result[f"{side}_cpu"][name] = walls, cpus
                tables.update(out)
    for name in computations:
        d, m = result["duckdb"][name], result["pandas"][name]
        dc, mc = result["duckdb_cpu"][name], result["pandas_cpu"][name]
        result["summary"][name] = {"duckdb_best": min(d), "duckdb_median": statistics.median(d),
                                   "pandas_best": min(m), "pandas_median": statistics.median(m),
                                   "ratio": min(m) / min(d) if min(d) > 0 else float("inf"),
                                   "duckdb_cpu_best": min(dc), "pandas_cpu_best": min(mc)}
    result["output_rows"] = {t: len(f) for t, f in duck_tables.items()}
    result["differences"] = compare(published(duck_tables, settings), published(pandas_tables, settings))
    return result


def format_report(result: dict) -> str:
    lines = [f"school year {result['school_year']}, warehouse {result['warehouse']}, "
             f"{result['repeats']} repeats, DuckDB threads {result.get('duckdb_threads')}",
             f"loading the inputs into pandas: {result['load_seconds']:.3f} s "
             f"({sum(result['input_rows'].values()):,} rows)",
             f"{'computation':<12} {'duckdb best':>12} {'median':>9} {'cpu':>8} {'pandas best':>12} {'median':>9} "
             f"{'cpu':>8} {'pandas/duckdb':>14}"]
    for name, s in result["summary"].items():
        lines.append(f"{name:<12} {s['duckdb_best']:>11.3f}s {s['duckdb_median']:>8.3f}s {s['duckdb_cpu_best']:>7.3f}s "
                     f"{s['pandas_best']:>11.3f}s {s['pandas_median']:>8.3f}s {s['pandas_cpu_best']:>7.3f}s "
                     f"{s['ratio']:>13.2f}x")
    lines.append("output rows: " + ", ".join(f"{t} {n:,}" for t, n in result["output_rows"].items()))
    diffs = result["differences"]
    lines.append("identical results" if not diffs else f"{len(diffs)} differences:")
    lines += [f"  {d}" for d in diffs]
    return "\n".join(lines)


def build_warehouse(raw_dir: str | Path, warehouse_path: str | Path, years: tuple[str, ...] | None = None,
                    settings: Settings | None = None) -> dict[str, float]:
    """Ingest every source of each year (in order) and store ``attendance``, without Dagster.

    The same calls the ingest and attendance assets make: ``ingest`` + ``kept_table`` into
    ``validated_<source>``, then ``score_attendance`` into ``attendance`` (which the
    indicator scoring of the next year reads as its prior year).
    """
    from pipeline import warehouse
    from pipeline.ingest import ingest, kept_table
    from pipeline.scoring.attendance import score_attendance
    from pipeline.sources import SOURCES

    settings = settings or load_settings()
    years = tuple(years or settings.school_years)
    seconds = {}
    with warehouse.connect(warehouse_path) as con:
        for year in years:
            started = time.perf_counter()
            where = {"school_year": year}
            for source in SOURCES.values():
                kept = kept_table(ingest(source, raw_dir, year, settings))
                warehouse.replace_rows(con, f"validated_{source.name}", kept if len(kept.columns) else
                                       pd.DataFrame({"source_line": pd.Series([], dtype="int64")}), where)
            warehouse.replace_rows(con, "attendance", score_attendance(con, year, settings), where)
            seconds[year] = time.perf_counter() - started
    return seconds


if __name__ == "__main__":  # pragma: no cover
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit("usage: python -m pipeline.bench.pandas_scoring WAREHOUSE SCHOOL_YEAR [REPEATS [THREADS]]")
    print(format_report(run_both(args[0], args[1], int(args[2]) if len(args) > 2 else 3,
                                 threads=int(args[3]) if len(args) > 3 else None)))
