"""The preview's reasons on chronic absenteeism follow the files read (issue #15): the grade (CDE
counts K-8) and disability are reasons only where the SENR extract and the SPED file were not read;
foster status is in no file a district downloads, so it stays a reason whatever was read."""
from __future__ import annotations

import pandas as pd

S = "19754160000001"


def _row(group, origin, n, status, rtype="S"):
    return {"cds": S, "rtype": rtype, "student_group": group, "indicator": "chronic", "origin": origin, "n": n,
            "status": status, "change": None, "status_level": 3, "change_level": 3, "color": 0, "note": None}


ROWS = [
    _row("ALL", "district", 120, 20.0),  # a high school: ours only (every grade counted)
    _row("SWD", "cde", 30, 40.0), _row("FOS", "cde", 12, 50.0),
    _row("HI", "district", 60, 21.0), _row("HI", "cde", 50, 21.0),  # ours counts 10 more
]


def _why(read: frozenset[str]) -> pd.Series:
    from pipeline.preview_report import explained

    return explained(pd.DataFrame(ROWS), read=read).set_index("student_group")["reason"]


def test_without_senr_and_sped_grade_and_disability_are_the_reasons():
    from pipeline.preview_report import NO_FOSTER

    why = _why(frozenset())
    assert why["ALL"].startswith("CDE counts grades K-8 only and STAS has no grade (no SENR extract read)")
    assert why["HI"].startswith("our count has 10 more: CDE counts grades K-8 only and STAS has no grade")
    assert why["SWD"] == "the files read carry no disability status for attendance (no SPED file read)"
    assert why["FOS"] == NO_FOSTER


def test_with_senr_and_sped_a_grade_or_disability_difference_is_not_explained():
    from pipeline.preview_report import NO_FOSTER, NOT_EXPLAINED

    why = _why(frozenset({"calpads_senr", "calpads_sped"}))
    assert why["ALL"] == why["HI"] == why["SWD"] == NOT_EXPLAINED
    assert why["FOS"] == NO_FOSTER
