"""Empty scored tables for tests that score CDE's files alone: ``score_indicators`` reads the
district's own chronic absenteeism from ``attendance`` (the Dashboard's grades: ``dashboard_*``)."""
from __future__ import annotations

import pandas as pd

COUNTS = ("chronic", "eligible", "dashboard_students", "dashboard_eligible", "dashboard_chronic")


def empty_attendance() -> pd.DataFrame:
    """An ``attendance`` table with no rows, in the columns ``sql/attendance.sql`` writes."""
    return pd.DataFrame({"cds": pd.Series([], dtype=str), "rtype": pd.Series([], dtype=str),
                         "student_group": pd.Series([], dtype=str),
                         **{c: pd.Series([], dtype="int64") for c in COUNTS}})
