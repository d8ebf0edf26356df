"""Contracts of the California School Dashboard research files (``{indicator}download{YYYY}.txt``).

Column names are CDE's, lower-cased by the reader. Files from the 2022 Dashboard are status-only,
so every prior-year, change and colour column is optional. ``*`` privacy marks are turned into
blanks by the reader, which records them in ``suppressed_columns``.
"""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas.district import CDS

GROUPS = [
    "ALL", "AA", "AI", "AS", "FI", "HI", "PI", "WH", "MR", "EL", "LTEL", "ELO", "RFP", "EO",
    "SED", "SWD", "FOS", "HOM", "SBA", "CAA",
]
Text = Series[pd.StringDtype]
Int = Series[pd.Int64Dtype]
Num = Series[float]
YN = ["Y", "N"]
SUSPENSION_TYPES = ["ES", "MS", "HS", "ED", "HD", "UD"]


def opt(**kw) -> object:
    """A column that older layouts (2022 status-only files) may not have."""
    return pa.Field(nullable=True, required=False, **kw)


class DashboardCommon(pa.DataFrameModel):
    """Leading columns shared by every Dashboard research file."""

    cds: Text = pa.Field(str_matches=CDS, description="14 digits; re-exports that lost leading zeros are padded")
    rtype: Text = pa.Field(isin=["S", "D", "X"], description="S school, D district (LEA), X state")
    schoolname: Text = pa.Field(nullable=True)
    districtname: Text = pa.Field(nullable=True)
    countyname: Text = pa.Field(nullable=True)
    charter_flag: Text = opt(isin=YN)
    coe_flag: Text = opt(isin=YN)
    dass_flag: Text = opt(isin=YN)
    studentgroup: Text = pa.Field(isin=GROUPS, description="CDE code; labels such as 'English Learner' are mapped")
    indicator: Text = opt(description="indicator code as CDE writes it, e.g. ELPI")
    reportingyear: Int = pa.Field(ge=2017, le=2100, description="Dashboard year, 2024 for 2023-24")
    statuslevel: Int = opt(isin=[0, 1, 2, 3, 4, 5])
    changelevel: Int = opt(isin=[0, 1, 2, 3, 4, 5])
    color: Int = opt(isin=[0, 1, 2, 3, 4, 5], description="0 none, 1 Red, 2 Orange, 3 Yellow, 4 Green, 5 Blue")
    box: Int = opt(ge=0, le=250)
    currnsizemet: Text = opt(isin=YN)
    priornsizemet: Text = opt(isin=YN)
    accountabilitymet: Text = opt(isin=YN)
    suppressed_columns: Text = opt(description="columns that held a '*' privacy mark in this row")

    class Config:
        coerce = True
        strict = False
        unique = ["cds", "studentgroup"]


class RateIndicator(DashboardCommon):
    """Chronic absenteeism, suspension, graduation, college/career and ELPI files: counts and a percentage."""

    currnumer: Int = opt(ge=0)
    currdenom: Int = opt(ge=0)
    currstatus: Num = opt(ge=0, le=100)
    priornumer: Int = opt(ge=0)
    priordenom: Int = opt(ge=0)
    priorstatus: Num = opt(ge=0, le=100)
    change: Num = opt(ge=-100, le=100)
    smalldenom: Text = opt(isin=YN, description="Y: fewer than 150 students, the 3x5 grid applies; 'safetynet' in 2019 files")
    type: Text = opt(isin=SUSPENSION_TYPES,
                     description="suspension files: ES, MS, HS school or ED, HD, UD district; picks the cut set")

    @pa.dataframe_check(description="numerator must not exceed denominator")
    def numer_within_denom(cls, df: pd.DataFrame) -> Series[bool]:
        ok = pd.Series(True, index=df.index)
        for p in ("curr", "prior"):
            if f"{p}numer" in df and f"{p}denom" in df:
                ok &= (df[f"{p}numer"] <= df[f"{p}denom"]).fillna(True)
        return ok


class ElpiIndicator(RateIndicator):
    """English Learner Progress Indicator: progress counts of EL students."""

    currprogressed: Int = opt(ge=0)
    currmaintainpl4: Int = opt(ge=0)
    currmaintainoth: Int = opt(ge=0)
    currdeclined: Int = opt(ge=0)
    currprogressed_alternate: Int = opt(ge=0)
    currmaintainpl3_alternate: Int = opt(ge=0)
    currnotprognotmain_alternate: Int = opt(ge=0)
    curr95: Int = opt(ge=0)
    priorprogressed: Int = opt(ge=0)
    priormaintainpl4: Int = opt(ge=0)
    priormaintainoth: Int = opt(ge=0)
    priordeclined: Int = opt(ge=0)
    priorprogressed_alternate: Int = opt(ge=0)
    priormaintainpl3_alternate: Int = opt(ge=0)
    priornotprognotmain_alternate: Int = opt(ge=0)
    prior95: Int = opt(ge=0)
    flag95pct: Text = opt(isin=YN, description="2022 files: Y where fewer than 95 % of English learners were "
                                               "tested; CDE's status level then follows a rule the file cannot show")


class AcademicIndicator(DashboardCommon):
    """ELA and mathematics: Distance From Standard (DFS) in scale-score points."""

    currdenom: Int = opt(ge=0)
    currstatus: Num = opt(ge=-500, le=500)
    priordenom: Int = opt(ge=0)
    priorstatus: Num = opt(ge=-500, le=500)
    change: Num = opt(ge=-500, le=500)
    hscutpoints: Text = opt(isin=YN, description="Y when the grade-11 cut points apply; absent in 2018 files")
    currprate: Num = opt(ge=0, le=100)
    priorprate: Num = opt(ge=0, le=100)


class GrowthIndicator(DashboardCommon):
    """Student Growth Model results (2025 Dashboard on): average residual gain per subject."""

    subject: Text = pa.Field(isin=["ELA", "MATH"], description="ELA or MATH")
    denom: Int = opt(ge=0, description="students with a growth score")
    status: Num = opt(ge=-500, le=500, description="average residual gain in scale-score points")
    estimate: Text = opt(isin=["Weighted Average", "Simple Average"],
                         description="Weighted (empirical best linear prediction) or Simple average")
    performancecategory: Text = opt()
    numberimprove: Int = opt(ge=0)
    percentimprove: Num = opt(ge=0, le=100)

    class Config:
        coerce = True
        strict = False
        unique = ["cds", "studentgroup", "subject"]


# Other spellings seen in published files and re-exports -> the names above.
COLUMN_ALIASES = {
    "safetynet": "smalldenom",
    "reporting_year": "reportingyear",
    "student_group": "studentgroup",
    "school_name": "schoolname",
}
