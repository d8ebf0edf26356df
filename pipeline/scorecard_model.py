"""One school's page as plain data: every figure already suppressed and formatted per language.

This is the contract between scoring and rendering: the templates do no arithmetic. Figures come
from the scored warehouse tables, which already hide anything about fewer than 11 students.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import duckdb
import pandas as pd

from pipeline.config import Settings
from pipeline.render import i18n
from pipeline.warehouse import read_table, table_exists

N_ = i18n.N_

# Headline indicators in the order a scorecard shows them; lower_is_better flips "good" and "bad".
INDICATORS = {
    "ela": (N_("English language arts"), False, "dfs"),
    "math": (N_("Mathematics"), False, "dfs"),
    "elpi": (N_("English learner progress"), False, "rate"),
    "chronic": (N_("Chronic absenteeism"), True, "rate"),
    "susp": (N_("Suspension rate"), True, "rate"),
    "grad": (N_("Graduation rate"), False, "rate"),
}
ORIGIN_SOURCE = {"cde": N_("California School Dashboard"), "district": N_("District attendance export")}
COLORS = {1: N_("Red"), 2: N_("Orange"), 3: N_("Yellow"), 4: N_("Green"), 5: N_("Blue")}
# Levels run 1..5 with 5 always the good end; for lower-is-better indicators the words flip
# (chronic absenteeism level 5 is "Very low", change level 5 "Declined significantly").
STATUS_LEVELS = {1: N_("Very low"), 2: N_("Low"), 3: N_("Medium"), 4: N_("High"), 5: N_("Very high")}
CHANGE_WORDS = {1: N_("Declined significantly"), 2: N_("Declined"), 3: N_("Maintained"),
                4: N_("Increased"), 5: N_("Increased significantly")}


def level_word(words: dict[int, str], level: int, lower_is_better: bool) -> str:
    """The word for a 1..5 level, read from the other end when lower is better."""
    return words[6 - level if lower_is_better else level]
GROUP_ORDER = ["ALL", "AA", "AI", "AS", "FI", "HI", "PI", "WH", "MR", "EL", "LTEL", "RFP", "EO",
               "SED", "SWD", "FOS", "HOM"]
SCHOOL_TYPES = {"ES": "Elementary", "MS": "Middle", "HS": "High", "K8": "TK–8 span", "K12": "TK–12 span"}
ETHNICITY = ["HI", "AA", "AS", "FI", "WH", "MR", "AI", "PI"]


@dataclass
class YearData:
    """The warehouse rows a school year's scorecards are built from, read once."""

    directory: pd.DataFrame
    enrollment: pd.DataFrame
    results: pd.DataFrame  # indicator_results of this year, schools only
    history: pd.DataFrame  # indicator_results of every year, ALL students, schools only


def load_year(con: duckdb.DuckDBPyConnection, school_year: str) -> YearData:
    results = read_table(con, "indicator_results", {"school_year": school_year})
    history = con.execute(
        "SELECT school_year, cds, indicator, origin, status FROM indicator_results "
        "WHERE rtype = 'S' AND student_group = 'ALL' ORDER BY school_year"
    ).df() if table_exists(con, "indicator_results") else pd.DataFrame()
    return YearData(
        directory=read_table(con, "validated_directory", {"school_year": school_year}),
        enrollment=read_table(con, "validated_enrollment", {"school_year": school_year}),
        results=results[results["rtype"] == "S"] if len(results) else results,
        history=history,
    )


def _none(value):
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _preferred(rows: pd.DataFrame) -> pd.DataFrame:
    """CDE's published row when there is one, else the district's own computation."""
    if rows.empty:
        return rows
    rank = rows["origin"].map({"cde": 0, "district": 1}).fillna(2)
    key = ["school_year", "cds", "indicator", "student_group"]
    return rows.assign(_rank=rank).sort_values("_rank", kind="stable").drop_duplicates(key).drop(columns="_rank")


def _grade_span(low: str, high: str) -> str:
    return f"{low}–{high}"


def _status_text(value, kind: str, lang: str, bound=None) -> str | None:
    """A status as shown; a top/bottom-coded rate as its bound ("≤ 5.0%")."""
    bound = _none(bound)
    if bound is not None:
        return ("≤ " if bound.startswith("<=") else "≥ ") + i18n.format_rate(float(bound[2:]), lang)
    value = _none(value)
    if value is None:
        return None
    return i18n.format_rate(value, lang) if kind == "rate" else i18n.format_change(value, lang)


def _direction(change, lower_is_better: bool) -> str | None:
    change = _none(change)
    if change is None:
        return None
    if change == 0:
        return "same"
    return "better" if (change < 0) == lower_is_better else "worse"


def _indicator(row: pd.Series, trend: list[dict], key: str, lang: str, _) -> dict:
    label, lower_is_better, kind = INDICATORS[key]
    change = _none(row.get("change"))
    change_level = int(row.get("change_level") or 0)
    words = None
    if change is not None and change_level:
        words = f"{_(level_word(CHANGE_WORDS, change_level, lower_is_better))} {i18n.format_decimal(abs(change), lang)}"
    status_level = int(row.get("status_level") or 0)
    color = int(row.get("color") or 0)
    return {
        "key": key,
        "label": _(label),
        "source": _(ORIGIN_SOURCE.get(row.get("origin"), "")),
        "status": _status_text(row.get("status"), kind, lang, row.get("status_bound")),
        "change": i18n.format_change(change, lang),
        "change_direction": _direction(change, lower_is_better),
        "change_words": words,
        "status_level": _(level_word(STATUS_LEVELS, status_level, lower_is_better)) if status_level else None,
        "color": _(COLORS[color]) if color else None,
        "color_code": color,
        "n": i18n.format_integer(_none(row.get("n")), lang),
        "note": _none(row.get("note")),
        "trend": trend,
    }


def _trend(history: pd.DataFrame, cds: str, key: str, kind: str, lang: str) -> list[dict]:
    if history.empty:
        return []
    rows = _preferred(history[(history["cds"] == cds) & (history["indicator"] == key)].assign(student_group="ALL"))
    points = []
    for _, r in rows.sort_values("school_year").iterrows():
        value = _none(r["status"])
        if value is not None:
            points.append({"year": r["school_year"], "value": float(value), "label": _status_text(value, kind, lang)})
    return points


def build_school(data: YearData, school: pd.Series, school_year: str, lang: str, settings: Settings) -> dict:
    """The scorecard model of one school in one language."""
    _ = i18n.get_translations(lang).gettext
    cds = school["cds"]
    enrol = data.enrollment[data.enrollment["cds"] == cds].set_index("student_group")["enrollment"] \
        if len(data.enrollment) else pd.Series(dtype="Int64")
    total = _none(enrol.get("ALL"))
    demographics = []
    if total:
        for code in ETHNICITY + ["EL", "SED", "SWD"]:
            count = _none(enrol.get(code))
            if count is not None and count >= settings.privacy.min_n:
                demographics.append({"label": _(settings.student_groups[code]),
                                     "value": i18n.format_percent(count / total, lang)})
    results = _preferred(data.results[data.results["cds"] == cds]) if len(data.results) else data.results
    indicators = []
    for key, (_label, _lower, kind) in INDICATORS.items():
        row = results[(results["indicator"] == key) & (results["student_group"] == "ALL")] if len(results) else results
        if row.empty:
            continue
        indicators.append(_indicator(row.iloc[0], _trend(data.history, cds, key, kind, lang), key, lang, _))
    groups = _groups(results, "chronic", lang, settings, _) if len(results) else None
    school_type = SCHOOL_TYPES.get(school["school_type"], school["school_type"])
    title = _("{school} — School Scorecard {year}").format(school=school["school_name"], year=school_year)
    return {
        "lang": lang,
        "title": title,
        "school_year": school_year,
        "school": {
            "cds": cds, "name": school["school_name"], "district": school["district_name"],
            "county": school["county_name"], "principal": _none(school.get("principal_name")),
            "grade_span": _grade_span(school["low_grade"], school["high_grade"]),
            "school_type": i18n.translate_school_type(school_type, lang),
            "enrollment": i18n.format_integer(total, lang),
            "demographics": demographics,
        },
        "indicators": indicators,
        "groups": groups,
        "legend": True,
        "methodology": [
            _("Status is this year's result; change compares it with last year. Both come from "
              "counts of students and are rounded to one decimal at the end."),
            _("Colors follow the California School Dashboard: status level and change level "
              "together give one of five colors, from Red (lowest) to Blue (highest)."),
            _("No figure is shown for fewer than 11 students, and no color for fewer than 30 "
              "students in this year or last year."),
        ],
        "csv_href": "data.csv",
    }


def _groups(results: pd.DataFrame, key: str, lang: str, settings: Settings, _) -> dict | None:
    rows = results[results["indicator"] == key]
    if rows.empty:
        return None
    label, lower_is_better, kind = INDICATORS[key]
    by_group = rows.set_index("student_group")
    all_status = _none(by_group["status"].get("ALL"))
    out = []
    for code in [g for g in GROUP_ORDER if g in by_group.index]:
        r = by_group.loc[code]
        status = _none(r["status"])
        gap = None
        if code != "ALL" and status is not None and all_status is not None:
            gap = i18n.format_change(float(status) - float(all_status), lang)
        color = int(r["color"] or 0)
        out.append({
            "group": _(settings.student_groups.get(code, code)),
            "status": _status_text(status, kind, lang, r.get("status_bound")),
            "gap": gap if code != "ALL" else "",
            "n": i18n.format_integer(_none(r["n"]), lang),
            "color": _(COLORS[color]) if color else None,
            "color_code": color,
            "note": _none(r["note"]),
        })
    return {"indicator_label": _(label), "rows": out}


def school_csv(data: YearData, cds: str) -> str:
    """The school's numbers as CSV, as suppressed in the warehouse (no counts under 11)."""
    cols = ["school_year", "cds", "indicator", "origin", "student_group", "n", "status", "status_bound", "change",
            "status_level", "change_level", "color", "note"]
    rows = data.results[data.results["cds"] == cds] if len(data.results) else pd.DataFrame(columns=cols)
    return rows[cols].sort_values(["indicator", "origin", "student_group"]).to_csv(index=False)


def content_hash(model: dict, *extra: str) -> str:
    """Stable hash of a model (and e.g. template versions): same hash, same document."""
    payload = json.dumps(model, sort_keys=True, ensure_ascii=False, default=str) + "".join(extra)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
