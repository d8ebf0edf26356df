"""The preview's reasons on chronic absenteeism follow the files read (issue #15): the grade (CDE
counts K-8) and disability are reasons only where the SENR extract and the SPED file were not read;
foster status only where neither CALPADS foster report (5.7, 5.9) was read, and then a TK foster
student (on neither report) only where SENR has TK students."""
from __future__ import annotations

import pandas as pd
import pytest

S = "19754160000001"


def _row(group, origin, n, status, rtype="S"):
    return {"cds": S, "rtype": rtype, "student_group": group, "indicator": "chronic", "origin": origin, "n": n,
            "status": status, "change": None, "status_level": 3, "change_level": 3, "color": 0, "note": None}


ROWS = [
    _row("ALL", "district", 120, 20.0),  # a high school: ours only (every grade counted)
    _row("SWD", "cde", 30, 40.0), _row("FOS", "cde", 12, 50.0),
    _row("HI", "district", 60, 21.0), _row("HI", "cde", 50, 21.0),  # ours counts 10 more
    _row("AA", "district", 40, 10.0, rtype="D"),  # an LEA row CDE does not have: no grade matter
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
    assert why["FOS"] == NO_FOSTER and why["AA"] == "CDE's file has no row for it"


def test_with_senr_and_sped_a_grade_or_disability_difference_is_not_explained():
    from pipeline.preview_report import NO_FOSTER, NOT_EXPLAINED

    why = _why(frozenset({"calpads_senr", "calpads_sped"}))
    assert why["ALL"] == why["HI"] == why["SWD"] == NOT_EXPLAINED
    assert why["FOS"] == NO_FOSTER and why["AA"] == "CDE's file has no row for it"


def test_with_a_foster_report_a_foster_difference_is_explained_only_by_tk_students():
    """With a foster report read, CDE's foster row without ours is not explained; where both have it
    and ours counts fewer, the reports' KN-12 selection explains it only when SENR has TK students."""
    from pipeline.preview_report import FOSTER_TK, NOT_EXPLAINED, explained

    read = frozenset({"calpads_senr", "calpads_sped", "calpads_foster"})
    assert _why(read)["FOS"] == NOT_EXPLAINED
    rows = pd.DataFrame([_row("FOS", "district", 12, 25.0), _row("FOS", "cde", 16, 37.5),
                         _row("SED", "district", 20, 25.0), _row("SED", "cde", 22, 30.0)])
    for tk, expected in ((False, NOT_EXPLAINED), (True, FOSTER_TK)):
        why = explained(rows, read=read | ({"senr_tk"} if tk else set())).set_index("student_group")["reason"]
        assert why["FOS"] == expected and why["SED"] == NOT_EXPLAINED
    fewer_at_cde = pd.DataFrame([_row("FOS", "district", 16, 37.5), _row("FOS", "cde", 12, 25.0)])
    assert explained(fewer_at_cde, read=read | {"senr_tk"})["reason"].eq(NOT_EXPLAINED).all()


@pytest.fixture(scope="module")
def chronic(tmp_path_factory):
    """The tiny sample as a whole district (real LEA rows), its state files read with SINF, SENR and
    SPED: chronic absenteeism of the last year, ours beside CDE's, before any disclosure step."""
    from dataclasses import replace

    from pipeline import warehouse
    from pipeline.sample import scales
    from pipeline.scoring.preview import side_by_side
    from tests import preview_setup

    root = tmp_path_factory.mktemp("preview-attendance")
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(scales.SCALES, "tiny-lea", replace(scales.SCALES["tiny"], name="tiny-lea", partial_district=False))
        mp.setattr(preview_setup, "SOURCES_READ",
                   [*preview_setup.SOURCES_READ, "calpads_sinf", "calpads_senr", "calpads_sped",
                    "calpads_foster_enrolled", "calpads_foster_former"])
        results = preview_setup.preview_results(root, scale="tiny-lea")
    sbs = side_by_side(results)
    with warehouse.connect(root / "scorecards.duckdb", read_only=True) as con:
        attendance = warehouse.read_table(con, "attendance", {"school_year": preview_setup.YEARS[-1]})
    return sbs[sbs["indicator"].eq("chronic")], attendance


@pytest.mark.slow
def test_chronic_absenteeism_equals_cdes_on_every_school_and_lea_row_with_senr_and_sped(chronic):
    """Grades from SENR (K-8 kept) and disability from SPED: every school and LEA row of CDE's chronic
    absenteeism file is ours too and agrees on every figure, foster youth (the reports 5.7 and 5.9)
    and LTEL (the Cumulative Enrollment Extract's field 45) among them; the LEA rows count each
    student once over the schools, K-8 only, as CDE does."""
    chronic, _ = chronic
    both = chronic[chronic["compared"]]
    assert both.groupby("rtype").size().to_dict() == {"D": 15, "S": 41}, both.groupby("rtype").size()
    assert both["student_group"].eq("FOS").any()
    wrong = both[both["differs"].ne("")]
    assert wrong.empty, wrong[["cds", "rtype", "student_group", "differs", "n_district", "n_cde"]].to_string()
    assert set(both["student_group"]) >= {"ALL", "SWD", "SED", "EL", "HI", "LTEL"}
    only = chronic[~chronic["compared"]]
    assert only.empty, only.to_string()


@pytest.mark.slow
def test_high_schools_keep_their_attendance_and_only_the_dashboard_indicator_counts_k8(chronic):
    """SENR's grade decides only the Dashboard's chronic absenteeism (K-8): a high school's students
    still count in its attendance and chronic absence rates (the scorecard, the equity index)."""
    chronic, attendance = chronic
    every = attendance[attendance["rtype"].eq("S") & attendance["student_group"].eq("ALL")].set_index("cds")
    high = every[every["dashboard_students"].eq(0)]
    assert len(high) >= 1 and (high["eligible"] > 0).all() and high["attendance_rate"].notna().all()
    ours = chronic[chronic["only"].ne("cde") & chronic["rtype"].eq("S")]
    assert not set(high.index) & set(ours["cds"])  # no Dashboard row of ours for them, as CDE has none
    k8 = every[every["dashboard_students"].gt(0)]
    assert k8["dashboard_eligible"].equals(k8["eligible"])  # the K-8 schools of the sample: all K-8
    lea = attendance[attendance["rtype"].eq("D") & attendance["student_group"].eq("ALL")].iloc[0]
    # the LEA counts a student of several schools once: at most the K-8 schools' sum, fewer than every grade
    assert lea["dashboard_eligible"] <= k8["eligible"].sum() and lea["dashboard_eligible"] < lea["eligible"]
