"""A complete example scorecard model (the contract in /tmp/spec_model.md), in any language.

Used by the rendering tests and benchmarks, and as a worked example of how the model builder
formats figures (``format_rate``, ``format_change``, ...) and translates labels
(``get_translations(lang).gettext``). It is the largest page we expect: six indicators, every
student group, ten demographic lines, with suppressed, uncoloured and missing rows.
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
    _ = get_translations(lang).gettext
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
    methodology = [
        _("Status is this year’s result. For chronic absenteeism and suspensions a lower rate "
          "is better; for the other indicators a higher result is better."),
        _("Change compares this year’s status with last year’s, in percentage points (for "
          "English language arts and mathematics, in points of distance from standard)."),
        _("Colors follow the California School Dashboard: each combines the status level with "
          "the change level. A group needs 30 or more students, this year and last, to get a color."),
        _("To protect student privacy, no result is shown for a group of fewer than 11 students."),
    ]
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
        "indicators": indicators,
        "groups": {"indicator_label": _("Chronic absenteeism"), "rows": rows},
        "legend": True,
        "methodology": methodology,
        "csv_href": "data.csv",
    }
