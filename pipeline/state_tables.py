"""The state's files in the tables the scoring already reads: CAASPP records become
``validated_assessment`` rows and CALPADS STAS records (with SENR for their grade, and SELA, SPRG,
SINF and SPED for their groups) ``validated_attendance`` rows, of district origin, when the district's own ``assessment.csv`` /
``attendance.csv`` was not provided for the year (a district gives one or the other; the
district's own file wins, and the run says which was used).

The rules, and what they leave out (said, never guessed):

- Assessment: record types 01/02 (Smarter Balanced ELA/math) and 03/04 (CAA) in grades 3-8 and 11;
  a score counts when ``IncludeIndicator`` is ``Y``, otherwise the row stays without a score.
  ``participated`` says, for CDE's 95 % participation rule, whether the record was tested (``Y``),
  enrolled and not tested (``N``), or is outside the participation base (NULL: ``E``, a first-year
  English learner on ELA), by the codes of ``config/state_codes.yaml``. Groups from the file's own
  CALPADS fields, codes mapped by ``config/state_codes.yaml``; a blank flag stays unknown (NULL),
  not "No". ``language_group`` is the academic indicators' ELO, RFP (reclassified within
  ``reclassified_years``, from ``RFEPDate``) or EO; the scoring counts ELO and RFP as EL on ELA and math.
- Attendance: one row per STAS record not exempt (13.13 = N); days enrolled = expected attendance
  days (13.15); days absent = out-of-school suspension + excused + unexcused + non-ADA
  independent study (13.17 + 13.19 + 13.20 + 13.21), the Dashboard's absences. An hourly school's
  fractional days are rounded half up to whole days for the table (its days are whole numbers).
  The school is the 14-digit CDS of the school of attendance: the reporting LEA's 7 digits and the
  school's 7, or, for an independently reporting charter (both fields the school code), the
  directory's school with that code. With the SENR extract, each STAS record gets the grade level
  code of the student's SENR enrollment at that school overlapping the year (the most recent: open,
  else the latest exit; primary or short-term first; then the latest start, as CALPADS picks a
  qualifying enrollment). Every record stays: the attendance rates and the equity index count every
  grade, and only the Dashboard's chronic absenteeism indicator counts just ``chronic_grades`` of
  ``config/state_codes.yaml`` (the Dashboard's K-8, TK with K: ``sql/attendance.sql``,
  ``dashboard_eligible``). A record with no such SENR enrollment keeps a NULL grade and is counted
  (the run says how many). Without SENR, every record has a NULL grade.
  Disability from the SPED file: a plan of ``swd_plan_types`` (IEP, IFSP, ISP) in effect at some
  time in the year; without it NULL. EL from the latest SELA status started by the end of the
  school year; SED and homeless from SPRG memberships overlapping the year. Ethnicity from the latest SINF record in effect by the end of the school
  year (2.04 effective start on or before 30 June), made a Reporting Ethnicity code as the test
  files make it (``sinf_race_groups`` in ``config/state_codes.yaml``): Hispanic (2.23 = Y) whatever
  the race, else the one group of the race codes, two or more groups MR; no race and not Hispanic
  stays NULL (not reported). A student without a SINF record keeps a NULL ethnicity.
  Long-term English learners (both tables): with CALPADS's Cumulative Enrollment Extract given as
  the SENR file, an English learner (SELA for attendance; the CAASPP record's ELAS for ELA and
  math, so not those reclassified since) whose Provisional LTEL Start Date (its field 45) is on or
  before the year's ``ltel_as_of`` day is LTEL (``config/state_codes.yaml``; the scoring publishes
  the group from the Dashboard year ``ltel_from``); without field 45, NULL.
  Foster from the CALPADS ODS reports 5.7 "Foster Youth Enrolled" and 5.9 "Former Foster Youth"
  (``calpads_foster_enrolled.csv``, ``calpads_foster_former.csv``; CSV exports read by column number,
  ``pipeline/readers/calpads_report.py``), saved at the end of the school year: together they list
  the students foster at some time in the year, the Dashboard's foster youth. Y for a student (by
  SSID) listed in either, N for any other when at least one was given (a report listing nobody
  counts as given), NULL when neither was. A student who left every school of the LEA before the
  reports were run, or (from 2023-24) a TK student, is on neither list (the reports select students
  enrolled on their "as of" date, grades KN-12) and counts as N. SED comes from SPRG only:
  SINF's parent-education route (code 14) is not read, because that field's number moved between
  versions (2.38 in the CALPADS Data Guide v11.0, 2.50 in 2021-22) and the version of a file cannot
  be told from the file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import warehouse
from pipeline.config import CONFIG_DIR, ConfigError, dashboard_year, read_yaml
from schemas.state import SENR_GRADES

CODES_FILE = "state_codes.yaml"
ETHNICITY = {"AA", "AI", "AS", "FI", "HI", "PI", "WH", "MR"}
ASSESSMENT_COLUMNS = ["ssid", "cds", "grade", "subject", "test_type", "scale_score", "ethnicity", "el", "ltel",
                      "sed", "swd", "foster", "homeless", "language_group", "participated", "source_line"]
ATTENDANCE_COLUMNS = ["ssid", "cds", "grade", "days_enrolled", "days_absent", "ethnicity", "el", "ltel", "sed",
                      "swd", "foster", "homeless", "source_line"]
RECORD_TYPES = {"01": ("ELA", "SBA"), "02": ("MATH", "SBA"), "03": ("ELA", "CAA"), "04": ("MATH", "CAA")}
ACCOUNTABILITY_GRADES = [3, 4, 5, 6, 7, 8, 11]
SENR_TO_GRADE = {"KN": "K", **{f"{g:02d}": str(g) for g in range(1, 13)}}  # SENR grade code -> the table's grade


@dataclass(frozen=True)
class StateCodes:
    reporting_ethnicity: dict[str, str]
    english_learner_status: tuple[str, ...]
    sed_programs: tuple[str, ...]
    homeless_programs: tuple[str, ...]
    sinf_race_groups: dict[str, str]
    chronic_grades: tuple[str, ...] = ("TK", "KN", "01", "02", "03", "04", "05", "06", "07", "08")
    swd_plan_types: tuple[str, ...] = ("100", "150", "200")
    reclassified_years: int = 4
    language_groups_until: int = 2023
    participation_tested: tuple[str, ...] = ("Y",)
    participation_outside: tuple[str, ...] = ("E",)
    ltel_from: int = 2024
    ltel_as_of: str = "06-30"

    def ltel_day(self, spring: int) -> str:
        """The day (CCYYMMDD) of the school year ending in ``spring`` by which a Provisional LTEL Start
        Date makes a student LTEL: ``ltel_as_of`` in the spring, or in the fall for July-December."""
        month_day = self.ltel_as_of.replace("-", "")
        return f"{spring - (month_day >= '0701')}{month_day}"

    def ltel_date(self, school_year: str) -> str:
        """:meth:`ltel_day` of ``school_year``."""
        return self.ltel_day(dashboard_year(school_year))

    def ltel_published(self, school_year: str) -> bool:
        """Whether ``school_year``'s Dashboard has the LTEL group (``ltel_from`` on): earlier years'
        LTEL figures are computed (the next year's change needs them) but not published."""
        return dashboard_year(school_year) >= self.ltel_from


def load_codes(config_dir: str | Path = CONFIG_DIR) -> StateCodes:
    """``config/state_codes.yaml``, checked: a wrong key or value names the file and the key."""
    path = Path(config_dir) / CODES_FILE
    data = read_yaml(path)
    where = f"{path}"
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping of keys")
    for key in ("reporting_ethnicity", "english_learner_status", "sed_programs", "homeless_programs"):
        if key not in data:
            raise ConfigError(f"{where}: missing key '{key}'")
    eth = data["reporting_ethnicity"]
    if not isinstance(eth, dict) or not all(str(v) in ETHNICITY for v in eth.values()):
        raise ConfigError(f"{where}: 'reporting_ethnicity' must map codes to {', '.join(sorted(ETHNICITY))}")
    for key in ("english_learner_status", "sed_programs", "homeless_programs", "participation_tested",
                "participation_outside", "chronic_grades", "swd_plan_types"):
        if key not in data:
            raise ConfigError(f"{where}: missing key '{key}'")
        if not isinstance(data[key], list) or not data[key]:
            raise ConfigError(f"{where}: '{key}' must be a non-empty list")
    years, until = data.get("reclassified_years"), data.get("language_groups_until")
    if not isinstance(years, int) or isinstance(years, bool) or not 1 <= years <= 12:
        raise ConfigError(f"{where}: 'reclassified_years' must be a whole number of school years, 1-12")
    if not isinstance(until, int) or isinstance(until, bool) or not 2000 <= until <= 2100:
        raise ConfigError(f"{where}: 'language_groups_until' must be a Dashboard year (e.g. 2023)")
    ltel_from, ltel_as_of = data.get("ltel_from", 2024), str(data.get("ltel_as_of", "06-30"))
    if not isinstance(ltel_from, int) or isinstance(ltel_from, bool) or not 2000 <= ltel_from <= 2100:
        raise ConfigError(f"{where}: 'ltel_from' must be a Dashboard year (e.g. 2024)")
    if not re.fullmatch(r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", ltel_as_of):
        raise ConfigError(f"{where}: 'ltel_as_of' must be a month and day, MM-DD (e.g. \"06-30\")")
    races = data.get("sinf_race_groups")
    single = {c for c in eth if c not in ("500", "800")}
    if not isinstance(races, dict) or not races or not all(str(v) in single for v in races.values()):
        raise ConfigError(f"{where}: 'sinf_race_groups' must map race codes to {', '.join(sorted(single))}")
    unknown = sorted(str(g) for g in data["chronic_grades"] if str(g) not in SENR_GRADES)
    if unknown:
        raise ConfigError(f"{where}: 'chronic_grades': {', '.join(unknown)} not a SENR grade level code "
                          f"({', '.join(SENR_GRADES)})")
    return StateCodes({str(k): str(v) for k, v in eth.items()}, tuple(map(str, data["english_learner_status"])),
                      tuple(map(str, data["sed_programs"])), tuple(map(str, data["homeless_programs"])),
                      {str(k): str(v) for k, v in races.items()},
                      chronic_grades=tuple(map(str, data["chronic_grades"])),
                      swd_plan_types=tuple(map(str, data["swd_plan_types"])),
                      reclassified_years=years, language_groups_until=until,
                      participation_tested=tuple(map(str, data["participation_tested"])),
                      participation_outside=tuple(map(str, data["participation_outside"])),
                      ltel_from=ltel_from, ltel_as_of=ltel_as_of)


def _yes_no(values: pd.Series) -> pd.Series:
    return values.astype("string").map({"Yes": "Y", "No": "N"}).astype("string")


def _language_group(c: pd.DataFrame, codes: StateCodes, school_year: str) -> pd.Series:
    """ELO, RFP (reclassified on or after 1 July of the school year ``reclassified_years`` before the
    tested spring's) or EO, else NULL (IFEP, TBD, ADEL, an earlier or undated RFEP, no status)."""
    elas = c["elas"].astype("string")
    since = f"{dashboard_year(school_year) - codes.reclassified_years}-07-01"
    dated = c["rfepdate"].astype("string") if "rfepdate" in c else pd.Series(pd.NA, c.index, "string")
    recent = elas.eq("RFEP") & dated.ge(since)
    group = np.select([elas.isin(codes.english_learner_status).fillna(False).to_numpy(bool),
                       recent.fillna(False).to_numpy(bool), elas.eq("EO").fillna(False).to_numpy(bool)],
                      ["ELO", "RFP", "EO"], "")
    return pd.Series(group, c.index, "string").replace("", pd.NA)


LTEL_FIELD = "provisional_ltel_start"  # CENR field 45


def ltel_starts(senr: pd.DataFrame | None) -> pd.Series | None:
    """Each student's CALPADS Provisional LTEL Start Date (CCYYMMDD, the earliest of their records),
    indexed by SSID; None when the enrollment extract of the year carries no such field (a SENR
    extract, or a Cumulative Enrollment Extract from before April 2025): every English learner has
    one (the date they become or would become LTEL), so a CENR without any is not one that has it."""
    if senr is None or LTEL_FIELD not in senr or not senr[LTEL_FIELD].notna().any():
        return None
    dated = senr[senr[LTEL_FIELD].notna()]
    return dated.groupby(dated["ssid"].astype("string"))[LTEL_FIELD].min().astype("string")


def _ltel(starts: pd.Series | None, codes: StateCodes, school_year: str, ssid: pd.Series,
          el: pd.Series) -> pd.Series:
    """Y for an English learner (``el`` Y) whose Provisional LTEL Start Date is on or before the year's
    ``ltel_as_of``; N for any other student whose EL status is known; NULL without the CENR field
    or where EL status is unknown."""
    if starts is None:
        return pd.Series(pd.NA, ssid.index, "string")
    long_term = (el.eq("Y") & ssid.astype("string").map(starts).le(codes.ltel_date(school_year))).fillna(False)
    return pd.Series(np.where(long_term.to_numpy(bool), "Y", "N"), ssid.index, "string").where(el.notna())


def assessment_rows(caaspp: pd.DataFrame, codes: StateCodes, school_year: str,
                    starts: pd.Series | None = None) -> pd.DataFrame:
    """``validated_assessment`` rows of ``school_year`` from the kept CAASPP records (``validated_caaspp``);
    ``starts`` (:func:`ltel_starts` of the year's enrollment extract) gives LTEL."""
    c = caaspp[caaspp["recordtype"].isin(list(RECORD_TYPES))].copy()
    c["grade"] = pd.to_numeric(c["gradeassessed"]).astype("int64")
    c = c[c["grade"].isin(ACCOUNTABILITY_GRADES)]
    kind = c["recordtype"].map(RECORD_TYPES)
    elas = c["elas"].astype("string")
    out = pd.DataFrame({
        "ssid": c["ssid"].astype("string"), "cds": c["calpadsschoolcode"].astype("string"), "grade": c["grade"],
        "subject": kind.str[0].astype("string"), "test_type": kind.str[1].astype("string"),
        "scale_score": c["scalescore"].astype("Int64").where(c["includeindicator"].eq("Y")),
        "ethnicity": c["reportingethnicity"].astype("string").map(codes.reporting_ethnicity).astype("string"),
        "el": elas.isin(codes.english_learner_status).map({True: "Y", False: "N"}).astype("string")
        .where(elas.notna()),
        "sed": _yes_no(c["economicdisadvantagestatus"]), "swd": _yes_no(c["calpadsideaindicator"]),
        "foster": _yes_no(c["fosterstatus"]), "homeless": _yes_no(c["homelessstatus"]),
        "language_group": _language_group(c, codes, school_year),
        "participated": pd.Series(np.where(c["includeindicator"].isin(codes.participation_tested), "Y", "N"),
                                  c.index, "string").mask(c["includeindicator"].isin(codes.participation_outside)),
        "source_line": c["source_line"].astype("int64"),
    })
    out["ltel"] = _ltel(starts, codes, school_year, out["ssid"], out["el"])
    out = out[ASSESSMENT_COLUMNS]
    # one record per student and subject, as the district export has it: the first in the file
    return out.sort_values("source_line", kind="stable").drop_duplicates(["ssid", "subject"]).reset_index(drop=True)


def _overlaps(frame: pd.DataFrame, start: str, end: str | None, school_year: str) -> pd.Series:
    spring = dashboard_year(school_year)
    begins, ends = f"{spring - 1}0701", f"{spring}0630"
    within = frame[start].le(ends)
    if end is not None:
        within &= frame[end].isna() | frame[end].ge(begins)
    return within


def _school_cds(frame: pd.DataFrame, by_school: dict[str, str]) -> pd.Series:
    """The 14-digit CDS of each record's school of attendance: the reporting LEA's 7 digits and the
    school's 7, or for an independently reporting charter (both fields the school code) the directory's."""
    charter = frame["reporting_lea"].eq(frame["school_of_attendance"])
    cds = (frame["reporting_lea"] + frame["school_of_attendance"]).astype("string")
    cds[charter] = frame.loc[charter, "school_of_attendance"].map(by_school).astype("string")
    return cds


def attendance_rows(stas: pd.DataFrame, sela: pd.DataFrame | None, sprg: pd.DataFrame | None,
                    directory_cds: list[str], school_year: str, codes: StateCodes,
                    sinf: pd.DataFrame | None = None, senr: pd.DataFrame | None = None,
                    sped: pd.DataFrame | None = None, foster: pd.Series | None = None,
                    starts: pd.Series | None = None) -> pd.DataFrame:
    """``validated_attendance`` rows from the kept STAS records, with grades from SENR and groups
    from SELA, SPRG, SINF and SPED; ``foster``: the SSIDs of the year's foster reports (5.7 and 5.9),
    None when neither was given; ``starts``: :func:`ltel_starts` of SENR, for LTEL."""
    s = stas[stas["exemption"].eq("N") & stas["days_expected"].notna()].copy()
    by_school = {cds[7:]: cds for cds in directory_cds}
    cds = _school_cds(s, by_school)

    def whole(days: pd.Series) -> pd.Series:
        return np.floor(days.fillna(0) + 0.5).astype("int64")

    absent = s[["days_oss", "days_excused", "days_unexcused", "days_is_non_ada"]].fillna(0).sum(axis=1)
    out = pd.DataFrame({
        "ssid": s["ssid"].astype("string"), "cds": cds,
        "days_enrolled": whole(s["days_expected"]), "days_absent": whole(absent),
        "foster": pd.Series(pd.NA, s.index, "string"),
        "source_line": s["source_line"].astype("int64"),
    })
    code = _enrolled_grade(senr, by_school, school_year, out)
    out["grade"] = code.replace(SENR_TO_GRADE).astype("string")
    out["ethnicity"] = _ethnicity(sinf, school_year, codes, out["ssid"])
    out["el"] = _latest_elas(sela, school_year, codes, out["ssid"])
    out["ltel"] = _ltel(starts, codes, school_year, out["ssid"], out["el"])
    out["sed"] = _in_program(sprg, codes.sed_programs, school_year, out["ssid"])
    out["homeless"] = _in_program(sprg, codes.homeless_programs, school_year, out["ssid"])
    out["swd"] = _special_education(sped, codes.swd_plan_types, school_year, out["ssid"])
    out["foster"] = _foster(foster, out["ssid"])
    return out[ATTENDANCE_COLUMNS].reset_index(drop=True)


def _enrolled_grade(senr: pd.DataFrame | None, by_school: dict[str, str], school_year: str,
                    rows: pd.DataFrame) -> pd.Series:
    """Each row's SENR grade level code (1.25) at its school: of the student's SENR records at that
    school overlapping the school year, the most recent (open, else the latest exit date; then
    primary or short-term before others; then the latest start), as CALPADS picks a qualifying
    enrollment. NULL without SENR, or where the student has no such record at that school."""
    if senr is None:
        return pd.Series(pd.NA, rows.index, "string")
    e = senr[_overlaps(senr, "enrollment_start", "enrollment_exit", school_year)]
    e = pd.DataFrame({"ssid": e["ssid"].astype("string"), "cds": _school_cds(e, by_school),
                      "grade": e["grade"].astype("string"),
                      "exit": e["enrollment_exit"].fillna("99999999").astype(str),
                      "primary": e["enrollment_status"].isin(["10", "30"]),
                      "start": e["enrollment_start"].astype(str)})
    latest = e.sort_values(["exit", "primary", "start"], kind="stable").drop_duplicates(["ssid", "cds"], keep="last")
    found = rows[["ssid", "cds"]].merge(latest[["ssid", "cds", "grade"]], on=["ssid", "cds"], how="left")
    return pd.Series(found["grade"].to_numpy(), rows.index, "string")


def _special_education(sped: pd.DataFrame | None, plan_types: tuple[str, ...], school_year: str,
                       ssid: pd.Series) -> pd.Series:
    """Y for a student with a SPED record of a served plan type (IEP, IFSP, ISP) in effect at some time
    in the school year (meeting date on or before 30 June, program exit blank or on or after 1 July),
    N for any other student; NULL without a SPED file."""
    if sped is None:
        return pd.Series(pd.NA, ssid.index, "string")
    exit_ = "program_exit" if "program_exit" in sped else None
    served = sped[sped["plan_type"].isin(plan_types) & _overlaps(sped, "meeting_date", exit_, school_year)]
    return pd.Series(np.where(ssid.isin(set(served["ssid"])), "Y", "N"), ssid.index, "string")


def _foster(listed: pd.Series | None, ssid: pd.Series) -> pd.Series:
    """Y for a student listed (by SSID) in the year's Report 5.7 or 5.9 export, N for any other student
    when at least one of them was given; NULL when neither was."""
    if listed is None:
        return pd.Series(pd.NA, ssid.index, "string")
    return pd.Series(np.where(ssid.isin(set(listed.astype(str))), "Y", "N"), ssid.index, "string")


FOSTER_SOURCES = ("calpads_foster_enrolled", "calpads_foster_former")


def _foster_ssids(con, school_year: str) -> pd.Series | None:
    """The SSIDs of the year's foster reports (5.7 and 5.9), empty when a report given lists nobody;
    None when neither was given."""
    given = [source for source in FOSTER_SOURCES if provided(con, source, school_year)]
    if not given:
        return None
    frames = [_year_rows(con, f"validated_{source}", school_year) for source in given]
    return pd.concat([f["ssid"].astype(str) for f in frames if f is not None] or [pd.Series([], dtype=str)],
                     ignore_index=True)


def _latest_elas(sela: pd.DataFrame | None, school_year: str, codes: StateCodes, ssid: pd.Series) -> pd.Series:
    if sela is None or sela.empty:
        return pd.Series(pd.NA, ssid.index, "string")
    started = sela[_overlaps(sela, "elas_start_date", None, school_year)]
    latest = started.sort_values("elas_start_date", kind="stable").drop_duplicates("ssid", keep="last")
    status = latest.set_index("ssid")["elas"].isin(codes.english_learner_status).map({True: "Y", False: "N"})
    return ssid.map(status).astype("string")


def _ethnicity(sinf: pd.DataFrame | None, school_year: str, codes: StateCodes, ssid: pd.Series) -> pd.Series:
    """Each student's ethnicity group from their latest SINF record in effect by the end of the year."""
    if sinf is None or sinf.empty:
        return pd.Series(pd.NA, ssid.index, "string")
    started = sinf[_overlaps(sinf, "effective_start", None, school_year)]
    latest = started.sort_values("effective_start", kind="stable").drop_duplicates("ssid", keep="last")
    races = latest[["race1", "race2", "race3", "race4", "race5"]].astype("string")
    groups = races.apply(lambda column: column.map(codes.sinf_race_groups).astype("string"))
    first = groups["race1"]
    for column in ["race2", "race3", "race4", "race5"]:
        first = first.fillna(groups[column])
    several = groups.nunique(axis=1).gt(1)
    code = pd.Series(np.where(several, "800", first.fillna("").to_numpy()), latest.index).replace("", pd.NA)
    code = code.mask(latest["hispanic"].eq("Y").fillna(False).astype(bool), "500")
    group = code.map(codes.reporting_ethnicity).astype("string")
    return ssid.map(pd.Series(group.to_numpy(), latest["ssid"].astype("string").to_numpy())).astype("string")


def _in_program(sprg: pd.DataFrame | None, programs: tuple[str, ...], school_year: str, ssid: pd.Series) -> pd.Series:
    if sprg is None:
        return pd.Series(pd.NA, ssid.index, "string")
    member = sprg[sprg["program"].isin(programs) & _overlaps(sprg, "membership_start", "membership_end", school_year)]
    return pd.Series(np.where(ssid.isin(set(member["ssid"])), "Y", "N"), ssid.index, "string")


def _year_rows(con, table: str, school_year: str) -> pd.DataFrame | None:
    if not warehouse.table_exists(con, table):
        return None
    frame = warehouse.read_table(con, table, {"school_year": school_year})
    return frame if len(frame) else None


def provided(con, source: str, school_year: str) -> bool:
    """Whether ``source``'s file was provided for ``school_year``, as the last ingest recorded it."""
    row = warehouse.one(con, "SELECT provided FROM ingest_files WHERE school_year = ? AND source = ?",
                        [school_year, source]) if warehouse.table_exists(con, "ingest_files") else None
    return bool(row and row[0])


def provided_sources(warehouse_path: Path | str, school_year: str, sources) -> dict[str, bool]:
    """Whether each of ``sources`` was provided for ``school_year``, as the last ingest recorded it."""
    if not Path(warehouse_path).exists():
        return {source: False for source in sources}
    with warehouse.connect(warehouse_path) as con:
        return {source: provided(con, source, school_year) for source in sources}


def load_state_tables(warehouse_path: Path | str, school_year: str,
                      config_dir: str | Path = CONFIG_DIR) -> dict[str, str]:
    """Fill ``validated_assessment`` / ``validated_attendance`` of ``school_year`` from the state's
    files when the district's own file was not provided; returns, per table, what was done in words."""
    codes = load_codes(config_dir)
    done = {}
    with warehouse.connect(warehouse_path) as con:
        caaspp = _year_rows(con, "validated_caaspp", school_year)
        senr = _year_rows(con, "validated_calpads_senr", school_year)
        starts = ltel_starts(senr)  # once for both tables
        if caaspp is not None:
            if provided(con, "assessment", school_year):
                done["validated_assessment"] = "the district's assessment.csv is used; the CAASPP file is not loaded"
            else:
                rows = assessment_rows(caaspp, codes, school_year, starts)
                warehouse.replace_rows(con, "validated_assessment", rows, {"school_year": school_year})
                done["validated_assessment"] = f"{len(rows)} rows from the CAASPP Student Score Data File"
        stas = _year_rows(con, "validated_calpads_stas", school_year)
        if stas is not None:
            if provided(con, "attendance", school_year):
                done["validated_attendance"] = "the district's attendance.csv is used; the STAS extract is not loaded"
            else:
                directory = _year_rows(con, "validated_directory", school_year)  # stored under the run's year
                directory_cds = [] if directory is None else directory["cds"].astype(str).tolist()
                rows = attendance_rows(stas, _year_rows(con, "validated_calpads_sela", school_year),
                                       _year_rows(con, "validated_calpads_sprg", school_year), directory_cds,
                                       school_year, codes, _year_rows(con, "validated_calpads_sinf", school_year),
                                       senr, _year_rows(con, "validated_calpads_sped", school_year),
                                       _foster_ssids(con, school_year), starts)
                warehouse.replace_rows(con, "validated_attendance", rows, {"school_year": school_year})
                done["validated_attendance"] = f"{len(rows)} rows from the CALPADS STAS extract" + (
                    "" if senr is None else f", with SENR's grade (the Dashboard's chronic absenteeism counts "
                    f"grades {', '.join(codes.chronic_grades)}; attendance rates every grade), "
                    f"{int(rows['grade'].isna().sum())} without a SENR enrollment at their school in the year "
                    "(grade unknown, counted)")
        if senr is not None:
            done["long-term English learners"] = (
                "not computed: the enrollment extract of the year has no Provisional LTEL Start Date (field 45 of "
                "CALPADS's Cumulative Enrollment Extract)" if starts is None else
                f"{int(starts.le(codes.ltel_date(school_year)).sum())} students with a Provisional LTEL Start Date "
                f"on or before {codes.ltel_date(school_year)} (LTEL when an English learner)")
    return done
