"""The scorecard model: one school's page as plain typed data, the same for every language.

This is the contract between scoring and rendering. Every figure is already suppressed (a figure
the page must not show is ``None``, with its note code), numbers are plain ints and floats, levels,
colours and readings are codes, and names are English source labels or configuration words.
Nothing here is formatted or translated: :func:`pipeline.render.present.present` turns a model
into what the template receives for one language.

Note codes: ``n_lt_11`` (fewer than 11 students), ``complementary``, ``no_color_lt_30``, ``n_lt_10``
(fewer than 10 survey respondents), ``no_data``, or ``None``.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Demographic:
    """A student group's share of the school's enrollment (groups of 11 or more only)."""

    group: str  # student-group code, e.g. HI
    label: str  # its English label (config)
    share: float  # fraction of all students, 0..1


@dataclass(frozen=True)
class SchoolFacts:
    cds: str
    name: str
    district: str
    county: str
    principal: str | None
    grade_span: str  # e.g. "TK–5"
    school_type: str  # English word, e.g. "Elementary" (a code the directory uses that we do not know, as is)
    enrollment: int | None  # all students
    demographics: tuple[Demographic, ...]


@dataclass(frozen=True)
class TrendPoint:
    year: str
    value: float


@dataclass(frozen=True)
class Indicator:
    """A headline indicator for all students: this year's status, change and Dashboard colour."""

    key: str  # ela, math, elpi, chronic, susp, grad
    label: str  # English name
    source: str  # English name of the source, "" when the origin is unknown
    kind: str  # "rate" (a percent) or "dfs" (signed points)
    lower_is_better: bool
    status: float | None  # as shown: the bound itself when status_bound is set
    status_bound: str | None  # "<=" or ">=": a top/bottom-coded rate shown as its bound
    change: float | None
    change_direction: str | None  # better, worse, same
    change_level: int  # 1..5, 5 the good end; 0 none
    status_level: int  # 1..5, 5 the good end; 0 none
    color: int  # Dashboard colour 1 Red .. 5 Blue; 0 none
    n: int | None
    note: str | None
    trend: tuple[TrendPoint, ...]  # every year with a status, oldest first
    origin: str = "cde"  # cde: CDE's published figure; district: the district's own calculation
    population: str = "ALL"  # the student group the indicator is for (EL for English learner progress)
    change_unrounded: bool = False  # the change differs from the difference of the rounded statuses shown


@dataclass(frozen=True)
class GroupRow:
    group: str  # student-group code; ALL first
    label: str  # English label (config)
    status: float | None  # as shown (the bound when status_bound is set)
    status_bound: str | None
    gap: float | None  # status minus all students' status, in points; None for ALL
    n: int | None
    color: int
    note: str | None
    change: float | None = None  # since last year, as stored (None where last year's cell was hidden)


@dataclass(frozen=True)
class HiddenGroup:
    """A student group the table does not show, and why (a note code)."""

    group: str
    label: str  # English label (config)
    note: str  # n_lt_11 or complementary


@dataclass(frozen=True)
class GroupTable:
    """One indicator by student group: the groups with a figure to show, and those hidden."""

    indicator: str  # indicator key, or growth_ela / growth_math
    label: str  # English name of the indicator
    kind: str  # "rate" or "dfs"
    rows: tuple[GroupRow, ...]
    origin: str = "cde"  # whose figures: cde (CDE's published) or district (the district's own)
    colors: bool = True  # the indicator has Dashboard colours (growth has none)
    hidden: tuple[HiddenGroup, ...] = ()


@dataclass(frozen=True)
class LadderStep:
    """One level of the overall rating, lowest first: scores from ``min`` up to the next level's."""

    level: int
    label: str  # configuration word
    min: float
    next_min: float | None  # where the next level starts; None for the top level
    up_to: float | None  # the highest score shown on this step (next_min - 0.1); None for the top
    current: bool
    label_es: str | None = None  # the framework's Spanish word, when it gives one


@dataclass(frozen=True)
class Equity:
    tier: str  # English tier name, e.g. "Highest need"
    tier_rank: int | None  # 1 = highest need
    need_rank: int | None
    schools: int | None  # schools with a tier
    missing: tuple[str, ...] = ()  # components (config/equity_index.yaml names) without data for the school
    components: int = 0  # components configured


@dataclass(frozen=True)
class Overall:
    """The overall rating, its comparisons and the equity-need tier."""

    rated: bool
    level: int | None
    levels: int | None  # how many levels the framework has
    level_label: str | None  # configuration word
    score: float | None
    district_average: float | None
    peer_tier: str | None  # English tier name of the same-need schools
    peer_average: float | None
    peer_schools: int | None
    peer_percentile: float | None  # set when there are other rated schools in the tier
    peers_below: int | None  # of the peers_other other schools, how many scored lower
    peers_other: int | None
    only_rated_in_tier: bool
    points_to_next: float | None  # at least 0.1
    next_level: str | None  # configuration word of the level above (None: no level above)
    top_level: bool
    ladder: tuple[LadderStep, ...]
    equity: Equity | None
    score_max: float | None = None  # the top of the framework's score scale ("out of")
    framework: str | None = None  # the framework's name (configuration word)
    framework_es: str | None = None
    level_label_es: str | None = None
    next_level_es: str | None = None
    rules: tuple[AppliedRule, ...] = ()  # rules that moved the level away from the score's


@dataclass(frozen=True)
class AppliedRule:
    """A framework rule that set the level (an attainment path, a floor, a cap)."""

    label: str  # configuration word
    label_es: str | None
    raised: bool  # True: the rule raised the level; False: it lowered it


@dataclass(frozen=True)
class Measure:
    """A framework measure; its figures are ``None`` when it does not count this year."""

    key: str
    label: str | None  # configuration word
    higher_is_better: bool
    kind: str  # "rate" or "dfs"
    value: float | None
    level: int | None  # index level 1..10
    weight: float | None  # effective weight, percent
    improvement: float | None  # points to the next level (at least 0.1); None at the top
    top: bool  # counted and at the highest level
    fewer_than: int | None  # not rated: fewer than this many students
    note: str | None  # no_data when not counted for another reason
    label_es: str | None = None
    points: float | None = None  # the measure's points on the framework's scale
    points_min: float | None = None
    points_max: float | None = None
    bands: int | None = None  # how many bands (levels) the measure's scale has
    contribution: float | None = None  # points x weight: what the measure adds to the score
    reallocation: str | None = None  # received, to, split, within_domain, other_domains, zero, required
    related: tuple[str, ...] = ()  # measure keys its weight went to or came from


@dataclass(frozen=True)
class MeasureDomain:
    key: str
    label: str | None  # configuration word
    weight: float  # the domain's share of the score, percent
    measures: tuple[Measure, ...]
    label_es: str | None = None


@dataclass(frozen=True)
class GrowthSubject:
    """Growth of all students in one subject: this year's mean, its 95 % range, two-year estimate."""

    subject: str  # ELA or MATH
    label: str  # English name
    note: str | None
    n: int | None
    mean: float | None  # this year's mean, else the two-year estimate
    estimate: float | None  # the two-year estimate, beside a mean
    ci_low: float | None  # the 95 % range, with a mean only
    ci_high: float | None
    reading: str | None  # above, below or expected
    reading_withheld: bool  # fewer than 30 students: no reading given


@dataclass(frozen=True)
class ClimateDomain:
    name: str  # the codebook's domain (English)
    name_es: str | None  # the codebook's Spanish name
    school: float | None  # percent favorable (a top/bottom-coded one: its bound)
    district: float | None
    note: str | None
    school_bound: str | None = None  # "<=" / ">=": few respondents, a percent near 0 or 100 shown as its bound


@dataclass(frozen=True)
class ClimateGroup:
    key: str  # student, parent, staff
    label: str  # English name
    note: str | None
    respondents: float | None  # a count; the warehouse keeps it as DOUBLE
    invited: int | None
    response_rate: float | None  # percent
    domains: tuple[ClimateDomain, ...]


@dataclass(frozen=True)
class Scorecard:
    """One school's scorecard for one school year."""

    school_year: str
    school: SchoolFacts
    overall: Overall | None
    indicators: tuple[Indicator, ...]
    growth: tuple[GrowthSubject, ...] | None
    climate: tuple[ClimateGroup, ...] | None
    measures: tuple[MeasureDomain, ...] | None
    groups: tuple[GroupTable, ...] = ()  # every indicator the school has, by student group, in page order
    # indicator keys (INDICATORS, and "growth") the school's grades do not have: "does not apply"
    not_applicable: tuple[str, ...] = ()
    # indicator keys that apply to the school's grades but have no result this year: "no data"
    no_data: tuple[str, ...] = ()
