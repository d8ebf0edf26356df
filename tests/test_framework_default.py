"""The default framework (config/frameworks/core.yaml) gives every demo school the score, level and
measure points it had before the framework language: the values below were dumped from a
`make demo`-like run of 2021-22..2023-24 made with the engine as it was (commit dce1a37)."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipeline.scoring.framework import load_framework, score_framework

BASELINE = Path(__file__).parent / "frameworks" / "core_demo_baseline.csv"
INDICATORS = {"ela_status": "ela", "math_status": "math", "elpi": "elpi", "grad": "grad", "chronic": "chronic",
              "susp": "susp"}
SUBJECTS = {"ela_growth": "ELA", "math_growth": "MATH"}
GROUPS = {"climate_students": "student", "climate_parents": "parent"}


def _tables(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> None:
    """The scored tables the baseline's measure values came from, one row per value."""
    common = rows.assign(rtype="S", student_group="ALL")
    ind = common[common.measure.isin(INDICATORS)].assign(indicator=lambda f: f.measure.map(INDICATORS),
                                                          origin="cde", status=lambda f: f.value)
    gro = common[common.measure.isin(SUBJECTS)].assign(subject=lambda f: f.measure.map(SUBJECTS),
                                                        eb_estimate=lambda f: f.value, mean=None)
    cli = common[common.measure.isin(GROUPS) & common.value.notna()].assign(
        respondent_group=lambda f: f.measure.map(GROUPS), level="domain", suppressed=False,
        percent_favorable=lambda f: f.value, respondents=lambda f: f.n)
    for name, frame in (("indicator_results", ind), ("growth", gro), ("climate", cli)):
        con.register("f", frame)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM f")
        con.unregister("f")


@pytest.mark.parametrize("year", ["2021-22", "2022-23", "2023-24"])
def test_core_default_keeps_every_demo_score_and_level(year):
    base = pd.read_csv(BASELINE, dtype={"cds": str})
    base = base[base.school_year == year]
    con = duckdb.connect()
    _tables(con, base)
    schools = pd.DataFrame({"cds": sorted(base.cds.unique())}).assign(peer_tier="T")
    rating, measures = score_framework(con, year, schools, load_framework())
    expected = base.drop_duplicates("cds").set_index("cds")
    got = rating.set_index("cds")
    assert len(got) == len(expected) == 19
    pd.testing.assert_series_equal(got["score"], expected["score"], check_names=False)
    pd.testing.assert_series_equal(got["score_unrounded"].round(6), expected["score_unrounded"], check_names=False)
    pd.testing.assert_series_equal(got["level"].astype("Int64"), expected["level"].astype("Int64"), check_names=False)
    pd.testing.assert_series_equal(got["points_to_next_level"], expected["points_to_next_level"], check_names=False)
    m = measures.set_index(["cds", "measure"]).sort_index()
    e = base.set_index(["cds", "measure"]).sort_index()
    assert list(m.index) == list(e.index)
    for col in ("index_level", "points", "improvement_needed"):
        pd.testing.assert_series_equal(m[col].astype("Float64"), e[col].astype("Float64"), check_names=False)
    pd.testing.assert_series_equal(m["effective_weight"].round(6), e["effective_weight"], check_names=False)
