"""The sample's CALPADS Student Enrollment (SENR) extract and Special Education (SPED) file:
caret-delimited, no header, fields by number (``pipeline/readers/state.py`` says which layout
documents give which numbers), CR LF. Written from the district's attendance export of the same
year, so they carry what the sample's CDE chronic absenteeism file was counted from: each record's
grade (CDE counts K-8) and each student's disability status.

SENR: one record per attendance record (student and school), status 10 (primary), the grade level
code of the student's grade (TK as KN before 2023-24, when CALPADS had no TK code), an enrollment
start date and, for a spell that ends before the last day of school, an exit date. The export has
days, not dates: the sample lays a student's spells one after another over a calendar of weekdays
from mid-August (the last ending on the last day, left open), so each spell overlaps the year and
none overlaps another. No exit reason (1.27) is written; the reader does not read it.

SPED: one record per student with disabilities of the year (at the school of their last record),
an IEP (education plan type 100) from a meeting before the end of the school year, no program exit.

Every record carries the student's fake legal names, birth date and gender
(:func:`pipeline.sample.state_files.people`), so the reader's dropping of them is tested on files
that have them; where the SPED file numbers them is not documented in the pages read (14.10-14.12
and 14.17-14.18 here, as in SENR).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.sample import state_files
from pipeline.sample.state_files import _calpads_keys, _draws, _records, _write
from pipeline.state_tables import StateCodes, load_codes

SENR_FIELDS = 35  # 1.01-1.35 (CALPADS's Cumulative Enrollment Extract: "1-35. SENR File Elements")
CENR_FIELDS = 50  # then 36 ethnicity/race, 37 ELAS, ..., 44-48 (from April 2025), upload and last-updated dates
SPED_FIELDS = 46  # to 14.46 Special Education Program Exit Date
SCHOOL_DAYS = 180


def _grade_code(grade: pd.Series, spring: int) -> pd.Series:
    g = grade.astype(str)
    code = g.where(~g.str.isdigit(), g.str.zfill(2)).replace({"K": "KN"})
    return code.replace({"TK": "TK" if spring >= 2024 else "KN"})


def _dates(days: np.ndarray, first: str) -> pd.Series:
    return pd.Series(np.busday_offset(np.datetime64(first), days, roll="forward").astype(str)).str.replace("-", "")


def _day(codes: StateCodes, spring: np.ndarray, back: np.ndarray) -> pd.Series:
    """The day ``back`` days before the LTEL as-of day of the school year ending in each ``spring``, CCYYMMDD."""
    end = pd.to_datetime(pd.Series([codes.ltel_day(int(s)) for s in spring]), format="%Y%m%d")
    return (end - pd.to_timedelta(back, unit="D")).dt.strftime("%Y%m%d").reset_index(drop=True)


def ltel_dates(a: pd.DataFrame, spring: int, codes: StateCodes) -> pd.Series:
    """Each record's Provisional LTEL Start Date (CCYYMMDD; blank for a student never an English
    learner here): for a long-term English learner of the year (``ltel`` Y), a day up to the LTEL
    as-of day (``config/state_codes.yaml``) of the school year they were in grade 6, so they count
    in every year from then on; for another English learner, a day one to five years after this
    year's (they would become LTEL then)."""
    grade = pd.to_numeric(a["grade"].astype(str), errors="coerce").fillna(0).astype(int).to_numpy()
    back = _draws(a["ssid"], "ltel", 330)
    since = spring - np.clip(grade - 6, 0, None)
    ahead = spring + 1 + _draws(a["ssid"], "ltel-ahead", 5)
    long_term = a["ltel"].eq("Y").to_numpy()
    learner = a["el"].eq("Y").to_numpy()
    dates = pd.Series(np.where(long_term, _day(codes, since, back), _day(codes, ahead, back)))
    return dates.where(long_term | learner, "")


def write_senr(attendance: pd.DataFrame, spring: int, path: Path, codes: StateCodes | None = None) -> int:
    """One record per attendance record, as CALPADS's Cumulative Enrollment Extract: SENR's fields
    (school, grade, start and, when it ends early, exit date), then the extract's own: 37 ELAS, 44
    its start date, 45 the Provisional LTEL Start Date (:func:`ltel_dates`; ``codes``: those of
    ``config/state_codes.yaml`` unless given), 46-48 the dates it is counted from (seven years before), 49-50
    upload and last-updated dates. Fields 36 and 38-43 are left blank."""
    a = attendance.reset_index(drop=True)
    keys = _calpads_keys(a, 1, "SENR", spring)
    who = state_files.people(a["ssid"].astype(str), spring, a["grade"].astype(str))
    days = a["days_enrolled"].astype(int).clip(1, SCHOOL_DAYS)
    total = days.groupby(a["ssid"]).transform("sum")
    before = days.groupby(a["ssid"]).cumsum() - days
    start = np.clip(SCHOOL_DAYS - total, 0, None) + before
    end = np.minimum(start + days, SCHOOL_DAYS)
    start = np.minimum(start, SCHOOL_DAYS - 1).to_numpy()
    first = f"{spring - 1}-08-15"
    exit_ = _dates(end.to_numpy() - 1, first).where(end.to_numpy() < SCHOOL_DAYS, "")
    n = len(a)
    cols = {1: keys[1], 4: keys[4], 5: keys[5], 7: keys[6], 8: keys[7], 9: keys[8],
            10: who["first"].reset_index(drop=True), 11: who["middle"].reset_index(drop=True),
            12: who["last"].reset_index(drop=True), 17: keys[11], 18: keys[12],
            23: _dates(start, first), 24: pd.Series(["10"] * n), 25: _grade_code(a["grade"], spring), 26: exit_}
    ltel = ltel_dates(a, spring, codes or load_codes())
    seven = ltel.where(ltel.eq(""), (pd.to_numeric(ltel.str[:4], errors="coerce") - 7).astype("Int64").astype(str)
                       + ltel.str[4:])
    extracted = pd.Series([f"{spring}0701"] * n)
    cols.update({37: pd.Series(np.where(a["el"].eq("Y"), "EL", "EO")), 44: pd.Series([f"{spring - 1}0815"] * n),
                 45: ltel, 46: seven, 47: seven, 48: seven, 49: extracted, 50: extracted})
    return _write(path, _records(cols, CENR_FIELDS, n))


def write_sped(attendance: pd.DataFrame, spring: int, path: Path) -> int:
    """One SPED record (an IEP, plan type 100) per student with disabilities of the year."""
    a = attendance[attendance["swd"].eq("Y")].drop_duplicates("ssid", keep="last").reset_index(drop=True)
    keys = _calpads_keys(a, 14, "SPED", spring)
    who = state_files.people(a["ssid"].astype(str), spring, a["grade"].astype(str))
    n = len(a)
    meeting = _dates(_draws(a["ssid"], f"iep{spring}", 380), f"{spring - 2}-09-01")
    cols = {1: keys[1], 4: keys[4], 5: keys[5], 7: keys[6], 8: keys[7], 9: keys[8],
            10: who["first"].reset_index(drop=True), 12: who["last"].reset_index(drop=True), 17: keys[11],
            18: keys[12], 21: meeting, 24: pd.Series(["100"] * n)}
    return _write(path, _records(cols, SPED_FIELDS, n))
