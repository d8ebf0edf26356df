"""A complete example scorecard model, and its page in any language.

Used by the rendering tests and benchmarks, and as a worked example of the typed model
(:mod:`pipeline.scorecard.model`): plain numbers, codes and English labels that
:func:`pipeline.render.present.present` formats and translates. It is the largest page we expect:
six indicators, every student group, ten demographic lines, the overall rating with all ten
framework measures, growth in both subjects and three survey groups, with suppressed, uncoloured
and missing rows (a survey group under 10 respondents, a domain too few answered, a measure
without data).

* :func:`sample_scorecard` - the typed model (the same for every language).
* :func:`sample_model` - its page in one language, what ``render_scorecard_html`` takes.
"""

from __future__ import annotations

from pipeline.render.present import present
from pipeline.scorecard.model import (
    ClimateDomain,
    ClimateGroup,
    Demographic,
    Equity,
    GroupRow,
    GroupTable,
    GrowthSubject,
    HiddenGroup,
    Indicator,
    LadderStep,
    Measure,
    MeasureDomain,
    Overall,
    SchoolFacts,
    Scorecard,
    TrendPoint,
)

YEARS = ["2021-22", "2022-23", "2023-24"]

# key, label, origin, kind, lower is better, status, change, change level, status level (1..5, 5 the
# good end), colour code, n, direction, trend values (oldest first), note
INDICATORS = [
    ("chronic", "Chronic absenteeism", "District attendance export", "rate", True, 23.4, -2.1, 4, 1, 2, 412,
     "better", [30.1, 25.5, 23.4], None),
    ("susp", "Suspension rate", "California School Dashboard", "rate", True, 3.2, 0.8, 2, 3, 3, 655,
     "worse", [2.9, 2.4, 3.2], None),
    ("grad", "Graduation rate", "California School Dashboard", "rate", False, 91.7, 0.0, 3, 4, 4, 156,
     "same", [88.0, 91.7, 91.7], None),
    ("elpi", "English learner progress", "California School Dashboard", "rate", False, 52.6, 4.4, 4, 3, 4, 128,
     "better", [44.1, 48.2, 52.6], None),
    ("ela", "English language arts", "California School Dashboard", "dfs", False, -12.3, 6.8, 4, 2, 3, 389,
     "better", [-25.4, -19.1, -12.3], None),
    ("math", "Mathematics", "California School Dashboard", "dfs", False, -41.0, -3.5, 2, 2, 2, 391,
     "worse", [-36.2, -37.5, -41.0], None),
]

# code, label, status, n, colour code, note   (chronic absenteeism, All students 23.4)
GROUPS = [
    ("ALL", "All students", 23.4, 412, 2, None),
    ("AA", "African American", 31.2, 44, 1, None),
    ("AI", "American Indian or Alaska Native", None, None, 0, "n_lt_11"),
    ("AS", "Asian", 8.9, 35, 4, None),
    ("FI", "Filipino", 12.0, 25, 0, "no_color_lt_30"),
    ("HI", "Hispanic or Latino", 25.1, 262, 2, None),
    ("PI", "Pacific Islander", None, None, 0, "n_lt_11"),
    ("WH", "White", 17.6, 51, 3, None),
    ("MR", "Two or more races", 20.0, 15, 0, "no_color_lt_30"),
    ("EL", "English learners", 27.8, 128, 2, None),
    ("LTEL", "Long-term English learners", 33.3, 18, 0, "no_color_lt_30"),
    ("RFP", "Reclassified fluent English proficient", 19.4, 62, 3, None),
    ("EO", "English only", 22.9, 170, 2, None),
    ("SED", "Socioeconomically disadvantaged", 28.4, 301, 1, None),
    ("SWD", "Students with disabilities", 35.6, 59, 1, None),
    ("FOS", "Foster youth", None, None, 0, "n_lt_11"),
    ("HOM", "Homeless youth", None, None, 0, "no_data"),
]

# code, label, share of enrollment
DEMOGRAPHICS = [
    ("HI", "Hispanic or Latino", 0.636), ("WH", "White", 0.124), ("AA", "African American", 0.107),
    ("AS", "Asian", 0.085), ("FI", "Filipino", 0.03), ("MR", "Two or more races", 0.018),
    ("EL", "English learners", 0.311), ("SED", "Socioeconomically disadvantaged", 0.731),
    ("SWD", "Students with disabilities", 0.143), ("FOS", "Foster youth", 0.009),
]

LEVELS = [(1, "Needs intensive support", 0.0), (2, "Needs support", 35.0), (3, "Developing", 50.0),
          (4, "Strong", 65.0), (5, "Excelling", 80.0)]
# domain, key, measure label, higher is better, value (None: no data), kind, index level, weight %,
# improvement needed (None: highest level)
MEASURES = [
    ("academic", "ela_status", "English language arts (distance from standard)", True, -12.3, "dfs", 5, 15, 7.3),
    ("academic", "math_status", "Mathematics (distance from standard)", True, -41.0, "dfs", 4, 15, 16.0),
    ("academic", "ela_growth", "English language arts growth (points above expected)", True, 3.1, "dfs", 6, 10, 3.9),
    ("academic", "math_growth", "Mathematics growth (points above expected)", True, -4.9, "dfs", 4, 10, 1.9),
    ("academic", "elpi", "English learner progress (%)", True, 52.6, "rate", 6, 5, 2.4),
    ("academic", "grad", "Graduation rate (%)", True, None, "rate", None, 5, None),
    ("culture_climate", "chronic", "Chronic absenteeism (%)", False, 23.4, "rate", 4, 15, 3.4),
    ("culture_climate", "susp", "Suspension rate (%)", False, 0.4, "rate", 10, 10, None),
    ("culture_climate", "climate_students", "Students' climate survey (% favorable)", True, 71.7, "rate", 7, 10, 3.3),
    ("culture_climate", "climate_parents", "Parents' climate survey (% favorable)", True, 77.8, "rate", 6, 5, 2.2),
]
DOMAINS = {"academic": ("Academic", 57.9), "culture_climate": ("Culture and climate", 42.1)}
# subject, label, n, mean, ci low, ci high, two-year estimate
GROWTH = [("ELA", "English language arts", 389, 4.1, -0.6, 8.8, 3.1),
          ("MATH", "Mathematics", 391, -6.2, -10.3, -2.1, -4.9)]
# group, label, respondents, invited, response rate, [(domain, school % or None, district %, note)], group note
CLIMATE = [
    ("student", "Students", 612, 790, 77.5, [("Caring adults", 69.4, 66.7, None),
                                             ("School connectedness", 61.8, 61.0, None),
                                             ("Safety", 70.6, 69.2, None), ("Academic rigor", 76.0, 72.9, None)], None),
    ("parent", "Families", 254, 1310, 19.4, [("Family engagement", 77.0, 75.3, None),
                                             ("Caring adults", 81.6, 78.8, None), ("Safety", 66.1, 62.3, None),
                                             ("Academic rigor", None, 73.3, "n_lt_10"),
                                             ("School connectedness", 74.2, 80.8, None)], None),
    ("staff", "Staff", None, None, None, [("Collaboration", None, 51.6, "n_lt_10"),
                                          ("Safety", None, 56.9, "n_lt_10"),
                                          ("Academic rigor", None, 61.4, "n_lt_10"),
                                          ("Caring adults", None, 72.1, "n_lt_10"),
                                          ("Family engagement", None, 60.1, "n_lt_10")], "n_lt_10"),
]


def sample_model(lang: str = "en", name: str = "Dolores Huerta Learning Academy",
                 cds: str = "19754160000001") -> dict:
    """The example scorecard's page in language ``lang`` (any supported language)."""
    return present(sample_scorecard(name=name, cds=cds), lang)


def sample_scorecard(name: str = "Dolores Huerta Learning Academy", cds: str = "19754160000001") -> Scorecard:
    """The example scorecard model."""
    indicators = tuple(
        Indicator(key=key, label=label, source=source, kind=kind, lower_is_better=lower, status=status,
                  status_bound=None, change=change, change_direction=direction, change_level=change_level,
                  status_level=level, color=color, n=n, note=note,
                  trend=tuple(TrendPoint(year=y, value=v) for y, v in zip(YEARS, trend)))
        for (key, label, source, kind, lower, status, change, change_level, level, color, n, direction, trend,
             note) in INDICATORS)
    # every indicator by student group: the chronic absenteeism groups' pattern around each
    # indicator's own status (the hidden groups listed, not shown)
    all_status = GROUPS[0][2]
    groups = []
    for ind in indicators:
        if ind.status is None:
            continue
        shift = ind.status - all_status
        groups.append(GroupTable(indicator=ind.key, label=ind.label, kind=ind.kind, rows=tuple(
            GroupRow(group=code, label=label, status=round(status + shift, 1), status_bound=None,
                     gap=status - all_status if code != "ALL" else None,
                     n=n, color=color, note=note, change=ind.change)
            for code, label, status, n, color, note in GROUPS if status is not None),
            hidden=tuple(HiddenGroup(group=code, label=label, note=note)
                         for code, label, status, n, color, note in GROUPS if status is None)))
    return Scorecard(
        school_year="2023-24",
        school=SchoolFacts(
            cds=cds, name=name, district="Sample Unified School District", county="Los Angeles",
            principal="Ana López", grade_span="TK–12", school_type="TK–12 span", enrollment=1642,
            demographics=tuple(Demographic(group=code, label=label, share=share)
                               for code, label, share in DEMOGRAPHICS)),
        overall=_sample_overall(),
        indicators=indicators,
        growth=_sample_growth(),
        climate=_sample_climate(),
        measures=_sample_measures(),
        groups=tuple(groups),
    )


def _sample_overall() -> Overall:
    score, level = 56.8, 3
    ladder = []
    for i, (lv, label, low) in enumerate(LEVELS):
        nxt = LEVELS[i + 1][2] if i + 1 < len(LEVELS) else None
        ladder.append(LadderStep(level=lv, label=label, min=low, next_min=nxt,
                                 up_to=round(nxt - 0.1, 1) if nxt is not None else None, current=lv == level))
    return Overall(
        rated=True, level=level, levels=len(LEVELS), level_label="Developing", score=score,
        district_average=45.8, peer_tier="High need", peer_average=52.1, peer_schools=4,
        peer_percentile=66.7, peers_below=2, peers_other=3, only_rated_in_tier=False,
        points_to_next=8.2, next_level="Strong", top_level=False, ladder=tuple(ladder),
        equity=Equity(tier="High need", tier_rank=2, need_rank=6, schools=19),
    )


def _sample_measures() -> tuple[MeasureDomain, ...]:
    by_domain: dict[str, list[Measure]] = {}
    for domain, key, label, higher, value, kind, level, weight, needed in MEASURES:
        shown = value is not None
        by_domain.setdefault(domain, []).append(Measure(
            key=key, label=label, higher_is_better=higher, kind=kind, value=value,
            level=level if shown else None, weight=weight * 100 / 95 if shown else None,
            improvement=needed if shown else None, top=shown and needed is None,
            fewer_than=None, note=None if shown else "no_data"))
    return tuple(MeasureDomain(key=key, label=DOMAINS[key][0], weight=DOMAINS[key][1], measures=tuple(rows))
                 for key, rows in by_domain.items())


def _sample_growth() -> tuple[GrowthSubject, ...]:
    return tuple(
        GrowthSubject(subject=code, label=label, note=None, n=n, mean=mean, estimate=estimate, ci_low=low,
                      ci_high=high, reading="above" if low > 0 else "below" if high < 0 else "expected",
                      reading_withheld=False)
        for code, label, n, mean, low, high, estimate in GROWTH)


def _sample_climate() -> tuple[ClimateGroup, ...]:
    return tuple(
        ClimateGroup(key=key, label=label, note=note, respondents=respondents, invited=invited,
                     response_rate=rate, domains=tuple(
                         ClimateDomain(name=d, name_es=None, school=v, district=dv, note=dn)
                         for d, v, dv, dn in domains))
        for key, label, respondents, invited, rate, domains, note in CLIMATE)
