"""Every cut point of ca-dashboard.md, on both sides, through the scoring SQL."""
from __future__ import annotations

import pandas as pd
import pytest

from pipeline import warehouse
from pipeline.config import load_settings
from pipeline.scoring.indicators import score_indicators

YEAR = "2023-24"
SCHOOL = "19754160000001"

# (indicator, value, status level) from ../shared/reference/ca-dashboard.md
STATUS = [
    ("elpi", 34.9, 1), ("elpi", 35.0, 2), ("elpi", 44.9, 2), ("elpi", 45.0, 3), ("elpi", 54.9, 3),
    ("elpi", 55.0, 4), ("elpi", 64.9, 4), ("elpi", 65.0, 5),
    ("chronic", 2.5, 5), ("chronic", 2.6, 4), ("chronic", 5.0, 4), ("chronic", 5.1, 3), ("chronic", 10.0, 3),
    ("chronic", 10.1, 2), ("chronic", 20.0, 2), ("chronic", 20.1, 1),
    ("susp", 0.5, 5), ("susp", 0.6, 4), ("susp", 1.5, 4), ("susp", 1.6, 3), ("susp", 6.0, 3), ("susp", 6.1, 2),
    ("susp", 10.0, 2), ("susp", 10.1, 1),
    ("ela", -70.1, 1), ("ela", -70.0, 2), ("ela", -5.1, 2), ("ela", -5.0, 3), ("ela", 9.9, 3), ("ela", 10.0, 4),
    ("ela", 44.9, 4), ("ela", 45.0, 5),
    ("math", -95.1, 1), ("math", -95.0, 2), ("math", -25.1, 2), ("math", -25.0, 3), ("math", -0.1, 3),
    ("math", 0.0, 4), ("math", 34.9, 4), ("math", 35.0, 5),
]
# (indicator, change, change level)
CHANGE = [
    ("elpi", -10.1, 1), ("elpi", -10.0, 2), ("elpi", -2.0, 2), ("elpi", -1.9, 3), ("elpi", 1.9, 3),
    ("elpi", 2.0, 4), ("elpi", 9.9, 4), ("elpi", 10.0, 5),
    ("chronic", -3.0, 5), ("chronic", -2.9, 4), ("chronic", -0.5, 4), ("chronic", -0.4, 3), ("chronic", 0.4, 3),
    ("chronic", 0.5, 2), ("chronic", 3.0, 2), ("chronic", 3.1, 1),
    ("susp", -2.0, 5), ("susp", -1.9, 4), ("susp", -0.3, 4), ("susp", -0.2, 3), ("susp", 0.2, 3),
    ("susp", 0.3, 2), ("susp", 3.0, 2), ("susp", 3.1, 1),
    ("ela", -15.1, 1), ("ela", -15.0, 2), ("ela", -3.0, 2), ("ela", -2.9, 3), ("ela", 2.9, 3), ("ela", 3.0, 4),
    ("ela", 14.9, 4), ("ela", 15.0, 5),
]
# grade-11 cut points (hscutpoints = Y): ELA -45 / 0 / 30 / 75, math -115 / -60 / 0 / 25
HS = [("ela", -45.1, 1), ("ela", -45.0, 2), ("ela", -0.1, 2), ("ela", 0.0, 3), ("ela", 29.9, 3),
      ("ela", 30.0, 4), ("ela", 74.9, 4), ("ela", 75.0, 5),
      ("math", -115.1, 1), ("math", -115.0, 2), ("math", -60.1, 2), ("math", -60.0, 3), ("math", -0.1, 3),
      ("math", 0.0, 4), ("math", 24.9, 4), ("math", 25.0, 5)]


def score(tmp_path, indicator, curr, prior, hs="N"):
    """One school row: rates from counts over 1,000 students, DFS as CDE publishes it."""
    row = {"cds": SCHOOL, "rtype": "S", "studentgroup": "ALL", "reportingyear": 2024,
           "currdenom": 1000, "priordenom": 1000}
    if indicator in ("ela", "math"):
        row |= {"currstatus": curr, "priorstatus": prior, "hscutpoints": hs,
                "change": None if prior is None else round(curr - prior, 1)}
    else:
        row |= {"currnumer": round(curr * 10), "priornumer": None if prior is None else round(prior * 10)}
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        warehouse.replace_rows(con, "validated_directory", pd.DataFrame({"cds": [SCHOOL], "school_type": ["ES"]}),
                               {"school_year": YEAR})
        warehouse.replace_rows(con, "attendance", pd.DataFrame({
            "cds": pd.Series([], dtype=str), "rtype": pd.Series([], dtype=str),
            "student_group": pd.Series([], dtype=str), "chronic": pd.Series([], dtype="int64"),
            "eligible": pd.Series([], dtype="int64")}), {"school_year": YEAR})
        warehouse.replace_rows(con, f"validated_dashboard_{indicator}", pd.DataFrame([row]), {"school_year": YEAR})
        return score_indicators(con, YEAR, load_settings()).iloc[0]


@pytest.mark.parametrize("indicator, value, level", STATUS)
def test_status_cut_points(tmp_path, indicator, value, level):
    row = score(tmp_path, indicator, value, None)
    assert float(row["status"]) == value and row["status_level"] == level


@pytest.mark.parametrize("indicator, change, level", CHANGE)
def test_change_cut_points(tmp_path, indicator, change, level):
    base = 50.0 if indicator in ("elpi", "ela") else 20.0
    row = score(tmp_path, indicator, base + change, base)
    assert float(row["change"]) == change and row["change_level"] == level


@pytest.mark.parametrize("indicator, value, level", HS)
def test_grade_11_cut_points(tmp_path, indicator, value, level):
    row = score(tmp_path, indicator, value, None, hs="Y")
    assert row["cut_set"] == "hs" and row["status_level"] == level
