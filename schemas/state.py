"""Contracts of the state's student-level files, as the reader gives them: only the fields the
pipeline needs (every other field, names, birth dates and addresses among them, is dropped as the
file is read: ``pipeline/readers/state.py``).

- CAASPP and ELPAC Student Score Data Files (TOMS, caret-delimited with a header row): columns are
  the layout's header names in lower case; other years' spellings are mapped to these names by
  the reader.
- CALPADS extracts (caret-delimited, no header): fields are taken by their number in the CALPADS
  File Specifications and named here.

Which layout documents (year, version) these follow is said in ``pipeline/readers/state.py`` and
``docs/inputs.md``.
"""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

CDS = r"^\d{14}$"
SSID = r"^\d{10}$"
CODE7 = r"^\d{7}$"
CCYYMMDD = r"^\d{8}$"
YES_NO = ["Yes", "No"]
YN = ["Y", "N"]
ELAS = ["EO", "EL", "IFEP", "RFEP", "TBD", "ADEL"]
REPORTING_ETHNICITY = ["100", "200", "300", "400", "500", "600", "700", "800"]
TESTED_GRADES = ["03", "04", "05", "06", "07", "08", "09", "10", "11", "12"]
ELPAC_GRADES = ["KN"] + [f"{g:02d}" for g in range(1, 13)]

Text = Series[pd.StringDtype]
Int = Series[pd.Int64Dtype]
Float = Series[float]


def _config(key: list[str]) -> type:
    class Config:
        coerce = True
        strict = False
        unique = key

    return Config


def _ssid() -> Text:
    return pa.Field(str_matches=SSID, description="statewide student id; never leaves the warehouse",
                    metadata={"identifier": True})


def _flag(what: str) -> Text:
    return pa.Field(isin=YES_NO, nullable=True, description=what)


class CaasppStudentScore(pa.DataFrameModel):
    """CAASPP Student Score Data File (TOMS), caret-delimited: one record per student and test."""

    recordtype: Text = pa.Field(
        isin=["01", "02", "03", "04", "05", "06", "07", "08", "09"],
        description="01 SB ELA, 02 SB math, 03 CAA ELA, 04 CAA math; science and others are read and not scored")
    ssid: Text = _ssid()
    gradeassessed: Text = pa.Field(isin=TESTED_GRADES, description="grade assessed, 03-12")
    calpadsschoolcode: Text = pa.Field(str_matches=CDS, description="CALPADS school of enrollment (14-digit CDS)")
    includeindicator: Text = pa.Field(
        isin=["Y", "N", "E", "T", "R"],
        description="Y counts; N not tested; E EL in a US school < 12 months (ELA); T below the "
                    "scoring threshold; R invalidated")
    scalescore: Int = pa.Field(nullable=True, ge=100, le=3000, description="SB 2000-3000, CAA 300-999")
    achievementlevels: Text = pa.Field(nullable=True, isin=["1", "2", "3", "4", "9"])
    conditioncode: Text = pa.Field(nullable=True, str_length={"min_value": 1, "max_value": 8})
    attemptedness: Text = pa.Field(nullable=True, isin=["N", "P", "Y"])
    elas: Text = pa.Field(nullable=True, isin=ELAS, description="English language acquisition status")
    rfepdate: Text = pa.Field(nullable=True, required=False, str_matches=r"^\d{4}-\d{2}-\d{2}$",
                              description="date reclassified fluent English proficient, YYYY-MM-DD")
    economicdisadvantagestatus: Text = _flag("CALPADS economic disadvantage")
    calpadsideaindicator: Text = _flag("special education (CALPADSSpecialEducation from 2023-24)")
    fosterstatus: Text = _flag("foster youth (CALPADSFosterStatus from 2024-25)")
    homelessstatus: Text = _flag("homeless (CALPADSHomelessStatus from 2024-25)")
    reportingethnicity: Text = pa.Field(
        isin=REPORTING_ETHNICITY, nullable=True,
        description="500 Hispanic; 100, 200, 300, 400, 600, 700 one race; 800 two or more or none "
                    "(EthnicityforTesting from 2024-25)")

    Config = _config(["ssid", "recordtype"])


class ElpacStudentScore(pa.DataFrameModel):
    """Summative ELPAC Student Score Data File (TOMS), caret-delimited: one record per student."""

    recordtype: Text = pa.Field(isin=["21", "23"], description="21 Summative ELPAC; 23 Summative Alternate ELPAC")
    ssid: Text = _ssid()
    gradeassessed: Text = pa.Field(isin=ELPAC_GRADES, description="KN, 01-12 (a dropped leading zero is restored)")
    calpadsschoolcode: Text = pa.Field(str_matches=CDS, nullable=True,
                                       description="14-digit CDS; blank in the district's dummy example")
    includeindicator: Text = pa.Field(isin=["Y", "T", "N"], nullable=True)
    conditioncode: Text = pa.Field(nullable=True, str_length={"min_value": 1, "max_value": 8})
    attemptedness: Text = pa.Field(nullable=True, isin=["N", "P", "Y"])
    elasfortesting: Text = pa.Field(nullable=True, isin=ELAS, description="ELAS locked at the first test")
    overallscalescore: Int = pa.Field(nullable=True, ge=150, le=1950,
                                      description="Summative 1150-1950; Alternate 201-899")
    overallpl: Text = pa.Field(nullable=True, isin=["1", "2", "3", "4", "NS"])
    gradeassessedminus1: Text = pa.Field(nullable=True, required=False, str_length={"min_value": 1, "max_value": 2})
    overallscalescoreminus1: Int = pa.Field(nullable=True, required=False, ge=150, le=1950)
    overallplminus1: Text = pa.Field(nullable=True, required=False, isin=["1", "2", "3", "4", "NS"])

    Config = _config(["ssid", "recordtype"])


class _CalpadsRecord(pa.DataFrameModel):
    reporting_lea: Text = pa.Field(str_matches=CODE7, description="7-digit county-district code (a charter: its school code)")
    school_of_attendance: Text = pa.Field(str_matches=CODE7, description="7-digit school code")
    academic_year: Text = pa.Field(str_matches=r"^\d{4}-\d{4}$", description="e.g. 2023-2024")
    ssid: Text = _ssid()


_DAYS = {"nullable": True, "ge": 0, "le": 366}


class CalpadsStas(_CalpadsRecord):
    """CALPADS Student Absence Summary (STAS), fields 13.01-13.24: one record per student and school."""

    record_type: Text = pa.Field(isin=["STAS", "STAS-R"], description="13.01")
    exemption: Text = pa.Field(isin=YN, description="13.13 absence-summary collection exemption")
    hourly: Text = pa.Field(isin=YN, description="13.14 hourly attendance school")
    days_expected: Float = pa.Field(**_DAYS, description="13.15 expected attendance days")
    days_attended: Float = pa.Field(**_DAYS, description="13.16 days attended (in person)")
    days_oss: Float = pa.Field(**_DAYS, description="13.17 days absent, out-of-school suspension")
    days_iss: Float = pa.Field(**_DAYS, description="13.18 days in attendance, in-school suspension")
    days_excused: Float = pa.Field(**_DAYS, description="13.19 days absent, excused")
    days_unexcused: Float = pa.Field(**_DAYS, description="13.20 days absent, unexcused")
    days_is_non_ada: Float = pa.Field(**_DAYS, description="13.21 non-ADA-generating independent study days")
    days_is_ada: Float = pa.Field(**_DAYS, required=False, description="13.22 ADA-generating independent study days (from 2021-22)")
    days_recovery: Float = pa.Field(nullable=True, ge=0, le=10, required=False,
                                    description="13.24 attendance recovery days (from 2025-26)")

    Config = _config(["ssid", "school_of_attendance"])

    @pa.dataframe_check(description="days absent (13.17 + 13.19 + 13.20 + 13.21) must not exceed expected days (13.15)")
    def absences_within_expected(cls, df: pd.DataFrame) -> Series[bool]:
        absent = df[["days_oss", "days_excused", "days_unexcused", "days_is_non_ada"]].fillna(0).sum(axis=1)
        return (absent <= df["days_expected"] + 1e-9).fillna(True)


class CalpadsSela(_CalpadsRecord):
    """CALPADS Student English Language Acquisition (SELA), fields 12.01-12.15: one record per status."""

    record_type: Text = pa.Field(isin=["SELA", "SELA-R"], description="12.01")
    elas: Text = pa.Field(isin=ELAS[:-1], description="12.13 English language acquisition status")
    elas_start_date: Text = pa.Field(str_matches=CCYYMMDD, description="12.14 status start date, CCYYMMDD")

    Config = _config(["ssid", "elas_start_date"])


class CalpadsSprg(_CalpadsRecord):
    """CALPADS Student Program (SPRG), fields 3.01-3.16: one record per program membership."""

    record_type: Text = pa.Field(isin=["SPRG", "SPRG-R"], description="3.01")
    program: Text = pa.Field(str_matches=r"^\d{3}$", description="3.13 education program code")
    membership_start: Text = pa.Field(str_matches=CCYYMMDD, description="3.15 membership start date, CCYYMMDD")
    membership_end: Text = pa.Field(str_matches=CCYYMMDD, nullable=True, description="3.16 membership end date")

    Config = _config(["ssid", "school_of_attendance", "program", "membership_start"])


RACE_CODE = r"^\d{3}$"


def _race(number: str) -> Text:
    return pa.Field(str_matches=RACE_CODE, nullable=True,
                    description=f"{number} three-digit CALPADS race code (100, 201-208, 299, 301-304, 399, 400, 600, 700)")


class CalpadsSinf(_CalpadsRecord):
    """CALPADS Student Information (SINF), fields 2.01-2.30 kept of the record: one record per student
    and effective date. Names, birth date, birth place, address and parents' fields are never read."""

    record_type: Text = pa.Field(isin=["SINF", "SINF-R"], description="2.01")
    effective_start: Text = pa.Field(str_matches=CCYYMMDD, description="2.04 effective start date, CCYYMMDD")
    effective_end: Text = pa.Field(str_matches=CCYYMMDD, nullable=True, description="2.05 effective end date")
    academic_year: Text = pa.Field(str_matches=r"^\d{4}-\d{4}$", nullable=True, required=False,
                                   description="2.08 academic year, when the extract carries it")
    hispanic: Text = pa.Field(isin=YN, nullable=True, description="2.23 Hispanic ethnicity indicator")
    ethnicity_missing: Text = pa.Field(isin=YN, nullable=True, description="2.24 ethnicity left blank on purpose")
    race1: Text = _race("2.25")
    race2: Text = _race("2.26")
    race3: Text = _race("2.27")
    race4: Text = _race("2.28")
    race5: Text = _race("2.29")
    race_missing: Text = pa.Field(isin=YN, nullable=True, description="2.30 race left blank on purpose")

    Config = _config(["ssid", "effective_start"])

    @pa.dataframe_check(description="2.23 and 2.24 agree: an ethnicity given is not also marked missing (SINF0045)")
    def ethnicity_consistent(cls, df: pd.DataFrame) -> Series[bool]:
        return ~(df["hispanic"].notna() & df["ethnicity_missing"].eq("Y")).fillna(False).astype(bool)

    @pa.dataframe_check(description="2.25-2.29 and 2.30 agree: a race given is not also marked missing (SINF0046)")
    def race_consistent(cls, df: pd.DataFrame) -> Series[bool]:
        given = df[["race1", "race2", "race3", "race4", "race5"]].notna().any(axis=1)
        return ~(given & df["race_missing"].eq("Y")).fillna(False).astype(bool)


SENR_GRADES = ["IN", "TD", "PS", "TK", "KN", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12",
               "UE", "US", "AD"]


class CalpadsSenr(_CalpadsRecord):
    """CALPADS Student Enrollment (SENR), fields 1.01-1.35 kept of the record, or CALPADS's Cumulative
    Enrollment Extract (CENR: SENR's 35 fields, then others, field 45 the Provisional LTEL Start
    Date): one record per student, school and enrollment spell. Names, birth date and birth place
    are never read."""

    record_type: Text = pa.Field(isin=["SENR", "SENR-R", "CENR-R", "SENRCENR-R", "SENR-CENR-R", "SENR CENR-R"],
                                 description="1.01 (the Cumulative Enrollment Extract appends CENR-R)")
    enrollment_start: Text = pa.Field(str_matches=CCYYMMDD, description="1.23 enrollment start date, CCYYMMDD")
    enrollment_status: Text = pa.Field(
        isin=["10", "20", "30", "50"],
        description="1.24 enrollment status: 10 primary, 20 secondary, 30 short-term, 50 non-ADA")
    grade: Text = pa.Field(isin=SENR_GRADES, description="1.25 grade level code (TK from 2023-24; KN, 01-12, ...)")
    enrollment_exit: Text = pa.Field(str_matches=CCYYMMDD, nullable=True,
                                     description="1.26 enrollment exit date, CCYYMMDD; blank while enrolled")
    provisional_ltel_start: Text = pa.Field(
        str_matches=CCYYMMDD, nullable=True, required=False,
        description="Cumulative Enrollment Extract field 45, Provisional LTEL Start Date (from April 2025), "
                    "CCYYMMDD: the day the student becomes or would become a long-term English learner (EC 52052)")

    Config = _config(["ssid", "school_of_attendance", "enrollment_start", "enrollment_status"])

    @pa.dataframe_check(description="the exit date (1.26) is not before the start date (1.23)")
    def exit_after_start(cls, df: pd.DataFrame) -> Series[bool]:
        return ~(df["enrollment_exit"] < df["enrollment_start"]).fillna(False).astype(bool)


class CalpadsSped(_CalpadsRecord):
    """CALPADS Special Education (SPED), file 14, fields kept of the record: one record per student
    and education plan meeting or amendment. Names and birth date are never read."""

    record_type: Text = pa.Field(isin=["SPED", "SPED-R"], description="14.01")
    meeting_date: Text = pa.Field(str_matches=CCYYMMDD, description="14.21 special education meeting date, CCYYMMDD")
    plan_type: Text = pa.Field(str_matches=r"^\d{3}$",
                               description="14.24 education plan type: 100 IEP, 150 IFSP, 200 ISP, others not served")
    program_exit: Text = pa.Field(str_matches=CCYYMMDD, nullable=True, required=False,
                                  description="14.46 special education program exit date, CCYYMMDD")

    Config = _config(["ssid", "reporting_lea", "meeting_date", "plan_type"])


class CalpadsFosterReport(pa.DataFrameModel):
    """CALPADS ODS Report 5.7 "Foster Youth Enrolled - Student List" or Report 5.9 "Former Foster Youth -
    Student List", exported as CSV: one line per student and school, read by column number (the
    report's title, headings and totals are skipped and counted by the reader). Only the school code
    and the SSID are kept; names, local ID, birth date and gender are never read."""

    school_code: Text = pa.Field(str_matches=CODE7, description="7-digit school code (report column 1)")
    ssid: Text = _ssid()

    class Config:
        coerce = True
        strict = False
