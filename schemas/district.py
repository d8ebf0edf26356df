"""Contracts of the district's own exports (directory, enrollment, assessment, attendance, survey, community)."""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

CDS = r"^\d{14}$"
SCHOOL_YEAR = r"^\d{4}-\d{2}$"
YN = ["Y", "N"]
ETHNICITY = ["AA", "AI", "AS", "FI", "HI", "PI", "WH", "MR"]
GRADES = ["TK", "K"] + [str(g) for g in range(1, 13)]
GROUPS = ["ALL", *ETHNICITY, "EL", "LTEL", "RFP", "EO", "SED", "SWD", "FOS", "HOM"]
RESPONDENTS = ["student", "parent", "staff"]

Text = Series[pd.StringDtype]
Int = Series[pd.Int64Dtype]


def _config(key: list[str]) -> type:
    class Config:
        coerce = True
        strict = False
        unique = key

    return Config


class Directory(pa.DataFrameModel):
    """School directory (`<raw>/directory.csv`): one row per school."""

    cds: Text = pa.Field(str_matches=CDS, description="14-digit County-District-School code")
    school_name: Text = pa.Field(
        str_length={"min_value": 1, "max_value": 120},
        description="one line; a longer name is cut to 120 characters when read, and the school keeps its row")
    district_name: Text
    county_name: Text
    school_type: Text = pa.Field(isin=["ES", "MS", "HS", "K8", "K12"], description="ES, MS, HS, K8 or K12")
    low_grade: Text = pa.Field(isin=GRADES)
    high_grade: Text = pa.Field(isin=GRADES)
    charter: Text = pa.Field(isin=YN)
    principal_name: Text = pa.Field(
        nullable=True, description="greets the principal; one over 120 characters is not used (the school keeps its row)")
    principal_email: Text = pa.Field(
        nullable=True,
        description="where the scorecard is e-mailed: one plain address. Anything else (a line break, a list, "
                    "a typo) is that field's problem, not the school's: the school keeps its row and scorecard "
                    "and is listed as having no valid address, with the reason",
    )
    languages: Text = pa.Field(
        str_matches=r"^[a-z]{2}(;[a-z]{2})*$", description="scorecard languages, e.g. en;es"
    )
    address: Text = pa.Field(nullable=True)
    city: Text = pa.Field(nullable=True)
    zip: Text = pa.Field(nullable=True, str_matches=r"^\d{5}(-\d{4})?$")

    Config = _config(["cds"])


class SurveyCodebook(pa.DataFrameModel):
    """Survey item codebook (`<raw>/survey_codebook.csv`): one row per item."""

    item_id: Text = pa.Field(str_matches=r"^[A-Za-z][A-Za-z0-9_]{0,31}$")
    respondent_group: Text = pa.Field(isin=RESPONDENTS)
    domain: Text
    domain_es: Text = pa.Field(nullable=True)
    item_text_en: Text
    item_text_es: Text = pa.Field(nullable=True)
    reverse_coded: Text = pa.Field(isin=YN, description="Y when agreeing is unfavourable")
    scale_points: Int = pa.Field(isin=[4, 5])

    Config = _config(["item_id"])


class Enrollment(pa.DataFrameModel):
    """Census-day enrollment by school and student group (`<raw>/<year>/enrollment.csv`)."""

    school_year: Text = pa.Field(str_matches=SCHOOL_YEAR)
    cds: Text = pa.Field(str_matches=CDS)
    student_group: Text = pa.Field(isin=GROUPS)
    enrollment: Int = pa.Field(ge=0, le=20000)

    Config = _config(["cds", "student_group"])


class _StudentFlags(pa.DataFrameModel):
    ethnicity: Text = pa.Field(isin=ETHNICITY, nullable=True)
    el: Text = pa.Field(isin=YN)
    ltel: Text = pa.Field(isin=YN)
    sed: Text = pa.Field(isin=YN)
    swd: Text = pa.Field(isin=YN)
    foster: Text = pa.Field(isin=YN)
    homeless: Text = pa.Field(isin=YN)


class Assessment(_StudentFlags):
    """Student-level Smarter Balanced results (`<raw>/<year>/assessment.csv`): one row per student and subject."""

    school_year: Text = pa.Field(str_matches=SCHOOL_YEAR)
    ssid: Text = pa.Field(
        str_matches=r"^\d{10}$", description="statewide student id; never leaves the warehouse",
        metadata={"identifier": True},
    )
    cds: Text = pa.Field(str_matches=CDS)
    grade: Int = pa.Field(isin=[3, 4, 5, 6, 7, 8, 11])
    subject: Text = pa.Field(isin=["ELA", "MATH"])
    test_type: Text = pa.Field(isin=["SBA", "CAA"])
    scale_score: Int = pa.Field(nullable=True, ge=1000, le=3000, description="blank when not tested")

    Config = _config(["ssid", "subject"])


class Attendance(_StudentFlags):
    """Student-level attendance (`<raw>/<year>/attendance.csv`): one row per student and school."""

    school_year: Text = pa.Field(str_matches=SCHOOL_YEAR)
    ssid: Text = pa.Field(str_matches=r"^\d{10}$", metadata={"identifier": True})
    cds: Text = pa.Field(str_matches=CDS)
    grade: Text = pa.Field(isin=GRADES)
    days_enrolled: Int = pa.Field(ge=1, le=366)
    days_absent: Int = pa.Field(ge=0, le=366)

    Config = _config(["ssid", "cds"])

    @pa.dataframe_check(description="days_absent must not exceed days_enrolled")
    def absent_within_enrolled(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["days_absent"] <= df["days_enrolled"]).fillna(True)


class SurveyResponses(pa.DataFrameModel):
    """Respondent-level climate survey (`<raw>/<year>/survey_responses.csv`), one column per item."""

    school_year: Text = pa.Field(str_matches=SCHOOL_YEAR)
    response_id: Text = pa.Field(str_length={"min_value": 1, "max_value": 40}, metadata={"identifier": True})
    cds: Text = pa.Field(str_matches=CDS)
    respondent_group: Text = pa.Field(isin=RESPONDENTS)
    grade: Int = pa.Field(nullable=True, ge=3, le=12, description="students only")
    items: Int = pa.Field(
        alias=r"^(?!school_year$|response_id$|cds$|respondent_group$|grade$|_line$).+$",
        regex=True,
        nullable=True,
        ge=1,
        le=5,
        description="one column per codebook item_id; answer 1..scale_points or blank",
    )

    Config = _config(["response_id"])


class SurveyPopulation(pa.DataFrameModel):
    """How many were invited to the survey (`<raw>/<year>/survey_population.csv`)."""

    school_year: Text = pa.Field(str_matches=SCHOOL_YEAR)
    cds: Text = pa.Field(str_matches=CDS)
    respondent_group: Text = pa.Field(isin=RESPONDENTS)
    invited: Int = pa.Field(ge=0)

    Config = _config(["cds", "respondent_group"])


class Community(pa.DataFrameModel):
    """Community health and safety indicators per school (`<raw>/<year>/community.csv`)."""

    school_year: Text = pa.Field(str_matches=SCHOOL_YEAR)
    cds: Text = pa.Field(str_matches=CDS)
    asthma_rate: Series[float] = pa.Field(nullable=True, ge=0, description="asthma ED visits per 10,000 residents")
    gun_injury_rate: Series[float] = pa.Field(nullable=True, ge=0, description="gun-violence injuries per 100,000")
    deepest_poverty_pct: Series[float] = pa.Field(nullable=True, ge=0, le=100)

    Config = _config(["cds"])
