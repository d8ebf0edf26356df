"""Chronic absenteeism and attendance rate, computed by ``sql/attendance.sql``."""
from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.config import Settings
from pipeline.scoring import install_macros, sql
from pipeline.state_tables import SENR_TO_GRADE, load_codes
from pipeline.warehouse import one


def district_cds(con: duckdb.DuckDBPyConnection, school_year: str) -> str:
    """The LEA's CDS code (county + district + seven zeros), taken from the directory."""
    row = one(con, "SELECT min(substr(cds, 1, 7)) FROM validated_directory WHERE school_year = ?", [school_year])
    return (row[0] or "0000000") + "0000000"


def score_attendance(con: duckdb.DuckDBPyConnection, school_year: str, settings: Settings) -> pd.DataFrame:
    """Chronic absenteeism and attendance rate by school, district and student group."""
    install_macros(con)
    return con.execute(sql("attendance"), {
        "school_year": school_year,
        "district_cds": district_cds(con, school_year),
        "min_days": settings.min_days_enrolled,
        "threshold": settings.chronic_threshold,
        "min_n": settings.privacy.min_n,
        "dashboard_grades": dashboard_grades(),
    }).df()


def dashboard_grades() -> list[str]:
    """The grades the Dashboard's chronic absenteeism counts, as ``validated_attendance`` writes them
    (``chronic_grades`` of ``config/state_codes.yaml``, SENR's codes: KN is K, 01 is 1)."""
    return [SENR_TO_GRADE.get(g, g) for g in load_codes().chronic_grades]
