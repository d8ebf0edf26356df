"""The registry of input sources: where each file lives, how it is delimited, which model checks it,
and, for a Dashboard file, which of its columns the recomputation needs."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePath

import pandera.pandas as pa

from pipeline.config import dashboard_year
from pipeline.readers import calpads_report
from pipeline.readers import state as state_layouts
from schemas import dashboard as dash
from schemas import district as dist
from schemas import state


# Columns that only a layout publishing a change has: the 2022 Dashboard (and 2023's first
# college/career year, and 2019's first ELPAC-based ELPI) published a status only.
CHANGE_COLUMNS = ("change", "changelevel", "priornumer", "priordenom", "priorstatus")


def publishes_change(columns) -> bool:
    """True when a Dashboard file with these (normalised) columns is a layout that publishes a change."""
    return any(c in CHANGE_COLUMNS for c in columns)


@dataclass(frozen=True)
class Needs:
    """The columns of a Dashboard file the recomputation reads (``pipeline/scoring/sql/
    indicator_inputs.sql`` through ``pipeline/scoring/indicators.py``).

    Without a ``refused`` column the file cannot be scored as it should and is refused. Without a
    ``flagged`` column the pipeline can honestly keep CDE's published status (the file holds no
    numerator in any case, so the status is CDE's): the file is read, and the run says so with the
    row count. The ``*_with_change`` columns count only in a layout that publishes a change.
    """

    refused: tuple[str, ...]
    refused_with_change: tuple[str, ...]
    why: str  # what the columns are for, in words: the end of the refusal's one line
    flagged: tuple[str, ...] = ()
    flagged_with_change: tuple[str, ...] = ()

    def missing(self, columns) -> tuple[list[str], list[str]]:
        """(the refused columns missing from ``columns``, the flagged ones missing)."""
        present = set(columns)
        change = publishes_change(present)
        refused = self.refused + (self.refused_with_change if change else ())
        flagged = self.flagged + (self.flagged_with_change if change else ())
        return [c for c in refused if c not in present], [c for c in flagged if c not in present]


# Rates: the status is recomputed from the counts, the change from both years' counts.
COUNTS = Needs(("currnumer", "currdenom"), ("priornumer", "priordenom"),
               "the status is recomputed from currnumer and currdenom, the change from priornumer and priordenom")
# ELA, math (distance from standard) and college/career publish no numerator the scoring reads: the
# status and change are CDE's; the denominators give the n-size, without which no row gets a colour.
PUBLISHED = Needs(("currstatus",), ("change",),
                  "the status is CDE's currstatus and the change CDE's change (the file has no numerator to "
                  "recompute them from)", flagged=("currdenom",), flagged_with_change=("priordenom",))


@dataclass(frozen=True)
class OlderLayout:
    """A layout CDE once published under a source's name that holds nothing the scorecards can use.

    Recognised by ``columns`` (normalised header names) when the file lacks ``lacks``; refused
    with ``problem``, so the analyst reads why rather than which column is missing.
    """

    columns: frozenset[str]
    lacks: str
    problem: str


ELPAC_2018 = OlderLayout(
    frozenset({"pl_1", "pl_2", "pl_3", "pl_4"}), "studentgroup",
    "the 2018 ELPAC layout (PL_1 to PL_4, no studentgroup): the 2018 Dashboard published English learners' "
    "ELPAC levels, not a progress status, so there is nothing to score; take the file out of the dashboard folder",
)


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
    # Dashboard files are recognised by name whatever the case of their name and whichever of
    # these extensions they have (a spreadsheet's re-export is often saved as .csv)
    extensions: tuple[str, ...] = ()
    needs: Needs | None = None  # Dashboard files: the columns the recomputation needs
    older_layouts: tuple[OlderLayout, ...] = ()
    layout: state_layouts.StateLayout | None = None  # the state's files: how they are laid out

    def path(self, raw_dir: Path | str, school_year: str) -> Path:
        """Where the file is expected, named as published (``pipeline.raw_files.locate`` finds the
        file actually there, whatever its case and accepted extension)."""
        return self.folder(raw_dir, school_year) / self.filename.format(yyyy=dashboard_year(school_year))

    def folder(self, raw_dir: Path | str, school_year: str) -> Path:
        raw_dir = Path(raw_dir)
        if self.location == "shared":
            return raw_dir
        if self.location == "year":
            return raw_dir / school_year
        return raw_dir / school_year / "dashboard"

    def names(self, school_year: str) -> set[str]:
        """The file names, in lower case, that are this source's file for ``school_year``."""
        name = PurePath(self.filename.format(yyyy=dashboard_year(school_year)).lower())
        return {name.name} | {name.stem + ext for ext in self.extensions}

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
        """Columns holding student identifiers: their values never leave the warehouse.

        For the state's files, every column: a record whose fields slipped (a stray caret) puts a
        name or a birth date under another field's name, so no value of theirs is shown in the
        quarantine (the line, column and reason are)."""
        if self.layout is not None:
            return list(self.schema.columns)
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
_NEEDS = {"chronic": COUNTS, "susp": COUNTS, "grad": COUNTS, "elpi": COUNTS,
          "cci": PUBLISHED, "ela": PUBLISHED, "math": PUBLISHED}  # growth: not a status x change indicator
DASHBOARD = [
    Source(
        f"dashboard_{ind}", model, f"{ind}download{{yyyy}}.txt", "dashboard",
        f"{label}: CDE research file as published", ("\t", ","), ind,
        feeds=f"the {label.removeprefix('Dashboard ')} indicator",
        extensions=(".txt", ".csv"), needs=_NEEDS.get(ind),
        older_layouts=(ELPAC_2018,) if ind == "elpi" else (),
    )
    for ind, (model, label) in _DASHBOARD_MODELS.items()
]

# The state's student-level files as a district downloads them (TOMS score data files, CALPADS
# extracts): caret-delimited, read keeping only the contract's fields (pipeline/readers/state.py).
STATE = [
    Source("caaspp", state.CaasppStudentScore, "caaspp_student_score_data.txt", "year",
           "CAASPP Student Score Data File (Smarter Balanced and CAA), caret-delimited as TOMS gives it",
           ("^",), feeds="ELA and math distance from standard (district origin) and growth",
           extensions=(".txt", ".csv", ".dat"), layout=state_layouts.CAASPP),
    Source("elpac", state.ElpacStudentScore, "elpac_student_score_data.txt", "year",
           "Summative ELPAC Student Score Data File, caret-delimited as TOMS gives it",
           ("^",), feeds="English learner progress (district origin)",
           extensions=(".txt", ".csv", ".dat"), layout=state_layouts.ELPAC),
    Source("calpads_stas", state.CalpadsStas, "calpads_stas.txt", "year",
           "CALPADS Student Absence Summary (STAS) extract, caret-delimited, no header",
           ("^",), feeds="chronic absenteeism (district origin)",
           extensions=(".txt", ".csv", ".dat"), layout=state_layouts.STAS),
    Source("calpads_sela", state.CalpadsSela, "calpads_sela.txt", "year",
           "CALPADS Student English Language Acquisition (SELA) extract, caret-delimited, no header",
           ("^",), feeds="English learner groups of the attendance records",
           extensions=(".txt", ".csv", ".dat"), layout=state_layouts.SELA),
    Source("calpads_sprg", state.CalpadsSprg, "calpads_sprg.txt", "year",
           "CALPADS Student Program (SPRG) extract, caret-delimited, no header",
           ("^",), feeds="socioeconomic and homeless groups of the attendance records",
           extensions=(".txt", ".csv", ".dat"), layout=state_layouts.SPRG),
    Source("calpads_sinf", state.CalpadsSinf, "calpads_sinf.txt", "year",
           "CALPADS Student Information (SINF) extract, caret-delimited, no header; names and birth dates "
           "are dropped as it is read", ("^",), feeds="ethnicity groups of the attendance records",
           extensions=(".txt", ".csv", ".dat"), layout=state_layouts.SINF),
    Source("calpads_senr", state.CalpadsSenr, "calpads_senr.txt", "year",
           "CALPADS Student Enrollment (SENR) extract, caret-delimited, no header; names and birth dates are "
           "dropped as it is read", ("^",), feeds="grade of the attendance records (chronic absenteeism counts K-8)",
           extensions=(".txt", ".csv", ".dat"), layout=state_layouts.SENR),
    Source("calpads_sped", state.CalpadsSped, "calpads_sped.txt", "year",
           "CALPADS Special Education (SPED) file, caret-delimited, no header; names and birth dates are "
           "dropped as it is read", ("^",), feeds="students with disabilities of the attendance records",
           extensions=(".txt", ".csv", ".dat"), layout=state_layouts.SPED),
    # CALPADS ODS report exports (CSV, read by column number: pipeline/readers/calpads_report.py)
    Source("calpads_foster_enrolled", state.CalpadsFosterReport, "calpads_foster_enrolled.csv", "year",
           'CALPADS Report 5.7 "Foster Youth Enrolled - Student List", exported as CSV at the end of the school '
           "year; names and birth dates are dropped as it is read", (",",),
           feeds="foster youth of the attendance records", extensions=(".csv", ".txt", ".xlsx"),
           layout=calpads_report.FOSTER_ENROLLED),
    Source("calpads_foster_former", state.CalpadsFosterReport, "calpads_foster_former.csv", "year",
           'CALPADS Report 5.9 "Former Foster Youth - Student List", exported as CSV at the end of the school '
           "year; names and birth dates are dropped as it is read", (",",),
           feeds="foster youth of the attendance records", extensions=(".csv", ".txt", ".xlsx"),
           layout=calpads_report.FOSTER_FORMER),
]

SOURCES: dict[str, Source] = {s.name: s for s in DISTRICT + DASHBOARD + STATE}


def required_groups(required_sources) -> dict[str, tuple[str, ...]]:
    """Each required source's name and its group (``config/settings.yaml`` ``required_sources``:
    the sources of which one provided is enough, e.g. ``attendance`` or ``calpads_stas``).
    A name that is no source's stops with the key named."""
    from pipeline.config import ConfigError

    groups: dict[str, tuple[str, ...]] = {}
    for group in required_sources:
        for name in group:
            if name not in SOURCES:
                raise ConfigError(f"settings.yaml: required_sources: {name!r} is not a source; "
                                  f"known: {', '.join(SOURCES)}")
            groups[name] = tuple(group)
    return groups


def missing_sentence(group: tuple[str, ...], school_year: str) -> str:
    """Why a required group fails: the file, or every file that could stand for it, is missing."""
    files = [SOURCES[n].filename.format(yyyy=dashboard_year(school_year)) for n in group]
    if len(files) == 1:
        return f"{files[0]} is missing: no scorecard can be made"
    return (f"neither {' nor '.join(files)} is in the {school_year} folder: no scorecard of {school_year} can be "
            f"made without one of them (config/settings.yaml required_sources: any one of "
            f"{', '.join(group)} is enough)")
