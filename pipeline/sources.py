"""The registry of input sources: where each file lives, how it is delimited, which model checks it."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandera.pandas as pa

from pipeline.config import dashboard_year
from schemas import dashboard as dash
from schemas import district as dist


@dataclass(frozen=True)
class Source:
    name: str  # also the Dagster asset name and the warehouse table name
    model: type[pa.DataFrameModel]
    filename: str  # may contain {yyyy}, the Dashboard year
    location: str  # "shared": <raw>/, "year": <raw>/<year>/, "dashboard": <raw>/<year>/dashboard/
    description: str
    delimiters: tuple[str, ...] = (",",)
    indicator: str | None = None  # Dashboard indicator code for CDE files
    feeds: str = ""  # what on a scorecard depends on this source, in words


    def path(self, raw_dir: Path | str, school_year: str) -> Path:
        name = self.filename.format(yyyy=dashboard_year(school_year))
        raw_dir = Path(raw_dir)
        if self.location == "shared":
            return raw_dir / name
        if self.location == "year":
            return raw_dir / school_year / name
        return raw_dir / school_year / "dashboard" / name

    @property
    def schema(self) -> pa.DataFrameSchema:
        return self.model.to_schema()

    @property
    def required_columns(self) -> list[str]:
        return [n for n, c in self.schema.columns.items() if c.required and not c.regex]

    @property
    def optional_columns(self) -> list[str]:
        return [n for n, c in self.schema.columns.items() if not c.required and not c.regex]

    @property
    def open_columns(self) -> bool:
        """True when the model accepts columns named by a pattern (survey items)."""
        return any(c.regex for c in self.schema.columns.values())

    @property
    def key(self) -> list[str]:
        return list(self.schema.unique or [])

    @property
    def identifier_columns(self) -> list[str]:
        """Columns holding student identifiers: their values never leave the warehouse."""
        return [n for n, c in self.schema.columns.items() if (c.metadata or {}).get("identifier")]


DISTRICT = [
    Source("directory", dist.Directory, "directory.csv", "shared",
           "School directory: names, grade spans, principals",
           feeds="every scorecard (school names, grade spans, principals)"),
    Source("survey_codebook", dist.SurveyCodebook, "survey_codebook.csv", "shared",
           "Climate survey items, domains and reverse coding", feeds="the climate section"),
    Source("enrollment", dist.Enrollment, "enrollment.csv", "year",
           "Census-day enrollment by school and student group", feeds="enrollment and demographics"),
    Source("assessment", dist.Assessment, "assessment.csv", "year",
           "Student-level Smarter Balanced results", feeds="student growth"),
    Source("attendance", dist.Attendance, "attendance.csv", "year",
           "Student-level days enrolled and absent", feeds="chronic absenteeism and attendance"),
    Source("survey_responses", dist.SurveyResponses, "survey_responses.csv", "year",
           "Respondent-level climate survey answers", feeds="the climate section"),
    Source("survey_population", dist.SurveyPopulation, "survey_population.csv", "year",
           "Climate survey invitations per school and group", feeds="climate response rates"),
    Source("community", dist.Community, "community.csv", "year",
           "Community health and safety indicators per school", feeds="the equity-need index"),
]

_DASHBOARD_MODELS = {
    "chronic": (dash.RateIndicator, "Dashboard chronic absenteeism"),
    "susp": (dash.RateIndicator, "Dashboard suspension rate"),
    "grad": (dash.RateIndicator, "Dashboard graduation rate"),
    "cci": (dash.RateIndicator, "Dashboard college/career indicator"),
    "ela": (dash.AcademicIndicator, "Dashboard English language arts (DFS)"),
    "math": (dash.AcademicIndicator, "Dashboard mathematics (DFS)"),
    "elpi": (dash.ElpiIndicator, "Dashboard English learner progress"),
    "growth": (dash.GrowthIndicator, "Dashboard student growth (residual gain)"),
}
DASHBOARD = [
    Source(
        f"dashboard_{ind}", model, f"{ind}download{{yyyy}}.txt", "dashboard",
        f"{label}: CDE research file as published", ("\t", ","), ind,
        feeds=f"the {label.removeprefix('Dashboard ')} indicator",
    )
    for ind, (model, label) in _DASHBOARD_MODELS.items()
]

SOURCES: dict[str, Source] = {s.name: s for s in DISTRICT + DASHBOARD}
