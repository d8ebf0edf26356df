"""The pandas baseline of the scoring (benchmarks/pandas_scoring/) gives the DuckDB pipeline's figures.

A warehouse is built from the generated 'tiny' sample with the plain ingest and scoring functions
(no Dagster); the pipeline's own DuckDB scoring functions and the pandas baseline then run on the
same tables, and every table must compare equal: same rows, same keys, rounded figures exactly,
other floats to 1e-9 relative.
"""
from __future__ import annotations

import shutil

import duckdb
import numpy as np
import pytest

from benchmarks import pandas_scoring as ps
from pipeline.config import load_settings

YEARS = ("2023-24", "2022-23")  # 2022-23: the prior year has status-only Dashboard files and no year before it


@pytest.fixture(scope="module")
def warehouse_file(tmp_path_factory, tiny_raw):
    path = tmp_path_factory.mktemp("pandas_baseline") / "scorecards.duckdb"
    ps.build_warehouse(tiny_raw, path, ("2021-22", "2022-23", "2023-24"))
    return path


@pytest.fixture(scope="module")
def both(warehouse_file):
    settings = load_settings()
    out = {}
    con = duckdb.connect(str(warehouse_file), read_only=True)
    try:
        for year in YEARS:
            inputs = ps.load_inputs(con, year)
            out[year] = (ps.published(ps.score_duckdb(con, year, settings), settings),
                         ps.published(ps.score_pandas(inputs, year, settings), settings))
    finally:
        con.close()
    return out


TABLES = ["attendance", "growth", "growth_model", "climate", "indicator_results",
          "climate_published", "indicator_results_published"]


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("table", TABLES)
def test_pandas_equals_duckdb(both, year, table):
    duck, pandas = both[year]
    assert len(duck[table]) == len(pandas[table])
    assert ps.compare({table: duck[table]}, {table: pandas[table]}) == []


def test_the_comparison_has_something_to_compare(both):
    duck, _ = both["2023-24"]
    att, growth, climate, ind = (duck[t] for t in ("attendance", "growth", "climate", "indicator_results"))
    assert att["chronic_rate"].notna().sum() > 20 and att["suppressed"].any()
    assert growth["mean"].notna().sum() > 20 and growth["suppressed"].any() and growth["prior_n"].notna().any()
    assert set(growth["estimate"].dropna()) >= {"eb_two_year", "two_year_mean"}
    assert duck["growth_model"]["fitted"].all() and len(duck["growth_model"]) == 10
    assert climate["percent_favorable"].notna().sum() > 20
    assert set(ind["origin"]) == {"cde", "district"} and (ind["color"] > 0).sum() > 20
    assert set(ind["note"].dropna()) >= {"n_lt_11", "no_color_lt_30"}


def test_compare_reports_differences(both):
    duck, pandas = both["2023-24"]
    changed = {t: f.copy() for t, f in pandas.items()}
    att = changed["attendance"]
    row = att["chronic_rate"].first_valid_index()
    att.loc[row, "chronic_rate"] += 0.1  # a rounded figure: must be equal exactly
    growth = changed["growth"]
    row = growth["mean_unrounded"].first_valid_index()
    growth.loc[row, "mean_unrounded"] *= 1 + 1e-7  # beyond 1e-9 relative
    changed["indicator_results"] = changed["indicator_results"].iloc[1:]
    found = ps.compare(duck, changed)
    assert any(d.startswith("attendance.chronic_rate: 1 of") for d in found)
    assert any(d.startswith("growth.mean_unrounded: 1 of") for d in found)
    assert any("rows only in duckdb" in d and d.startswith("indicator_results:") for d in found)
    # within tolerance: not a difference
    growth.loc[row, "mean_unrounded"] = duck["growth"].loc[row, "mean_unrounded"] * (1 + 1e-12)
    att.loc[att["chronic_rate"].first_valid_index(), "chronic_rate"] -= 0.1
    changed["indicator_results"] = pandas["indicator_results"]
    assert ps.compare(duck, changed) == []


def test_decimal_rounding_matches_duckdb():
    rng = np.random.default_rng(7)
    values = np.concatenate([
        rng.normal(0, 300, 2000),
        np.round(rng.normal(0, 50, 2000), 2) + 0.05 * rng.choice([-1, 1], 2000),  # near .x5 boundaries
        np.arange(-30, 30) / 20,  # exact halves and quarters
        [0.35, 0.45, -0.25, 1.0000000000005, 2.55, 44.75, -19.75],
    ])
    con = duckdb.connect()
    try:
        for scale in (1, 6, 10):
            got = con.execute(f"SELECT round(v::DECIMAL(18, {scale}), 1)::DOUBLE FROM (SELECT unnest(?) AS v)",
                              [values.tolist()]).fetchnumpy()
            expected = next(iter(got.values()))
            assert np.array_equal(ps.decimal_tenths(values, scale), expected), scale
    finally:
        con.close()


def test_run_both_reports_timings_and_no_differences(warehouse_file):
    result = ps.run_both(warehouse_file, "2023-24", repeats=1)
    assert result["differences"] == []
    assert set(result["summary"]) == set(ps.COMPUTATIONS)
    assert result["load_seconds"] > 0 and result["input_rows"]["validated_attendance"] > 1000
    assert all(len(result[side][c]) == 1 for side in ("duckdb", "pandas") for c in ps.COMPUTATIONS)
    assert "identical results" in ps.format_report(result)


# Rows changed in a copy of the tiny warehouse so that the rarer rules run too (the tiny sample has
# no small survey group, no unfitted grade, no status-only Dashboard row, ...).
EDGE_CASES = """
-- climate: a group of 9 respondents; an invited group nobody answered; an invited count of 0; an item
-- answered by 6 in a shown group; answers above the scale; answers from the wrong group; a column
-- no codebook item names
DELETE FROM validated_survey_responses WHERE school_year = '2023-24' AND cds = '19754163190041'
    AND respondent_group = 'staff' AND response_id NOT IN (
        SELECT response_id FROM validated_survey_responses WHERE school_year = '2023-24'
           AND cds = '19754163190041' AND respondent_group = 'staff' ORDER BY response_id LIMIT 9);
DELETE FROM validated_survey_responses WHERE school_year = '2023-24' AND cds = '19754166815882'
    AND respondent_group = 'staff';
UPDATE validated_survey_population SET invited = 0 WHERE school_year = '2023-24'
    AND cds = '19754162327606' AND respondent_group = 'parent';
UPDATE validated_survey_responses SET st01 = NULL WHERE school_year = '2023-24' AND cds = '19754162327606'
    AND respondent_group = 'student' AND response_id NOT IN (
        SELECT response_id FROM validated_survey_responses WHERE school_year = '2023-24'
           AND cds = '19754162327606' AND respondent_group = 'student' ORDER BY response_id LIMIT 6);
UPDATE validated_survey_responses SET st02 = 5 WHERE school_year = '2023-24' AND respondent_group = 'student'
    AND source_line % 7 = 0;
UPDATE validated_survey_responses SET pa01 = 4 WHERE school_year = '2023-24' AND respondent_group = 'student'
    AND source_line % 5 = 0;
-- an item answered by 80 students of a school, 5 favourably: 6.25 % (shown 6.3, half away from zero)
UPDATE validated_survey_responses SET st03 = NULL WHERE school_year = '2023-24' AND cds = '19754160374847'
    AND respondent_group = 'student' AND response_id NOT IN (
        SELECT response_id FROM validated_survey_responses WHERE school_year = '2023-24'
           AND cds = '19754160374847' AND respondent_group = 'student' AND st03 IS NOT NULL
         ORDER BY response_id LIMIT 80);
UPDATE validated_survey_responses SET st03 = 1 WHERE school_year = '2023-24' AND cds = '19754160374847'
    AND st03 IS NOT NULL;
UPDATE validated_survey_responses SET st03 = 4 WHERE school_year = '2023-24' AND response_id IN (
    SELECT response_id FROM validated_survey_responses WHERE school_year = '2023-24'
       AND cds = '19754160374847' AND st03 IS NOT NULL ORDER BY response_id LIMIT 5);
ALTER TABLE validated_survey_responses ADD COLUMN xx01 BIGINT;
UPDATE validated_survey_responses SET xx01 = 3 WHERE school_year = '2023-24' AND source_line % 3 = 0;
-- attendance: no ethnicity; exactly 10 % absent; 30 and 31 days enrolled
UPDATE validated_attendance SET ethnicity = NULL WHERE school_year = '2023-24' AND source_line % 17 = 0;
UPDATE validated_attendance SET days_enrolled = 180, days_absent = 18 WHERE school_year = '2023-24'
    AND source_line % 19 = 0;
UPDATE validated_attendance SET days_enrolled = 30 + source_line % 2, days_absent = 3 WHERE school_year = '2023-24'
    AND source_line % 23 = 0;
-- growth: a grade with 2 students (no fit); a student with two rows in a year (the first row counts)
DELETE FROM validated_assessment WHERE school_year = '2023-24' AND grade = 4 AND subject = 'ELA'
    AND ssid NOT IN (SELECT ssid FROM validated_assessment WHERE school_year = '2023-24' AND grade = 4
                     AND subject = 'ELA' AND test_type = 'SBA' ORDER BY ssid LIMIT 2);
INSERT INTO validated_assessment SELECT * REPLACE (source_line + 100000 AS source_line,
    scale_score - 40 AS scale_score) FROM validated_assessment
    WHERE school_year = '2022-23' AND subject = 'MATH' AND grade = 5 AND test_type = 'SBA';
-- indicators: a school of grades 6-8 and 11 with school type K12 (no cut set); Dashboard rows
-- with a published status but no counts, with no status at all, with a denominator of 0, and a
-- published DFS on a .x5 boundary
UPDATE validated_assessment SET cds = '19754162327606' WHERE school_year = '2023-24' AND grade = 11;
UPDATE validated_directory SET school_type = 'K12' WHERE school_year = '2023-24' AND cds = '19754162327606';
UPDATE validated_dashboard_chronic SET currnumer = NULL, currdenom = NULL
    WHERE school_year = '2023-24' AND studentgroup = 'SED';
UPDATE validated_dashboard_chronic SET currnumer = NULL, currdenom = NULL, currstatus = NULL
    WHERE school_year = '2023-24' AND studentgroup = 'SWD';
UPDATE validated_dashboard_susp SET currnumer = 0, currdenom = 0 WHERE school_year = '2023-24'
    AND studentgroup = 'EL';
UPDATE validated_dashboard_ela SET currstatus = -12.35, hscutpoints = NULL
    WHERE school_year = '2023-24' AND studentgroup = 'HI';
"""


def test_pandas_equals_duckdb_on_edge_cases(warehouse_file, tmp_path):
    path = tmp_path / "edge.duckdb"
    shutil.copy(warehouse_file, path)
    con = duckdb.connect(str(path))
    try:
        con.execute(EDGE_CASES)
    finally:
        con.close()
    settings = load_settings()
    con = duckdb.connect(str(path), read_only=True)
    try:
        duck = ps.published(ps.score_duckdb(con, "2023-24", settings), settings)
        pandas = ps.published(ps.score_pandas(ps.load_inputs(con, "2023-24"), "2023-24", settings), settings)
    finally:
        con.close()
    # the edge cases are really there
    notes = set(duck["climate"]["note"].dropna())
    assert notes == {"n_lt_10", "answered_lt_10"}
    assert duck["climate"]["invited"].isna().any()  # answered, but invited 0
    st03 = duck["climate"].query("rtype == 'S' and cds == '19754160374847' and item_id == 'ST03'").iloc[0]
    assert (st03["answered"], st03["favorable"], st03["percent_favorable"]) == (80, 5, 6.3)
    assert not duck["growth_model"]["fitted"].all()
    ind = duck["indicator_results"]
    assert {"no_data", "n_lt_11", "no_color_lt_30"} <= set(ind["note"].dropna())
    assert ind["cut_set"].isna().any() and ind["cut_set_undecided"].any()
    assert (duck["attendance"]["student_group"] == "ALL").sum() == 5
    assert ps.compare(duck, pandas) == []


@pytest.mark.parametrize("computation", ps.COMPUTATIONS)
def test_each_computation_reads_only_the_tables_it_is_said_to_need(warehouse_file, computation):
    """At state scale each computation is measured alone with only ``NEEDS[computation]`` loaded:
    a table it reads beyond those would be loaded inside its timing."""
    con = duckdb.connect(str(warehouse_file), read_only=True)
    try:
        inputs = ps.load_inputs(con, "2023-24", (computation,))
        loaded = set(dict.keys(inputs))
        ps.pandas_runners(load_settings())[computation](inputs, "2023-24")
        assert set(dict.keys(inputs)) == loaded == set(ps.NEEDS[computation])
    finally:
        con.close()
