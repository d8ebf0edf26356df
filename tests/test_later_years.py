"""A school year scored again after the year that follows it (pipeline/scoring/later_years.py).

2023-24 was scored while 2022-23's table showed the Multiracial group (13 students), so 2023-24's
prior-year figures show it too. 2022-23 is then scored again and hides the group: 2023-24's stored
prior-year figures of it would give back what 2022-23 now hides. They are hidden at once, and
2023-24 may not be e-mailed until it is scored again.
"""
from __future__ import annotations

import pandas as pd

from pipeline import warehouse
from pipeline.delivery.release import release_problems
from pipeline.scoring.later_years import clear_stale, reprotect_next_year, stale_reasons

SCHOOL = "19647330000001"
KEY = {"rtype": "S", "cds": SCHOOL, "indicator": "chronic", "origin": "district"}


def _results(year: str, rows) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["student_group", "n", "status", "prior_n", "prior_status", "change"])
    return df.assign(**KEY, school_year=year, status_bound=None)


def _growth(year: str, rows) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["student_group", "n", "mean", "prior_n", "prior_mean", "two_year_mean"])
    return df.assign(rtype="S", cds=SCHOOL, subject="ELA", school_year=year)


LATER = _results("2023-24", [("ALL", 200, 20.0, 190, 22.0, -2.0), ("HI", 150, 20.0, 150, 21.0, -1.0),
                             ("MR", 40, 25.0, 13, 30.0, -5.0)])
EARLIER_AS_FIRST_SCORED = _results("2022-23", [("ALL", 190, 22.0, None, None, None),
                                               ("HI", 150, 21.0, None, None, None), ("MR", 13, 30.0, None, None, None)])
EARLIER_SCORED_AGAIN = EARLIER_AS_FIRST_SCORED.assign(n=[190, 150, None], status=[22.0, 21.0, None])


def _store(con, table, frame):
    warehouse.replace_rows(con, table, frame.drop(columns="school_year"), {"school_year": frame["school_year"].iloc[0]})


def test_a_group_hidden_when_the_earlier_year_is_scored_again_is_hidden_next_year_too(tmp_path):
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        _store(con, "indicator_results", EARLIER_AS_FIRST_SCORED)
        _store(con, "indicator_results", LATER)
        assert reprotect_next_year(con, "indicator_results", "2022-23") == 0  # nothing hidden since
        assert stale_reasons(con, "2023-24") == []
        _store(con, "indicator_results", EARLIER_SCORED_AGAIN)
        assert reprotect_next_year(con, "indicator_results", "2022-23") == 3  # prior_n, prior_status, change
        later = warehouse.read_table(con, "indicator_results", {"school_year": "2023-24"}).set_index("student_group")
        assert later.loc["MR", ["prior_n", "prior_status", "change"]].isna().all()
        assert later.loc["MR", "status"] == 25.0  # this year's own figure stays
        assert later.loc["HI", "change"] == -1.0 and later.loc["ALL", "prior_n"] == 190
        [reason] = stale_reasons(con, "2023-24")
        assert "2022-23 was scored again after 2023-24" in reason and "3 prior-year figures" in reason
        assert reason in release_problems(con, "2023-24", tmp_path / "2023-24", [])
        assert stale_reasons(con, "2022-23") == []
        clear_stale(con, "2023-24", "indicator_results")  # 2023-24 scored again
        assert stale_reasons(con, "2023-24") == []


def test_growth_prior_year_figures_of_a_group_hidden_since_are_hidden_next_year(tmp_path):
    later = _growth("2023-24", [("ALL", 200, 1.0, 190, 2.0, 1.5), ("AA", 40, 0.5, 33, 10.4, 5.0)])
    earlier = _growth("2022-23", [("ALL", 190, 2.0, None, None, None), ("AA", None, None, None, None, None)])
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        _store(con, "growth", later)
        _store(con, "growth", earlier)
        assert reprotect_next_year(con, "growth", "2022-23") == 3  # prior_n, prior_mean, two_year_mean
        stored = warehouse.read_table(con, "growth", {"school_year": "2023-24"}).set_index("student_group")
        assert stored.loc["AA", ["prior_n", "prior_mean", "two_year_mean"]].isna().all()
        assert stored.loc["AA", "mean"] == 0.5 and stored.loc["ALL", "prior_mean"] == 2.0
        assert "growth" in stale_reasons(con, "2023-24")[0]


def test_no_next_year_stored_changes_nothing(tmp_path):
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        _store(con, "indicator_results", EARLIER_SCORED_AGAIN)
        assert reprotect_next_year(con, "indicator_results", "2022-23") == 0
        assert reprotect_next_year(con, "growth", "2022-23") == 0
        assert not warehouse.table_exists(con, "stale_years")
