"""A complete example scorecard model (the contract in /tmp/spec_model.md), in any language.

Used by the rendering tests and benchmarks, and as a worked example of how the model builder
formats figures (``format_rate``, ``format_change``, ...) and translates labels
(``get_translations(lang).gettext``). It is the largest page we expect: six indicators, every
student group, ten demographic lines, the overall rating with all ten framework measures,
growth in both subjects and three survey groups, with suppressed, uncoloured and missing rows
(a survey group under 10 respondents, a domain too few answered, a measure without data).
"""

from __future__ import annotations

from pipeline.render.i18n import (
    N_,
    format_change,
    format_decimal,
    format_integer,
    format_rate,
    get_translations,
    translate_school_type,
)

COLOR_NAMES = {0: None, 1: N_("Red"), 2: N_("Orange"), 3: N_("Yellow"), 4: N_("Green"), 5: N_("Blue")}
LEVELS = {1: "Very low", 2: "Low", 3: "Medium", 4: "High", 5: "Very high"}
CHANGE_SENTENCES = {
    "Declined significantly": "Declined significantly by %(value)s points",
    "Declined": "Declined by %(value)s points",
    "Maintained": "Maintained (%(value)s points)",
    "Increased": "Increased by %(value)s points",
    "Increased significantly": "Increased significantly by %(value)s points",
}

# key, label, source, unit ("%" or "pts"), status, change, change level, status level word,
# colour code, n, direction, trend values (oldest first), note
INDICATORS = [
    ("chronic", N_("Chronic absenteeism"), N_("District attendance export"), "%", 23.4, -2.1,
     N_("Declined"), N_("Very high"), 2, 412, "better", [30.1, 25.5, 23.4], None),
    ("susp", N_("Suspension rate"), N_("California School Dashboard"), "%", 3.2, 0.8,
     N_("Increased"), N_("Medium"), 3, 655, "worse", [2.9, 2.4, 3.2], None),
    ("grad", N_("Graduation rate"), N_("California School Dashboard"), "%", 91.7, 0.2,
     N_("Maintained"), N_("High"), 4, 156, "same", [88.0, 91.5, 91.7], None),
    ("elpi", N_("English learner progress"), N_("California School Dashboard"), "%", 52.6, 4.4,
     N_("Increased"), N_("Medium"), 4, 128, "better", [44.1, 48.2, 52.6], None),
    ("ela", N_("English language arts"), N_("California School Dashboard"), "pts", -12.3, 6.8,
     N_("Increased"), N_("Low"), 3, 389, "better", [-25.4, -19.1, -12.3], None),
    ("math", N_("Mathematics"), N_("California School Dashboard"), "pts", -41.0, -3.5,
     N_("Declined"), N_("Low"), 2, 391, "worse", [-36.2, -37.5, -41.0], None),
]

# group, status, n, colour code, note   (status for chronic absenteeism, All students 23.4)
GROUPS = [
    (N_("All students"), 23.4, 412, 2, None),
    (N_("African American"), 31.2, 44, 1, None),
    (N_("American Indian or Alaska Native"), None, None, 0, "n_lt_11"),
    (N_("Asian"), 8.9, 35, 4, None),
    (N_("Filipino"), 12.0, 25, 0, "no_color_lt_30"),
    (N_("Hispanic or Latino"), 25.1, 262, 2, None),
    (N_("Pacific Islander"), None, None, 0, "n_lt_11"),
    (N_("White"), 17.6, 51, 3, None),
    (N_("Two or more races"), 20.0, 15, 0, "no_color_lt_30"),
    (N_("English learners"), 27.8, 128, 2, None),
    (N_("Long-term English learners"), 33.3, 18, 0, "no_color_lt_30"),
    (N_("Reclassified fluent English proficient"), 19.4, 62, 3, None),
    (N_("English only"), 22.9, 170, 2, None),
    (N_("Socioeconomically disadvantaged"), 28.4, 301, 1, None),
    (N_("Students with disabilities"), 35.6, 59, 1, None),
    (N_("Foster youth"), None, None, 0, "n_lt_11"),
    (N_("Homeless youth"), None, None, 0, "no_data"),
]

DEMOGRAPHICS = [
    (N_("Hispanic or Latino"), 63.6), (N_("White"), 12.4), (N_("African American"), 10.7), (N_("Asian"), 8.5),
    (N_("Filipino"), 3.0), (N_("Two or more races"), 1.8), (N_("English learners"), 31.1),
    (N_("Socioeconomically disadvantaged"), 73.1), (N_("Students with disabilities"), 14.3),
    (N_("Foster youth"), 0.9),
]

YEARS = ["2021-22", "2022-23", "2023-24"]


def _value_label(value: float, unit: str, lang: str) -> str:
    return format_rate(value, lang) if unit == "%" else format_change(value, lang)


def sample_model(lang: str = "en", name: str = "Dolores Huerta Learning Academy",
                 cds: str = "19754160000001") -> dict:
    """The example model in language ``lang`` (any supported language)."""
    translations = get_translations(lang)
    _ = translations.gettext
    indicators = []
    for (key, label, source, unit, status, change, change_level, level, code, n, direction,
         trend, note) in INDICATORS:
        indicators.append({
            "key": key,
            "label": _(label),
            "source": _(source),
            "status": _value_label(status, unit, lang) + ("" if unit == "%" else " " + _("points")),
            "change": format_change(change, lang),
            "change_direction": direction,
            "change_words": _(CHANGE_SENTENCES[change_level]) % {
                "value": format_decimal(abs(change), lang)},
            "status_level": _(level),
            "color": _(COLOR_NAMES[code]) if code else None,
            "color_code": code,
            "n": format_integer(n, lang),
            "note": note,
            "trend": [{"year": y, "value": v, "label": _value_label(v, unit, lang)}
                      for y, v in zip(YEARS, trend)],
        })
    all_status = GROUPS[0][1]
    rows = []
    for i, (group, status, n, code, note) in enumerate(GROUPS):
        rows.append({
            "group": _(group),
            "status": format_rate(status, lang),
            "gap": "" if i == 0 else (format_change(status - all_status, lang)
                                      if status is not None else None),
            "n": format_integer(n, lang),
            "color": _(COLOR_NAMES[code]) if code else None,
            "color_code": code,
            "note": note,
        })
    from pipeline.scorecard_model import METHODOLOGY  # the notes real scorecards carry

    methodology = [_(note) for note in METHODOLOGY]
    return {
        "lang": lang,
        "title": _("%(school)s — School Scorecard %(year)s") % {"school": name, "year": "2023-24"},
        "school_year": "2023-24",
        "school": {
            "cds": cds, "name": name,
            "district": _("Sample Unified School District"), "county": "Los Angeles",
            "principal": "Ana López", "grade_span": "TK–12",
            "school_type": translate_school_type("TK–12 span", lang),
            "enrollment": format_integer(1642, lang),
            "demographics": [{"label": _(label), "value": format_rate(v, lang)}
                             for label, v in DEMOGRAPHICS],
        },
        "overall": _sample_overall(lang, _, translations.ngettext),
        "measures": _sample_measures(lang, _),
        "growth": _sample_growth(lang, _),
        "climate": _sample_climate(lang, _),
        "indicators": indicators,
        "groups": {"indicator_label": _("Chronic absenteeism"), "rows": rows},
        "legend": True,
        "methodology": methodology,
        "csv_href": "data.csv",
    }


# ------------------------------------------------------------------ rating, growth, climate

LEVELS = [(1, N_("Needs intensive support"), 0), (2, N_("Needs support"), 35), (3, N_("Developing"), 50),
          (4, N_("Strong"), 65), (5, N_("Excelling"), 80)]
# domain, measure label, higher is better, value (None: no data), unit, index level, weight %, improvement
MEASURES = [
    (N_("Academic"), N_("English language arts (distance from standard)"), True, -12.3, "pts", 5, 15, 7.3),
    (N_("Academic"), N_("Mathematics (distance from standard)"), True, -41.0, "pts", 4, 15, 16.0),
    (N_("Academic"), N_("English language arts growth (points above expected)"), True, 3.1, "pts", 6, 10, 3.9),
    (N_("Academic"), N_("Mathematics growth (points above expected)"), True, -4.9, "pts", 4, 10, 1.9),
    (N_("Academic"), N_("English learner progress (%)"), True, 52.6, "%", 6, 5, 2.4),
    (N_("Academic"), N_("Graduation rate (%)"), True, None, "%", None, 5, None),
    (N_("Culture and climate"), N_("Chronic absenteeism (%)"), False, 23.4, "%", 4, 15, 3.4),
    (N_("Culture and climate"), N_("Suspension rate (%)"), False, 0.4, "%", 10, 10, None),
    (N_("Culture and climate"), N_("Students' climate survey (% favorable)"), True, 71.7, "%", 7, 10, 3.3),
    (N_("Culture and climate"), N_("Parents' climate survey (% favorable)"), True, 77.8, "%", 6, 5, 2.2),
]
# subject, n, mean, ci low, ci high, two-year estimate
GROWTH = [(N_("English language arts"), 389, 4.1, -0.6, 8.8, 3.1),
          (N_("Mathematics"), 391, -6.2, -10.3, -2.1, -4.9)]
# group, respondents, invited, response rate, [(domain, school % or None, district %, note)], group note
CLIMATE = [
    (N_("Students"), 612, 790, 77.5, [(N_("Caring adults"), 69.4, 66.7, None),
                                      (N_("School connectedness"), 61.8, 61.0, None),
                                      (N_("Safety"), 70.6, 69.2, None), (N_("Academic rigor"), 76.0, 72.9, None)], None),
    (N_("Families"), 254, 1310, 19.4, [(N_("Family engagement"), 77.0, 75.3, None),
                                       (N_("Caring adults"), 81.6, 78.8, None), (N_("Safety"), 66.1, 62.3, None),
                                       (N_("Academic rigor"), None, 73.3, "n_lt_10"),
                                       (N_("School connectedness"), 74.2, 80.8, None)], None),
    (N_("Staff"), None, None, None, [(N_("Collaboration"), None, 51.6, "n_lt_10"),
                                     (N_("Safety"), None, 56.9, "n_lt_10"),
                                     (N_("Academic rigor"), None, 61.4, "n_lt_10"),
                                     (N_("Caring adults"), None, 72.1, "n_lt_10"),
                                     (N_("Family engagement"), None, 60.1, "n_lt_10")], "n_lt_10"),
]


def _sample_overall(lang: str, _, ngettext) -> dict:
    score, level = 56.8, 3
    ladder = []
    for i, (lv, label, low) in enumerate(LEVELS):
        high = LEVELS[i + 1][2] if i + 1 < len(LEVELS) else None
        if i == 0:
            span = _("below %(max)s") % {"max": format_decimal(high, lang, 0)}
        elif high is None:
            span = _("%(min)s or more") % {"min": format_decimal(low, lang, 0)}
        else:
            span = _("%(min)s to %(max)s") % {"min": format_decimal(low, lang, 0),
                                             "max": format_decimal(high - 0.1, lang)}
        ladder.append({"level": lv, "label": _(label), "range": span, "current": lv == level})
    return {
        "rated": True, "level": level, "levels": 5, "level_label": _("Developing"),
        "level_of": _("Level %(level)s of %(levels)s") % {"level": level, "levels": 5},
        "score": format_decimal(score, lang), "district_average": format_decimal(45.8, lang),
        "peer_tier": _("High need"), "peer_average": format_decimal(52.1, lang),
        "peer_schools": format_integer(4, lang), "peer_percentile": format_integer(66.7, lang),
        "peer_sentence": ngettext("higher than %(k)s of the %(n)s other school",
                                  "higher than %(k)s of the %(n)s other schools", 3) % {"k": "2", "n": "3"},
        "next_level": _("Strong"), "points_to_next": format_decimal(8.2, lang),
        "next_sentence": _("%(points)s more points to reach “%(level)s”") % {
            "points": format_decimal(8.2, lang), "level": _("Strong")},
        "top_level": False, "ladder": ladder,
        "equity": {"tier": _("High need"), "tier_rank": 2, "need_rank": format_integer(6, lang),
                   "schools": format_integer(19, lang)},
    }


def _sample_measures(lang: str, _) -> dict:
    domains: list[dict] = []
    for domain, label, higher, value, unit, level, weight, needed in MEASURES:
        if not domains or domains[-1]["label"] != _(domain):
            domains.append({"key": domain, "label": _(domain), "weight": None, "rows": []})
        shown = value is not None
        if not shown:
            improvement = None
        elif needed is None:
            improvement = _("Highest level reached")
        elif higher:
            improvement = _("+%(value)s points") % {"value": format_decimal(needed, lang)}
        else:
            improvement = _("%(value)s points lower") % {"value": format_decimal(needed, lang)}
        domains[-1]["rows"].append({
            "key": label, "label": _(label), "higher_is_better": higher,
            "value": (format_rate(value, lang) if unit == "%" else format_change(value, lang)) if shown else None,
            "level": format_integer(level, lang) if shown else None, "level_code": level,
            "weight": format_rate(weight * 100 / 95, lang, 0) if shown else None,
            "improvement": improvement, "top": shown and needed is None,
            "missing": None if shown else _("No data"), "note": None if shown else "no_data",
        })
    domains[0]["weight"], domains[1]["weight"] = format_rate(57.9, lang, 0), format_rate(42.1, lang, 0)
    return {"domains": domains}


def _sample_growth(lang: str, _) -> dict:
    subjects = []
    for (label, n, mean, low, high, estimate), key in zip(GROWTH, ("ELA", "MATH")):
        code = "above" if low > 0 else "below" if high < 0 else "expected"
        words = {"above": N_("Above expected"), "below": N_("Below expected"), "expected": N_("About as expected")}
        subjects.append({
            "key": key, "label": _(label), "n": format_integer(n, lang), "mean": format_change(mean, lang),
            "ci_low": format_change(low, lang), "ci_high": format_change(high, lang),
            "interval": _("%(low)s to %(high)s") % {"low": format_change(low, lang), "high": format_change(high, lang)},
            "estimate": format_change(estimate, lang), "reading": _(words[code]), "reading_code": code,
            "reading_note": None, "note": None,
            "chart": {"value": mean, "low": low, "high": high, "label": format_change(mean, lang),
                      "low_label": format_change(low, lang), "high_label": format_change(high, lang)},
        })
    return {"subjects": subjects}


def _sample_climate(lang: str, _) -> dict:
    groups = []
    for label, respondents, invited, rate, domains, note in CLIMATE:
        response = None
        if respondents is not None:
            response = _("%(rate)s (%(n)s of %(invited)s)") % {
                "rate": format_rate(rate, lang), "n": format_integer(respondents, lang),
                "invited": format_integer(invited, lang)}
        groups.append({
            "key": label, "label": _(label), "respondents": format_integer(respondents, lang),
            "invited": format_integer(invited, lang), "response_rate": format_rate(rate, lang),
            "response": response, "note": note,
            "domains": [{"label": _(d), "school": format_rate(v, lang), "district": format_rate(dv, lang),
                         "note": dn} for d, v, dv, dn in domains],
        })
    return {"groups": groups}
