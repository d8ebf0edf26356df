"""Contracts of the two public files CDE publishes for every school, read as published.

- ``pubschls.txt``, the Public Schools and Districts file: CDE, "File Structure: Public Schools and
  Districts" (cde.ca.gov/ds/si/ds/fspubschls.asp, 2024) and "Changes to the Public Schools File"
  (cde.ca.gov/ds/si/ds/pubschchanges.asp: tab-delimited since January 2012; AdmFName1, AdmLName1 and
  AdmEmail1 added November 2011 and renamed AdmFName, AdmLName and AdmEmail in July 2020).
- ``cdenroll<yy><yy>.txt``, Census Day Enrollment: CDE, "File Structure: Census Day Enrollment Data"
  (cde.ca.gov/ds/ad/fsenrcensus.asp, 2024): Academic Year, Aggregate Level (T, C, D, S), County,
  District and School Code, names, Charter, Reporting Category, total and one column per grade;
  ``*`` where CDE suppressed a count of 10 or fewer.

Only the columns the pipeline reads are listed; the others are ignored (and listed as such). The
rows that pass become the directory and enrollment of the pipeline's own contracts
(:mod:`schemas.district`) through ``pipeline/mapping/``.
"""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

Text = Series[pd.StringDtype]

STATUS_TYPES = ["Active", "Closed", "Merged", "Pending"]
EIL_CODES = ["A", "ELEM", "ELEMHIGH", "HS", "INTMIDJR", "PS", "UG"]
# GSserved/GSoffered: "K-5", "TK-8", "9-12", "P-Adult", or one grade; "Ungraded"
GRADE_SPAN = r"^(?:(?:P|TK|K|\d{1,2}|Adult)(?:-(?:P|TK|K|\d{1,2}|Adult))?|Ungraded)$"
AGGREGATE_LEVELS = ["T", "C", "D", "S"]


def _config(key: list[str]) -> type:
    class Config:
        coerce = True
        strict = False
        unique = key

    return Config


class PublicSchools(pa.DataFrameModel):
    """CDE's Public Schools and Districts file (`<raw>/pubschls.txt`), the district's schools only.

    "No Data" is CDE's blank. Closed and merged schools, the district's own record (CDS ending
    0000000) and other districts' schools are left out before these checks.
    """

    cdscode: Text = pa.Field(str_matches=r"^\d{14}$", description="14-digit County-District-School code")
    statustype: Text = pa.Field(isin=STATUS_TYPES)
    county: Text
    district: Text
    school: Text = pa.Field(str_length={"min_value": 1, "max_value": 120})
    street: Text = pa.Field(required=False, nullable=True)
    city: Text = pa.Field(required=False, nullable=True)
    zip: Text = pa.Field(required=False, nullable=True, str_matches=r"^\d{5}(-?\d{4})?$")
    charter: Text = pa.Field(required=False, isin=["Y", "N", "1", "0"], nullable=True, description="Y/N (older copies 1/0)")
    eilcode: Text = pa.Field(isin=EIL_CODES, description="educational instruction level: gives the school type")
    gsoffered: Text = pa.Field(nullable=True, str_matches=GRADE_SPAN, required=False)
    gsserved: Text = pa.Field(nullable=True, str_matches=GRADE_SPAN,
                              description="grade span served (certified Fall 1); GSoffered when blank")
    admfname: Text = pa.Field(required=False, nullable=True, description="principal's first name (AdmFName1 before July 2020)")
    admlname: Text = pa.Field(required=False, nullable=True, description="principal's last name (AdmLName1 before July 2020)")
    admemail: Text = pa.Field(required=False, nullable=True, description="principal's e-mail (AdmEmail1 before July 2020)")

    Config = _config(["cdscode"])


class CensusEnrollment(pa.DataFrameModel):
    """CDE's Census Day Enrollment file (`<raw>/<year>/cdenroll<yy><yy>.txt`), the district's schools only.

    School rows (Aggregate Level S) of the district's schools are checked; the state, county and
    district rows are left out before these checks.
    """

    academicyear: Text = pa.Field(str_matches=r"^\d{4}-\d{2}$", description="e.g. 2023-24")
    aggregatelevel: Text = pa.Field(isin=AGGREGATE_LEVELS)
    countycode: Text = pa.Field(str_matches=r"^\d{2}$")
    districtcode: Text = pa.Field(str_matches=r"^\d{5}$")
    schoolcode: Text = pa.Field(str_matches=r"^\d{7}$")
    charter: Text = pa.Field(nullable=True, required=False, isin=["All", "Y", "N"])
    reportingcategory: Text = pa.Field(str_matches=r"^[A-Z]{2,4}(_[A-Z0-9]+)?$", description="TA, RE_H, SG_EL, ELAS_RFEP, ...")
    total_enr: Text = pa.Field(str_matches=r"^(\d+|\*)$", description="census-day count; * where CDE suppressed it")

    Config = _config(["countycode", "districtcode", "schoolcode", "charter", "reportingcategory"])
