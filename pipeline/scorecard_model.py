"""One school's page as plain data: every figure already suppressed and formatted per language.

This is the contract between scoring and rendering: the templates do no arithmetic. Figures come
from the scored warehouse tables, which already hide anything about fewer than 11 students
(10 survey respondents); the builder checks the same limits again before it formats a figure.

:func:`load_year` reads every table a year's scorecards need ONCE and splits it per school into
plain records, so that :func:`build_school` (called once per school and language) only looks
rows up and formats them: a few milliseconds a model.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from pipeline.config import Privacy, Settings, load_settings
from pipeline.outputs import defuse
from pipeline.render import i18n
from pipeline.scoring.privacy import protect_growth
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

# Equity-need tiers (table equity_index, column tier) as a family reads them.
TIERS = {"Highest": N_("Highest need"), "High": N_("High need"), "Moderate": N_("Moderate need"),
         "Low": N_("Low need"), "Lowest": N_("Lowest need")}
# The framework's default wording (config/framework.yaml). A district that renames a level,
# domain or measure gets its own words shown as written until the catalogs carry them.
FRAMEWORK_WORDS = (
    N_("Needs intensive support"), N_("Needs support"), N_("Developing"), N_("Strong"), N_("Excelling"),
    N_("Academic"), N_("Culture and climate"),
    N_("English language arts (distance from standard)"), N_("Mathematics (distance from standard)"),
    N_("English language arts growth (points above expected)"),
    N_("Mathematics growth (points above expected)"),
    N_("English learner progress (%)"), N_("Graduation rate (%)"), N_("Chronic absenteeism (%)"),
    N_("Suspension rate (%)"), N_("Students' climate survey (% favorable)"),
    N_("Parents' climate survey (% favorable)"),
)
GROWTH_SUBJECTS = {"ELA": N_("English language arts"), "MATH": N_("Mathematics")}
RESPONDENT_GROUPS = {"student": N_("Students"), "parent": N_("Families"), "staff": N_("Staff")}
# Survey domains of the default codebook, for a codebook without Spanish names.
CLIMATE_DOMAINS = (N_("Caring adults"), N_("School connectedness"), N_("Safety"), N_("Academic rigor"),
                   N_("Family engagement"), N_("Collaboration"))
GROWTH_READINGS = {"above": N_("Above expected"), "below": N_("Below expected"),
                   "expected": N_("About as expected")}
# Survey notes: a group under the respondent minimum, or a domain answered by too few people in a
# group that is shown; the page marks both the same way ("fewer than 10 respondents").
SURVEY_NOTES = {"n_lt_10": "n_lt_10", "answered_lt_10": "n_lt_10"}
_FEWER_THAN = re.compile(r"fewer than (\d+)")


# The short methodology notes every scorecard ends with (translated when the page is built).
METHODOLOGY = (
    N_("Status is this year’s result and change compares it with last year; both are "
       "computed from counts of students and rounded to one decimal."),
    N_("Overall rating: the score out of 100 is the weighted average of the measures’ levels "
       "times 10; a measure without enough data passes its weight to the others. Growth in "
       "the rating is the two-year estimate, steadier than one year’s average."),
    N_("The equity-need tier combines the share of low-income students, English learners and "
       "foster youth, neighborhood poverty, test results, chronic absence, and asthma and gun "
       "violence near the school."),
)

@dataclass
class YearData:
    """The warehouse rows a school year's scorecards are built from, read once.

    The DataFrames are the tables as read (schools only); ``by_school`` holds the same rows as
    plain records keyed by CDS code, which is what :func:`build_school` reads.
    """

    directory: pd.DataFrame
    enrollment: pd.DataFrame
    results: pd.DataFrame  # indicator_results of this year, schools only
    history: pd.DataFrame  # indicator_results of every year, ALL students, schools only
    rating: pd.DataFrame = field(default_factory=pd.DataFrame)  # school_rating
    measures: pd.DataFrame = field(default_factory=pd.DataFrame)  # rating_measures
    equity: pd.DataFrame = field(default_factory=pd.DataFrame)  # equity_index
    growth: pd.DataFrame = field(default_factory=pd.DataFrame)  # growth, schools only
    climate: pd.DataFrame = field(default_factory=pd.DataFrame)  # climate, schools, domain rows
    levels: list[dict] = field(default_factory=list)  # framework levels: level, label, min
    measure_info: dict[str, dict] = field(default_factory=dict)  # measure -> order, kind
    domains: dict[tuple[str, str], dict] = field(default_factory=dict)  # (group, domain) -> order, es
    ranked_schools: int = 0  # schools with an equity tier
    by_school: dict[str, dict] = field(default_factory=dict)

    def school(self, cds: str) -> dict:
        """The school's records: results, history, enrollment, rating, measures, growth, ..."""
        return self.by_school.get(cds) or _new_school()

    def index_row(self, school: pd.Series, languages: list[str]) -> dict:
        """The index page's row for ``school``: overall level and equity tier, with sort ranks."""
        rec = self.school(school["cds"])
        rating, equity = rec["rating"], rec["equity"]
        row = {
            "cds": school["cds"], "name": school["school_name"],
            "grade_span": _grade_span(school["low_grade"], school["high_grade"]),
            "languages": list(languages),
        }
        if rating and rating.get("rated") and rating.get("level") is not None:
            row["level"] = rating.get("level_label") or ""
            row["level_rank"] = int(rating["level"])
        if equity and equity.get("tier"):
            row["tier"] = TIERS.get(equity["tier"], equity["tier"])
            row["tier_rank"] = int(equity["tier_rank"]) if equity.get("tier_rank") is not None else ""
        return row


def _new_school() -> dict:
    return {"results": {}, "rows": [], "history": {}, "enrollment": {}, "rating": None, "equity": None,
            "measures": [], "growth": {}, "climate": []}


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts with None for every missing value (NaN, NA, NaT)."""
    if frame is None or frame.empty:
        return []
    columns = list(frame.columns)
    values = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
    return [dict(zip(columns, row)) for row in values]


def _read(con: duckdb.DuckDBPyConnection, table: str, school_year: str, schools_only: bool = True) -> pd.DataFrame:
    frame = read_table(con, table, {"school_year": school_year})
    if schools_only and len(frame) and "rtype" in frame.columns:
        frame = frame[frame["rtype"] == "S"]
    return frame


def _framework_info() -> tuple[list[dict], dict[str, dict]]:
    """Levels and measure order/kind from config/framework.yaml (empty if it cannot be read)."""
    try:
        from pipeline.scoring.framework import load_framework
        fw = load_framework()
    except Exception:  # the page still renders from the warehouse alone
        return [], {}
    levels = sorted(({"level": int(r["level"]), "label": str(r["label"]), "min": float(r["min"])}
                     for r in _records(fw.levels)), key=lambda r: r["level"])
    info = {}
    for i, m in enumerate(_records(fw.measures)):
        if m["source_table"] == "indicator_results":
            kind = INDICATORS.get(m.get("indicator"), ("", False, "rate"))[2]
        else:
            kind = "rate" if m["source_table"] == "climate" else "dfs"
        info[m["measure"]] = {"order": i, "kind": kind}
    return levels, info


def load_year(con: duckdb.DuckDBPyConnection, school_year: str, privacy: Privacy | None = None) -> YearData:
    """Read every table this year's scorecards need, once, and split it per school.

    Growth gets complementary suppression here (``protect_growth``): the stored table has only
    the primary rule, and its groups add up to all students like the indicators' do.
    """
    results = _read(con, "indicator_results", school_year)
    history = con.execute(
        "SELECT school_year, cds, indicator, origin, status FROM indicator_results "
        "WHERE rtype = 'S' AND student_group = 'ALL' ORDER BY school_year"
    ).df() if table_exists(con, "indicator_results") else pd.DataFrame()
    climate = _read(con, "climate", school_year)
    if len(climate):
        climate = climate[climate["level"] == "domain"]
    codebook = read_table(con, "validated_survey_codebook", {"school_year": school_year})
    levels, measure_info = _framework_info()
    data = YearData(
        directory=read_table(con, "validated_directory", {"school_year": school_year}),
        enrollment=read_table(con, "validated_enrollment", {"school_year": school_year}),
        results=results, history=history,
        rating=_read(con, "school_rating", school_year),
        measures=_read(con, "rating_measures", school_year),
        equity=_read(con, "equity_index", school_year),
        growth=protect_growth(_read(con, "growth", school_year), privacy or load_settings().privacy),
        climate=climate,
        levels=levels, measure_info=measure_info,
    )
    if len(codebook):
        # one order of domains for every respondent group (the codebook's first mention), so the
        # same theme sits on the same line for students, families and staff
        book = codebook.sort_values("source_line") if "source_line" in codebook.columns else codebook
        first: dict[str, int] = {}
        for r in _records(book):
            first.setdefault(r["domain"], len(first))
            data.domains.setdefault((r["respondent_group"], r["domain"]),
                                    {"order": first[r["domain"]], "es": r.get("domain_es")})
    if len(data.equity):
        data.ranked_schools = int(data.equity["tier"].notna().sum())
    _split(data)
    return data


def _split(data: YearData) -> None:
    """Fill ``data.by_school``: each table's rows of each school, as records."""
    by: dict[str, dict] = {}

    def rec(cds: str) -> dict:
        if cds not in by:
            by[cds] = _new_school()
        return by[cds]

    for r in _records(data.results):
        rec(r["cds"])["rows"].append(r)
    for r in _records(_preferred(data.results)):
        rec(r["cds"])["results"][(r["indicator"], r["student_group"])] = r
    if len(data.history):
        hist = _preferred(data.history.assign(student_group="ALL")).sort_values("school_year", kind="stable")
        for r in _records(hist):
            rec(r["cds"])["history"].setdefault(r["indicator"], []).append(r)
    for r in _records(data.enrollment):
        rec(r["cds"])["enrollment"][r["student_group"]] = r["enrollment"]
    for r in _records(data.rating):
        rec(r["cds"])["rating"] = r
    for r in _records(data.equity):
        rec(r["cds"])["equity"] = r
    order = data.measure_info
    for r in sorted(_records(data.measures),
                    key=lambda r: (order.get(r["measure"], {}).get("order", len(order)), r["domain"], r["measure"])):
        rec(r["cds"])["measures"].append(r)
    for r in _records(data.growth):
        rec(r["cds"])["growth"][(r["subject"], r["student_group"])] = r
    for r in _records(data.climate):
        rec(r["cds"])["climate"].append(r)
    data.by_school = by


def _config_word(row: dict, key: str, _) -> str | None:
    """A label that comes from configuration (framework levels, domains, measures), translated
    when the catalog has it (the defaults are listed in FRAMEWORK_WORDS), else as written."""
    word = row.get(key)
    return _(word) if word else None


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


def _indicator(row: dict, trend: list[dict], key: str, lang: str, _) -> dict:
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


def _trend(history: dict[str, list[dict]], key: str, kind: str, lang: str) -> list[dict]:
    points = []
    for r in history.get(key, ()):
        value = r["status"]
        if value is not None:
            points.append({"year": r["school_year"], "value": float(value), "label": _status_text(value, kind, lang)})
    return points


def build_school(data: YearData, school: pd.Series, school_year: str, lang: str, settings: Settings) -> dict:
    """The scorecard model of one school in one language."""
    translations = i18n.get_translations(lang)
    _ = translations.gettext
    cds = school["cds"]
    rec = data.school(cds)
    enrol = rec["enrollment"]
    total = enrol.get("ALL")
    demographics = []
    if total:
        for code in ETHNICITY + ["EL", "SED", "SWD"]:
            count = enrol.get(code)
            if count is not None and count >= settings.privacy.min_n:
                demographics.append({"label": _(settings.student_groups[code]),
                                     "value": i18n.format_percent(count / total, lang)})
    results = rec["results"]
    indicators = []
    for key, (_label, _lower, kind) in INDICATORS.items():
        row = results.get((key, "ALL"))
        if row is not None:
            indicators.append(_indicator(row, _trend(rec["history"], key, kind, lang), key, lang, _))
    groups = _groups(results, "chronic", lang, settings, _) if results else None
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
        "overall": _overall(rec["rating"], rec["equity"], data, lang, translations),
        "indicators": indicators,
        "growth": _growth(rec["growth"], bool(data.growth is not None and len(data.growth)), lang, settings, _),
        "climate": _climate(rec["climate"], data.domains, lang, settings, _),
        "measures": _measures(rec["measures"], data.measure_info, lang, _),
        "groups": groups,
        "legend": True,
        "methodology": [_(note) for note in METHODOLOGY],
        "csv_href": "data.csv",
    }


# ----------------------------------------------------------------------------- overall rating

def _number(value: float, lang: str) -> str:
    """A cut point or bound: no decimals when it is whole (35), else one (49.9)."""
    return i18n.format_decimal(value, lang, 0 if float(value).is_integer() else 1)


def _ladder(levels: list[dict], current: int | None, lang: str, _) -> list[dict]:
    steps = []
    for i, lv in enumerate(levels):
        nxt = levels[i + 1]["min"] if i + 1 < len(levels) else None
        if i == 0 and nxt is not None:
            span = _("below %(max)s") % {"max": _number(nxt, lang)}
        elif nxt is None:
            span = _("%(min)s or more") % {"min": _number(lv["min"], lang)}
        else:
            span = _("%(min)s to %(max)s") % {"min": _number(lv["min"], lang),
                                             "max": _number(round(nxt - 0.1, 1), lang)}
        steps.append({"level": lv["level"], "label": _config_word(lv, "label", _), "range": span,
                      "current": lv["level"] == current})
    return steps


def _overall(rating: dict | None, equity: dict | None, data: YearData, lang: str, translations) -> dict | None:
    """Overall level and score, against the district and same-need schools; the equity tier."""
    _ = translations.gettext
    if rating is None and equity is None:
        return None
    out: dict = {"rated": False, "level": None, "levels": len(data.levels) or None, "level_label": None,
                 "level_of": None, "score": None, "district_average": None, "peer_tier": None,
                 "peer_average": None, "peer_schools": None, "peer_percentile": None, "peer_sentence": None,
                 "next_level": None, "points_to_next": None, "next_sentence": None, "top_level": False,
                 "ladder": [], "equity": None}
    if rating is not None:
        rated = bool(rating.get("rated")) and rating.get("score") is not None and rating.get("level") is not None
        level = int(rating["level"]) if rated else None
        tier = rating.get("peer_tier")
        peers = int(rating["peer_schools"]) if rating.get("peer_schools") is not None else None
        out.update({
            "rated": rated,
            "level": level,
            "level_label": _config_word(rating, "level_label", _) if rated else None,
            "score": i18n.format_decimal(rating["score"], lang) if rated else None,
            "district_average": i18n.format_decimal(rating.get("district_average"), lang),
            "peer_tier": _(TIERS.get(tier, tier)) if tier else None,
            "peer_average": i18n.format_decimal(rating.get("peer_average"), lang),
            "peer_schools": i18n.format_integer(peers, lang),
            "ladder": _ladder(data.levels, level, lang, _),
        })
        if level is not None and data.levels:
            out["level_of"] = _("Level %(level)s of %(levels)s") % {"level": level, "levels": len(data.levels)}
        percentile = rating.get("peer_percentile")
        if rated and percentile is not None and peers and peers > 1:
            others = peers - 1
            below = int(round(float(percentile) * others / 100))
            out["peer_percentile"] = i18n.format_integer(float(percentile), lang)
            if below == 0:
                out["peer_sentence"] = _("none of them scored lower")
            elif below == others:
                out["peer_sentence"] = translations.ngettext(
                    "higher than the other school", "higher than all %(n)s others", others) % {
                    "n": i18n.format_integer(others, lang)}
            else:
                out["peer_sentence"] = translations.ngettext(
                    "higher than %(k)s of the %(n)s other school", "higher than %(k)s of the %(n)s other schools",
                    others) % {"k": i18n.format_integer(below, lang), "n": i18n.format_integer(others, lang)}
        elif rated and peers == 1:
            out["peer_sentence"] = _("the only rated school in its tier")
        to_next = rating.get("points_to_next_level")
        if rated and to_next is not None:
            above = [lv for lv in data.levels if lv["level"] == level + 1]
            out["points_to_next"] = i18n.format_decimal(max(float(to_next), 0.1), lang)
            out["next_level"] = _config_word(above[0], "label", _) if above else None
            out["next_sentence"] = (
                _("%(points)s more points to reach “%(level)s”") % {"points": out["points_to_next"],
                                                                   "level": out["next_level"]}
                if above else _("%(points)s more points to reach the next level") % {"points": out["points_to_next"]})
        elif rated:
            out["top_level"] = True
            out["next_sentence"] = _("The highest level")
    if equity is not None and equity.get("tier"):
        out["equity"] = {
            "tier": _(TIERS.get(equity["tier"], equity["tier"])),
            "tier_rank": int(equity["tier_rank"]) if equity.get("tier_rank") is not None else None,
            "need_rank": i18n.format_integer(equity.get("need_rank"), lang),
            "schools": i18n.format_integer(data.ranked_schools or None, lang),
        }
    return out


# ----------------------------------------------------------------------------- framework measures

def _measure_value(value, kind: str, lang: str) -> str | None:
    return i18n.format_rate(value, lang) if kind == "rate" else i18n.format_change(value, lang)


def _improvement(amount, higher_is_better: bool, lang: str, _) -> str:
    """Direction-aware: "+3.3 points" when higher is better, "1.1 points lower" when lower is."""
    text = i18n.format_decimal(max(float(amount), 0.1), lang)
    return _("+%(value)s points") % {"value": text} if higher_is_better else \
        _("%(value)s points lower") % {"value": text}


def _measures(rows: list[dict], info: dict[str, dict], lang: str, _) -> dict | None:
    """The framework's measures by domain: value, index level, weight, improvement needed."""
    if not rows:
        return None
    domains: list[dict] = []
    for r in rows:
        if not domains or domains[-1]["key"] != r["domain"]:
            domains.append({"key": r["domain"], "label": _config_word(r, "domain_label", _) or r["domain"],
                            "weight": None, "rows": [], "_weight": 0.0})
        d = domains[-1]
        kind = info.get(r["measure"], {}).get("kind") or ("rate" if "(%" in (r.get("label") or "") else "dfs")
        higher = bool(r.get("higher_is_better"))
        reason = r.get("missing_reason")
        shown = reason is None and r.get("value") is not None and r.get("index_level") is not None
        missing = None
        note = None
        if not shown:
            small = _FEWER_THAN.search(reason or "")
            if small:
                missing = _("Not rated: fewer than %(n)s students") % {"n": small.group(1)}
            else:
                note = "no_data"
                missing = _("No data")
        improvement = r.get("improvement_needed")
        level = int(r["index_level"]) if shown else None
        row = {
            "key": r["measure"],
            "label": _config_word(r, "label", _) or r["measure"],
            "higher_is_better": higher,
            "value": _measure_value(r["value"], kind, lang) if shown else None,
            "level": i18n.format_integer(level, lang) if shown else None,
            "level_code": level,
            "weight": i18n.format_rate(r.get("effective_weight"), lang, 0) if shown else None,
            "improvement": _improvement(improvement, higher, lang, _) if shown and improvement is not None else None,
            "top": bool(shown and improvement is None),
            "missing": missing,
            "note": note,
        }
        if row["top"]:
            row["improvement"] = _("Highest level reached")
        d["_weight"] += float(r.get("effective_weight") or 0)
        d["rows"].append(row)
    for d in domains:
        d["weight"] = i18n.format_rate(d.pop("_weight"), lang, 0)
    return {"domains": domains}


# ----------------------------------------------------------------------------- growth

def _signed(value, lang: str) -> str | None:
    return i18n.format_change(value, lang)


def _growth(rows: dict, table_present: bool, lang: str, settings: Settings, _) -> dict | None:
    """Growth of all students by subject: this year's mean with its 95 % range, the two-year estimate."""
    if not table_present:
        return None
    subjects = []
    for code, label in GROWTH_SUBJECTS.items():
        r = rows.get((code, "ALL"))
        item = {"key": code, "label": _(label), "n": None, "mean": None, "ci_low": None, "ci_high": None,
                "interval": None, "estimate": None, "reading": None, "reading_code": None,
                "reading_note": None, "note": None, "chart": None}
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
            headline = mean if mean is not None else estimate
            item.update({
                "n": i18n.format_integer(n, lang),
                "mean": _signed(headline, lang),
                "estimate": _signed(estimate, lang) if estimate is not None and mean is not None else None,
            })
            if low is not None and high is not None and mean is not None:
                item.update({
                    "ci_low": _signed(low, lang), "ci_high": _signed(high, lang),
                    "interval": _("%(low)s to %(high)s") % {"low": _signed(low, lang), "high": _signed(high, lang)},
                    "chart": {"value": float(mean), "low": float(low), "high": float(high),
                              "label": _signed(mean, lang), "low_label": _signed(low, lang),
                              "high_label": _signed(high, lang)},
                })
                if r.get("category_allowed") is not None and not r.get("category_allowed"):
                    item["reading_note"] = _("Fewer than 30 students: no reading given")
                else:
                    code_ = "above" if low > 0 else "below" if high < 0 else "expected"
                    item["reading_code"] = code_
                    item["reading"] = _(GROWTH_READINGS[code_])
        subjects.append(item)
    if all(s["note"] == "no_data" for s in subjects):
        return None  # e.g. a high school: growth is measured in grades 4 to 8
    return {"subjects": subjects}


# ----------------------------------------------------------------------------- climate

def _climate(rows: list[dict], domains: dict, lang: str, settings: Settings, _) -> dict | None:
    """Percent favorable by respondent group and domain, beside the district; response rates."""
    if not rows:
        return None
    min_resp = settings.privacy.survey_min_respondents
    groups = []
    for key, label in RESPONDENT_GROUPS.items():
        mine = [r for r in rows if r["respondent_group"] == key]
        group = {"key": key, "label": _(label), "respondents": None, "invited": None, "response_rate": None,
                 "response": None, "note": None, "domains": []}
        if not mine:
            group["note"] = "no_data"
            groups.append(group)
            continue
        respondents = max((r["respondents"] for r in mine if r.get("respondents") is not None), default=None)
        hidden = any(r.get("note") == "n_lt_10" for r in mine) or (
            respondents is not None and respondents < min_resp) or all(r.get("suppressed") for r in mine)
        if hidden:
            group["note"] = "n_lt_10"
        else:
            invited = next((r["invited"] for r in mine if r.get("invited") is not None), None)
            rate = next((r["response_rate"] for r in mine if r.get("response_rate") is not None), None)
            group.update({
                "respondents": i18n.format_integer(respondents, lang),
                "invited": i18n.format_integer(invited, lang),
                "response_rate": i18n.format_rate(rate, lang),
            })
            if group["response_rate"] and group["respondents"] and group["invited"]:
                group["response"] = _("%(rate)s (%(n)s of %(invited)s)") % {
                    "rate": group["response_rate"], "n": group["respondents"], "invited": group["invited"]}
            elif group["respondents"]:
                group["response"] = _("%(n)s answered") % {"n": group["respondents"]}
        order = sorted(mine, key=lambda r: (domains.get((key, r["domain"]), {}).get("order", 1_000), r["domain"]))
        for r in order:
            value = r.get("percent_favorable")
            note = SURVEY_NOTES.get(r.get("note"))
            if hidden:
                value, note = None, "n_lt_10"
            elif value is None:
                note = note or "no_data"
            else:
                note = None
            es = domains.get((key, r["domain"]), {}).get("es")
            group["domains"].append({
                "label": es if lang == "es" and es else _config_word(r, "domain", _),
                "school": i18n.format_rate(value, lang) if value is not None else None,
                "district": i18n.format_rate(r.get("district_percent_favorable"), lang),
                "note": note,
            })
        groups.append(group)
    return {"groups": groups}


# ----------------------------------------------------------------------------- student groups

def _groups(results: dict, key: str, lang: str, settings: Settings, _) -> dict | None:
    by_group = {g: r for (ind, g), r in results.items() if ind == key}
    if not by_group:
        return None
    label, lower_is_better, kind = INDICATORS[key]
    all_row = by_group.get("ALL")
    all_status = all_row["status"] if all_row else None
    out = []
    for code in [g for g in GROUP_ORDER if g in by_group]:
        r = by_group[code]
        status = r["status"]
        gap = None
        if code != "ALL" and status is not None and all_status is not None:
            gap = i18n.format_change(float(status) - float(all_status), lang)
        color = int(r["color"] or 0)
        out.append({
            "group": _(settings.student_groups.get(code, code)),
            "status": _status_text(status, kind, lang, r.get("status_bound")),
            "gap": gap if code != "ALL" else "",
            "n": i18n.format_integer(r["n"], lang),
            "color": _(COLORS[color]) if color else None,
            "color_code": color,
            "note": r["note"],
        })
    return {"indicator_label": _(label), "rows": out}


# ----------------------------------------------------------------------------- data.csv

CSV_COLUMNS = ["section", "school_year", "cds", "item", "group", "origin", "figure", "value", "note"]
# section -> (figures in order, the column naming the item, the column naming the group)
CSV_SECTIONS = {
    "indicator": (["n", "status", "status_bound", "change", "status_level", "change_level", "color"],
                  "indicator", "student_group"),
    "rating": (["rated", "score", "level", "level_label", "district_average", "peer_tier", "peer_average",
                "peer_schools", "peer_percentile", "points_to_next_level"], None, None),
    "equity": (["composite", "composite_percentile", "tier", "tier_rank", "need_rank"], None, None),
    "rating_measure": (["value", "n", "higher_is_better", "index_level", "points", "effective_weight", "next_cut",
                        "improvement_needed"], "measure", None),
    "growth": (["n", "mean", "ci_low", "ci_high", "two_year_mean", "eb_estimate", "estimate", "category_allowed"],
               "subject", "student_group"),
    "climate": (["percent_favorable", "district_percent_favorable", "respondents", "invited", "response_rate"],
                "domain", "respondent_group"),
}


# figures that are counts, levels or ranks: written without decimals even when stored as DOUBLE
_CSV_WHOLE = {"n", "prior_n", "respondents", "invited", "peer_schools", "level", "index_level", "points",
              "status_level", "change_level", "color", "tier_rank", "need_rank"}
# the figures a suppressed row still lists (empty, with its note), so the suppression shows
_CSV_PRIMARY = {"n", "status", "score", "composite", "value", "mean", "percent_favorable", "respondents"}


def _csv_value(value, figure: str = "") -> str:
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, float, np.integer, np.floating)):
        value = float(value)
        if math.isnan(value):
            return ""
        if figure in _CSV_WHOLE and value.is_integer():
            return str(int(value))
        return repr(round(value, 6))
    return str(value)


def school_csv(data: YearData, cds: str) -> str:
    """The school's numbers as CSV, as suppressed in the warehouse (no counts under 11).

    Long format: one row per figure, ``section, school_year, cds, item, group, origin, figure,
    value, note``. Sections: ``indicator`` (every indicator x student group x origin),
    ``rating`` (overall score and level), ``equity`` (need tier), ``rating_measure`` (each
    framework measure; ``note`` is its missing reason), ``growth`` (subject x student group) and
    ``climate`` (respondent group x domain). Empty figures are left out, except that a
    suppressed row keeps its main figures, empty, with the note (``n_lt_11``, ``n_lt_10``, ...).
    """
    rec = data.school(cds)
    year = None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)

    def emit(section: str, rows: list[dict]) -> None:
        nonlocal year
        figures, item_col, group_col = CSV_SECTIONS[section]
        for r in rows:
            year = r.get("school_year") or year
            note = r.get("note") if section != "rating_measure" else r.get("missing_reason")
            item = r.get(item_col) if item_col else ("overall" if section == "rating" else "equity_index")
            for figure in figures:
                value = _csv_value(r.get(figure), figure)
                if figure not in r or (value == "" and not (note and figure in _CSV_PRIMARY)):
                    continue
                # section, year, cds, origin and figure are this module's own words; the rest
                # come from the data, so a cell like "=HYPERLINK(...)" cannot run in a spreadsheet
                writer.writerow([
                    section, r.get("school_year") or "", cds, defuse(item or ""),
                    defuse((r.get(group_col) or "") if group_col else ""),
                    (r.get("origin") or "") if section == "indicator" else "",
                    figure, defuse(value), defuse(note or "")])

    # every origin, not only the preferred one: the file holds the warehouse's rows for the school
    emit("indicator", sorted(rec["rows"], key=lambda r: (r["indicator"], r["origin"], r["student_group"])))
    emit("rating", [rec["rating"]] if rec["rating"] else [])
    emit("equity", [rec["equity"]] if rec["equity"] else [])
    emit("rating_measure", rec["measures"])
    emit("growth", [rec["growth"][k] for k in sorted(rec["growth"])])
    emit("climate", sorted(rec["climate"], key=lambda r: (r["respondent_group"], r["domain"])))
    return out.getvalue()


def content_hash(model: dict, *extra: str) -> str:
    """Stable hash of a model (and e.g. template versions): same hash, same document."""
    payload = json.dumps(model, sort_keys=True, ensure_ascii=False, default=str) + "".join(extra)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
