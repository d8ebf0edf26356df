"""Scoring in DuckDB against hand-computed expectations: rounding, cut points, colours, n-size."""
from __future__ import annotations

import pandas as pd
import pytest

from pipeline import warehouse
from pipeline.config import load_settings
from pipeline.scoring.attendance import score_attendance
from pipeline.scoring.indicators import score_indicators
from tests.empty_tables import empty_attendance

YEAR = "2023-24"
SCHOOL = "19754160000001"





@pytest.fixture
def con(tmp_path):
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        warehouse.replace_rows(con, "validated_directory", pd.DataFrame(
            {"cds": [SCHOOL], "school_type": ["ES"]}), {"school_year": YEAR})
        warehouse.replace_rows(con, "attendance", empty_attendance(), {"school_year": YEAR})
        yield con


def chronic_rows(con, rows):
    """rows: (group, currnumer, currdenom, priornumer, priordenom)."""
    frame = pd.DataFrame(rows, columns=["studentgroup", "currnumer", "currdenom", "priornumer", "priordenom"])
    frame["cds"], frame["rtype"], frame["reportingyear"] = SCHOOL, "S", 2024
    warehouse.replace_rows(con, "validated_dashboard_chronic", frame, {"school_year": YEAR})
    result = score_indicators(con, YEAR, load_settings())
    return result.set_index("student_group")


@pytest.mark.parametrize("numer, denom, status, level", [
    (2, 80, 2.5, 5),       # 2.5 exactly: Very low
    (51, 2000, 2.6, 4),    # 2.55 rounds half up to 2.6: Low
    (100, 1000, 10.0, 3),  # Medium upper bound
    (101, 1000, 10.1, 2),  # High lower bound
    (400, 2000, 20.0, 2),
    (401, 2000, 20.1, 1),  # 20.05 -> 20.1: Very high
])
def test_chronic_status_boundaries(con, numer, denom, status, level):
    r = chronic_rows(con, [("ALL", numer, denom, numer, denom)]).loc["ALL"]
    assert float(r["status"]) == status
    assert r["status_level"] == level


@pytest.mark.parametrize("prior, change, change_level, color", [
    (70, 3.0, 2, 2),    # increased 3.0: change level 2; Medium x 2 = Orange
    (69, 3.1, 1, 2),    # increased significantly; Medium x 1 = Orange
    (129, -2.9, 4, 4),  # declined; Medium x 4 = Green
    (130, -3.0, 5, 4),  # declined significantly; Medium x 5 = Green
    (104, -0.4, 3, 3),  # maintained; Yellow
])
def test_chronic_change_boundaries_and_colour(con, prior, change, change_level, color):
    r = chronic_rows(con, [("ALL", 100, 1000, prior, 1000)]).loc["ALL"]
    assert float(r["change"]) == change
    assert r["change_level"] == change_level
    assert r["color"] == color
    assert r["box"] == ((5 - 3) * 5 + change_level) * 10


def test_change_from_unrounded_rates_half_away_from_zero(con):
    # 25.0 % now, 44.75 % before: change -19.75 -> -19.8 (CDE rounds half away from zero)
    r = chronic_rows(con, [("ALL", 100, 400, 179, 400)]).loc["ALL"]
    assert float(r["change"]) == -19.8
    assert float(r["prior_status"]) == 44.8
    # rounded statuses would give 25.0 - 44.8 = -19.8 too; this pair differs:
    # 50.44 % vs 48.26 %: statuses 50.4 and 48.3 (difference 2.1) but change 2.2
    r = chronic_rows(con, [("ALL", 5044, 10000, 4826, 10000)]).loc["ALL"]
    assert (float(r["status"]), float(r["prior_status"]), float(r["change"])) == (50.4, 48.3, 2.2)


def test_n_size_rules(con):
    result = chronic_rows(con, [
        ("ALL", 50, 400, 60, 400),
        ("FOS", 3, 10, 3, 12),    # under 11: nothing shown
        ("HOM", 5, 29, 6, 40),    # 11..29: status, no colour
        ("EL", 5, 30, 6, 29),     # prior under 30: no colour
    ])
    fos, hom, el = result.loc["FOS"], result.loc["HOM"], result.loc["EL"]
    assert fos["suppressed"] and pd.isna(fos["status"]) and pd.isna(fos["n"]) and fos["note"] == "n_lt_11"
    assert float(hom["status"]) == 17.2 and hom["color"] == 0 and hom["note"] == "no_color_lt_30"
    assert el["color"] == 0 and el["note"] == "no_color_lt_30"
    assert result.loc["ALL", "color"] > 0 and pd.isna(result.loc["ALL", "note"])


def test_attendance_chronic_definition(tmp_path):
    students = pd.DataFrame({
        "ssid": ["1", "2", "3", "4", "5"],
        "cds": [SCHOOL] * 5,
        "grade": ["3", "K", "TK", "10", None],  # student 4 in grade 10; student 5's grade not known
        "days_enrolled": [180, 180, 30, 100, 31],
        "days_absent": [18, 17, 10, 10, 3],
        "ethnicity": ["HI", "HI", "AA", "HI", "WH"],
        "el": ["Y", "N", "N", "N", "N"], "ltel": ["N"] * 5, "sed": ["Y"] * 5,
        "swd": ["N"] * 5, "foster": ["N"] * 5, "homeless": ["N"] * 5,
    })
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        warehouse.replace_rows(con, "validated_attendance", students, {"school_year": YEAR})
        warehouse.replace_rows(con, "validated_directory", pd.DataFrame({"cds": [SCHOOL]}), {"school_year": YEAR})
        out = score_attendance(con, YEAR, load_settings())
    school = out[(out.rtype == "S")].set_index("student_group")
    # eligible: enrolled >= 31 days (student 3 is not); chronic: absent >= 10 % (18/180, 10/100)
    assert school.loc["ALL", "eligible"] == 4
    assert school.loc["ALL", "chronic"] == 2
    assert school.loc["ALL", "days_attended"] == (180 - 18) + (180 - 17) + (30 - 10) + (100 - 10) + (31 - 3)
    assert school.loc["HI", "eligible"] == 3 and school.loc["HI", "chronic"] == 2
    # the Dashboard's indicator counts grades TK-8 (and a grade not known): not student 4 (grade 10)
    assert school.loc["ALL", ["dashboard_students", "dashboard_eligible", "dashboard_chronic"]].tolist() == [4, 3, 1]
    assert school["chronic_rate"].isna().all() and school["suppressed"].all()  # fewer than 11 students
    assert school.loc["EL", "chronic"] == 1
    district = out[out.rtype == "D"].set_index("student_group")
    assert district.loc["ALL", "cds"] == "19754160000000"


def test_an_empty_first_partition_does_not_fix_column_types(tmp_path):
    """A table first stored from an empty frame (e.g. no prior year for growth) takes real types later."""
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        warehouse.replace_rows(con, "growth", pd.DataFrame({"mean": [None], "cds": [None]}), {"school_year": "2022-23"})
        warehouse.replace_rows(con, "growth", pd.DataFrame({"mean": [1.5], "cds": ["x"]}), {"school_year": "2023-24"})
        types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_name = 'growth'").fetchall())
        assert types["mean"] == "DOUBLE" and types["cds"] == "VARCHAR"
        assert con.execute("SELECT mean FROM growth WHERE school_year = '2023-24'").fetchall() == [(1.5,)]


def test_district_dfs_from_student_scores(con):
    """ELA distance from standard from student records: mean of (score - standard met), rounded
    exactly, half away from zero; change from the unrounded means."""
    cut = 2432  # grade 3 ELA standard met (config/sbac_standard_met.csv)
    current = [cut - 3] + [cut] * 11          # sum -3 over 12: -0.25 -> -0.3
    prior = [cut + 6] + [cut] * 11            # sum +6 over 12: +0.5
    rows = []
    for year, scores in ((YEAR, current), ("2022-23", prior)):
        for i, score in enumerate(scores):
            rows.append({"school_year": year, "ssid": f"{i:010d}", "cds": SCHOOL, "grade": 3, "subject": "ELA",
                         "test_type": "SBA", "scale_score": score, "ethnicity": "HI", "el": "N", "ltel": "N",
                         "sed": "Y", "swd": "N", "foster": "N", "homeless": "N"})
    rows.append({**rows[0], "ssid": "9999999999", "test_type": "CAA", "scale_score": None})  # not counted
    students = pd.DataFrame(rows)
    for year in (YEAR, "2022-23"):
        warehouse.replace_rows(con, "validated_assessment",
                               students[students.school_year == year].drop(columns="school_year"), {"school_year": year})
    result = score_indicators(con, YEAR, load_settings())
    ela = result[(result.indicator == "ela") & (result.origin == "district") & (result.rtype == "S")
                 & (result.student_group == "ALL")].iloc[0]
    assert (ela["n"], float(ela["status"]), float(ela["prior_status"]), float(ela["change"])) == (12, -0.3, 0.5, -0.8)
    assert ela["cut_set"] == "default" and ela["status_level"] == 3  # -5.0..9.9: Medium
    assert ela["change_level"] == 3 and ela["color"] == 0  # maintained; 12 students: no colour


def test_a_busy_warehouse_is_refused_with_a_clear_message(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "w.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(path)!r}); "
                               "print('open', flush=True); time.sleep(30)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(warehouse.WarehouseBusy, match=r"is in use by python.* \(PID \d+\)"):
            with warehouse.connect(path, wait_seconds=1):
                pass
    finally:
        holder.kill()
        holder.wait()
