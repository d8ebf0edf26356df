"""Building one school's model from a year's records: school facts, indicators, student groups,
growth and climate (the overall rating and the measures are in :mod:`pipeline.scorecard.rating`).

The builder checks the privacy limits again before it passes a figure on: whatever the page must
not show is ``None`` here, with its note code.
"""
from __future__ import annotations

import pandas as pd

from pipeline.config import Settings
from pipeline.scorecard import groups, rating
from pipeline.scorecard.labels import (
    GROWTH_SUBJECTS,
    INDICATOR_POPULATION,
    INDICATORS,
    ORIGIN_SOURCE,
    RESPONDENT_GROUPS,
    SCHOOL_TYPES,
)
from pipeline.scorecard.load import YearData, grade_span
from pipeline.scorecard.model import (
    ClimateDomain,
    ClimateGroup,
    Demographic,
    GrowthSubject,
    Indicator,
    SchoolFacts,
    Scorecard,
    TrendPoint,
)
from pipeline.scoring.disclosure import shown_groups

ETHNICITY = ["HI", "AA", "AS", "FI", "WH", "MR", "AI", "PI"]
# Survey notes: a group under the respondent minimum, or a domain answered by too few people in a
# group that is shown; the page marks both the same way ("fewer than 10 respondents").
SURVEY_NOTES = {"n_lt_10": "n_lt_10", "answered_lt_10": "n_lt_10"}


def build_scorecard(data: YearData, school: pd.Series, school_year: str, settings: Settings) -> Scorecard:
    """The scorecard model of one school (a directory row of ``data``), for every language."""
    rec = data.school(school["cds"])
    results = rec["results"]
    low, high = school["low_grade"], school["high_grade"]
    indicators, not_applicable, no_data = [], [], []
    for key in INDICATORS:
        row = results.get((key, INDICATOR_POPULATION.get(key, "ALL")))
        if row is not None:
            indicators.append(_indicator(row, rec["history"], key))
        elif not groups.applies(key, low, high):
            not_applicable.append(key)
        elif key in data.indicators:  # "no data" only for an indicator the year's files have
            no_data.append(key)
    growth_applies = groups.applies("growth", low, high)
    if not growth_applies:
        not_applicable.append("growth")
    return Scorecard(
        school_year=school_year,
        school=_facts(school, rec["enrollment"], settings),
        overall=rating.overall(rec["rating"], rec["equity"], data),
        indicators=tuple(indicators),
        growth=_growth(rec["growth"], bool(data.growth is not None and len(data.growth)), settings)
        if growth_applies else None,
        climate=_climate(rec["climate"], data.domains, settings),
        measures=rating.measures(rec["measures"], data.measure_info, applies=lambda m: groups.applies(m, low, high)),
        groups=groups.all_tables(rec["rows"], results, rec["growth"], settings, growth_applies),
        not_applicable=tuple(not_applicable), no_data=tuple(no_data),
    )


def _none(value):
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _facts(school: pd.Series, enrol: dict, settings: Settings) -> SchoolFacts:
    total = enrol.get("ALL")
    demographics = []
    if total:
        # the disclosure step: enrollment minus the groups listed must not give a hidden group away
        shown = shown_groups(enrol, settings.privacy)
        for code in ETHNICITY + ["EL", "SED", "SWD"]:
            count = enrol.get(code)
            if count is not None and code in shown:
                demographics.append(Demographic(group=code, label=settings.student_groups[code], share=count / total))
    return SchoolFacts(
        cds=school["cds"], name=school["school_name"], district=school["district_name"],
        county=school["county_name"], principal=_none(school.get("principal_name")),
        grade_span=grade_span(school["low_grade"], school["high_grade"]),
        school_type=SCHOOL_TYPES.get(school["school_type"], school["school_type"]),
        enrollment=total, demographics=tuple(demographics),
    )


def _shown_status(value, bound) -> tuple[float | None, str | None]:
    """A status as the page shows it: a top/bottom-coded rate (bound "<=5.0") as its bound."""
    bound = _none(bound)
    if bound is not None:
        return float(bound[2:]), "<=" if bound.startswith("<=") else ">="
    return _none(value), None


def _direction(change, change_level: int, lower_is_better: bool) -> str | None:
    """Better, worse or about the same, in agreement with the change level's words when there is
    one (level 3 is CDE's "Maintained": a small change either way is about the same); by the
    sign of the change otherwise."""
    if change is None:
        return None
    if change_level:
        return "same" if change_level == 3 else "better" if change_level > 3 else "worse"
    if change == 0:
        return "same"
    return "better" if (change < 0) == lower_is_better else "worse"


def _unrounded(status, change, trend: tuple[TrendPoint, ...], school_year: str) -> bool:
    """Whether the change differs from the difference of the two rounded statuses the trend shows
    (CDE computes the change before rounding: 28.66 - 26.14 is 2.5, while 28.7 - 26.1 is 2.6)."""
    if status is None or change is None or len(trend) < 2 or trend[-1].year != school_year:
        return False
    shown = round(trend[-1].value, 1) - round(trend[-2].value, 1)
    return abs(round(shown, 1) - round(change, 1)) >= 0.05


def _indicator(row: dict, history: dict[str, list[dict]], key: str) -> Indicator:
    label, lower_is_better, kind = INDICATORS[key]
    change = _none(row.get("change"))
    change_level = int(row.get("change_level") or 0)
    status, bound = _shown_status(row.get("status"), row.get("status_bound"))
    trend = tuple(TrendPoint(year=r["school_year"], value=float(r["status"]))
                  for r in history.get(key, ()) if r["status"] is not None)
    return Indicator(
        key=key, label=label, source=ORIGIN_SOURCE.get(row.get("origin"), ""), kind=kind,
        lower_is_better=lower_is_better, status=status, status_bound=bound, change=change,
        change_direction=_direction(change, change_level, lower_is_better),
        change_level=change_level, status_level=int(row.get("status_level") or 0),
        color=int(row.get("color") or 0), n=_none(row.get("n")), note=_none(row.get("note")),
        trend=trend, population=row.get("student_group") or "ALL", origin=row.get("origin") or "cde",
        change_unrounded=_unrounded(status if bound is None else None, change, trend, row.get("school_year")),
    )


def _growth(rows: dict, table_present: bool, settings: Settings) -> tuple[GrowthSubject, ...] | None:
    """Growth of all students by subject: this year's mean with its 95 % range, the two-year estimate."""
    if not table_present:
        return None
    subjects = []
    for code, label in GROWTH_SUBJECTS.items():
        r = rows.get((code, "ALL"))
        item = {"n": None, "mean": None, "estimate": None, "ci_low": None, "ci_high": None,
                "reading": None, "reading_withheld": False, "note": None}
        n = r.get("n") if r else None
        mean = r.get("mean") if r else None
        if r is None:
            item["note"] = "no_data"
        elif r.get("suppressed") or r.get("note") == "n_lt_11" or (n is not None and n < settings.privacy.min_n):
            item["note"] = "n_lt_11"
        elif mean is None and r.get("eb_estimate") is None:
            item["note"] = "no_data"
        else:
            low, high = r.get("ci_low"), r.get("ci_high")
            estimate = r.get("eb_estimate")
            item.update({
                "n": n,
                "mean": mean if mean is not None else estimate,
                "estimate": estimate if estimate is not None and mean is not None else None,
            })
            if low is not None and high is not None and mean is not None:
                item.update({"ci_low": low, "ci_high": high})
                if r.get("category_allowed") is not None and not r.get("category_allowed"):
                    item["reading_withheld"] = True
                else:
                    item["reading"] = "above" if low > 0 else "below" if high < 0 else "expected"
        subjects.append(GrowthSubject(subject=code, label=label, **item))
    if all(s.note == "no_data" for s in subjects):
        return None  # e.g. a high school: growth is measured in grades 4 to 8
    return tuple(subjects)


def _climate(rows: list[dict], domains: dict, settings: Settings) -> tuple[ClimateGroup, ...] | None:
    """Percent favorable by respondent group and domain, beside the district; response rates."""
    if not rows:
        return None
    min_resp = settings.privacy.survey_min_respondents
    groups = []
    for key, label in RESPONDENT_GROUPS.items():
        mine = [r for r in rows if r["respondent_group"] == key]
        if not mine:
            groups.append(ClimateGroup(key=key, label=label, note="no_data", respondents=None, invited=None,
                                       response_rate=None, domains=()))
            continue
        respondents = max((r["respondents"] for r in mine if r.get("respondents") is not None), default=None)
        hidden = any(r.get("note") == "n_lt_10" for r in mine) or (
            respondents is not None and respondents < min_resp) or all(r.get("suppressed") for r in mine)
        invited = next((r["invited"] for r in mine if r.get("invited") is not None), None)
        rate = next((r["response_rate"] for r in mine if r.get("response_rate") is not None), None)
        shown = []
        order = sorted(mine, key=lambda r: (domains.get((key, r["domain"]), {}).get("order", 1_000), r["domain"]))
        for r in order:
            value, bound = _shown_status(r.get("percent_favorable"), r.get("percent_bound"))
            note = SURVEY_NOTES.get(r.get("note"))
            if hidden:
                value, bound, note = None, None, "n_lt_10"
            elif value is None:
                note = note or "no_data"
            else:
                note = None
            shown.append(ClimateDomain(name=r.get("domain"), name_es=domains.get((key, r["domain"]), {}).get("es"),
                                       school=value, district=_none(r.get("district_percent_favorable")), note=note,
                                       school_bound=bound))
        groups.append(ClimateGroup(
            key=key, label=label, note="n_lt_10" if hidden else None,
            respondents=None if hidden else respondents, invited=None if hidden else invited,
            response_rate=None if hidden else rate, domains=tuple(shown)))
    return tuple(groups)
