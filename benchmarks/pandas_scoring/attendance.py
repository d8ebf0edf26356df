"""``attendance.sql`` (with the ``student_groups`` macro) in pandas: chronic absenteeism and
attendance rate (every grade, and the Dashboard's grades), as
``pipeline.scoring.attendance.score_attendance`` returns them."""
from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks.pandas_scoring.groups import FLAG_COLUMNS, GROUP_FLAGS, expand_student_groups, is_member
from benchmarks.pandas_scoring.loading import input_frame, of_year
from benchmarks.pandas_scoring.rounding import decimal_tenths, round_half_away
from pipeline.config import Settings, load_settings
from pipeline.scoring.attendance import dashboard_grades

ATTENDANCE_COLUMNS = ["rtype", "cds", "student_group", "eligible", "chronic", "days_enrolled", "days_attended",
                      "students", "dashboard_students", "dashboard_eligible", "dashboard_chronic", "chronic_rate",
                      "attendance_rate", "suppressed"]
_ATTENDANCE_INPUT_COLUMNS = ["school_year", "ssid", "cds", "grade", "days_enrolled", "days_absent", *FLAG_COLUMNS]


def _district_cds(inputs: dict[str, pd.DataFrame], school_year: str) -> str:
    directory = of_year(input_frame(inputs, "validated_directory", ["school_year", "cds"]), school_year)
    heads = directory["cds"].dropna().str.slice(0, 7)
    return (heads.min() if len(heads) else "0000000") + "0000000"


def score_attendance(inputs: dict[str, pd.DataFrame], school_year: str,
                     settings: Settings | None = None) -> pd.DataFrame:
    """Chronic absenteeism and attendance rate by school (S), district (D) and student group."""
    settings = settings or load_settings()
    min_n = settings.privacy.min_n
    students = of_year(input_frame(inputs, "validated_attendance", _ATTENDANCE_INPUT_COLUMNS), school_year)
    # flags as booleans: the district row's max('Y', 'N') is 'Y' when any of the student's rows is 'Y'
    # the Dashboard's chronic absenteeism counts its grades (TK-8) and a grade not known
    dashboard = students["grade"].isna() | students["grade"].isin(dashboard_grades())
    students = students[["cds", "ssid", "days_enrolled", "days_absent", "ethnicity"]].assign(
        dashboard=dashboard, **{f: is_member(students[f]) for f in GROUP_FLAGS.values()})
    district = (students.groupby("ssid", sort=False, dropna=False)
                .agg(days_enrolled=("days_enrolled", "sum"), days_absent=("days_absent", "sum"),
                     ethnicity=("ethnicity", "first"), dashboard=("dashboard", "any"),
                     **{f: (f, "any") for f in GROUP_FLAGS.values()})
                .reset_index()
                .assign(cds=_district_cds(inputs, school_year)))
    both = pd.concat([students.assign(rtype="S"), district.assign(rtype="D")], ignore_index=True)
    enrolled = both["days_enrolled"].astype("int64")
    absent = both["days_absent"].astype("int64")
    # days_absent::DECIMAL(18, 6) >= threshold::DECIMAL(18, 6) * days_enrolled, in integers
    threshold = int(round_half_away(np.array([settings.chronic_threshold * 1e6]))[0])
    both["eligible"] = enrolled >= settings.min_days_enrolled
    both["chronic"] = both["eligible"] & (absent * 1_000_000 >= threshold * enrolled)
    both["days_enrolled"] = enrolled
    both["days_attended"] = enrolled - absent
    both["dashboard_eligible"] = both["dashboard"] & both["eligible"]
    both["dashboard_chronic"] = both["dashboard"] & both["chronic"]
    grouped = expand_student_groups(both, ["rtype", "cds", "days_enrolled", "days_attended", "eligible", "chronic",
                                           "dashboard", "dashboard_eligible", "dashboard_chronic"])
    out = (grouped.groupby(["rtype", "cds", "student_group"], sort=False, dropna=False)
           .agg(eligible=("eligible", "sum"), chronic=("chronic", "sum"),
                days_enrolled=("days_enrolled", "sum"), days_attended=("days_attended", "sum"),
                students=("eligible", "size"), dashboard_students=("dashboard", "sum"),
                dashboard_eligible=("dashboard_eligible", "sum"), dashboard_chronic=("dashboard_chronic", "sum"))
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
