"""The one place a scorecard model becomes words and numbers in a language.

:func:`present` turns a :class:`~pipeline.scorecard.model.Scorecard` (plain typed data, the same
for every language) into the page the template receives: nested dicts in which every figure is a
formatted string (Babel's number and percent formats, :mod:`pipeline.render.i18n`) and every label
is translated (the gettext catalogs). The template does no arithmetic and no formatting.

The page is also what a document's content hash is taken of (:mod:`pipeline.publish`), so a change
in formatting here shows up as a changed document and is rendered again.

Over 400 lines: every section of the page is worded here, side by side, so that a figure reads
the same wherever it appears; the sections are small functions in page order.
"""
from __future__ import annotations

from datetime import date

from pipeline.render import i18n
from pipeline.render.data_csv import data_file_name
from pipeline.render.i18n import N_
from pipeline.scorecard.labels import (
    CHANGE_WORDS,
    COLORS,
    EQUITY_COMPONENTS,
    GROWTH_LABEL,
    GROWTH_READINGS,
    INDICATORS,
    SHORT_LABELS,
    STATUS_LEVELS,
    level_word,
)
from pipeline.scorecard.model import (
    ClimateGroup,
    GroupTable,
    GrowthSubject,
    Indicator,
    MeasureDomain,
    Overall,
    SchoolFacts,
    Scorecard,
)

# Same-need schools (the school included) needed before its place among them is a percentile.
PERCENTILE_MIN_SCHOOLS = 5

# The short methodology notes every scorecard ends with.
METHODOLOGY = (
    N_("Status is this year’s result; change is computed before rounding, so it can differ by 0.1 "
       "from the difference of the rounded figures shown."),
    N_("Overall rating: a measure without enough data passes its weight to the others; growth "
       "counts as its two-year estimate, steadier than one year’s average."),
    N_("The equity-need tier combines the share of low-income students, English learners and "
       "foster youth, neighborhood poverty, test results, chronic absence, and asthma and gun "
       "violence near the school."),
)


def present(model: Scorecard, lang: str, district: str | None = None, as_of: date | None = None) -> dict:
    """The page of ``model`` in language ``lang``: what ``render_scorecard_html`` takes.

    ``district`` is the district's name in that language (configuration ``district_name_in``);
    without it the directory's name is shown. ``as_of`` is the date the run produced the page's
    data: every page says "Data as of <date>" (the PDF in each page's footer)."""
    translations = i18n.get_translations(lang)
    _ = translations.gettext
    school = model.school
    return {
        "lang": lang,
        "title": _("{school} — School Scorecard {year}").format(school=school.name, year=model.school_year),
        "school_year": model.school_year,
        "school": {**_school(school, lang, _), **({"district": district} if district else {})},
        "overall": _overall(model.overall, lang, translations) if model.overall else None,
        "indicators": [_indicator(ind, lang, _) for ind in model.indicators],
        "growth": {"subjects": [_growth(s, lang, _) for s in model.growth]} if model.growth else None,
        "climate": {"groups": [_climate(g, lang, _) for g in model.climate]} if model.climate else None,
        "measures": _measures(model.measures, lang, _) if model.measures else None,
        "groups": _group_matrix([_groups(t, lang, _) for t in model.groups], _) if model.groups else None,
        **_applicability(model, _),
        "legend": True,
        "methodology": [_(note) for note in METHODOLOGY],
        "csv_href": data_file_name(lang),
        "xlsx_href": data_file_name(lang, "xlsx"),
        "data_as_of": present_date(as_of, lang) if as_of else None,
    }


def present_date(as_of: date, lang: str) -> str:
    """ "Data as of June 1, 2024" in ``lang``: the date the run produced a page's data."""
    return i18n.get_translations(lang).gettext("Data as of %(date)s") % {"date": i18n.format_date(as_of, lang)}


def _measures(domains: tuple[MeasureDomain, ...], lang: str, _) -> dict:
    words = _measure_words(domains, lang, _)
    return {"domains": [_domain(d, lang, _, words) for d in domains], **_scale(domains, lang, _)}


def _config_word(word: str | None, _, spanish: str | None = None, lang: str = "en") -> str | None:
    """A label that comes from configuration (framework levels, domains, measures): the framework's
    own Spanish word when it gives one, else translated when the catalog has it (the defaults are
    listed in labels.FRAMEWORK_WORDS), else as written."""
    if lang == "es" and spanish:
        return spanish
    return _(word) if word else None


def _status(value, bound: str | None, kind: str, lang: str) -> str | None:
    """A status as shown; a top/bottom-coded rate as its bound ("≤ 5.0%")."""
    if bound is not None:
        return ("≤ " if bound == "<=" else "≥ ") + i18n.format_rate(value, lang)
    if value is None:
        return None
    return i18n.format_rate(value, lang) if kind == "rate" else i18n.format_change(value, lang)


def _school(s: SchoolFacts, lang: str, _) -> dict:
    return {
        "cds": s.cds, "name": s.name, "district": s.district, "county": s.county, "principal": s.principal,
        "grade_span": s.grade_span,
        "school_type": i18n.translate_school_type(s.school_type, lang),
        "enrollment": i18n.format_integer(s.enrollment, lang),
        "demographics": [{"label": _(d.label), "value": i18n.format_percent(d.share, lang)}
                         for d in s.demographics],
    }


def _signed_change(change: float, kind: str, lang: str, _) -> str:
    """The change with its sign and unit, as CDE writes it: "−2.4 points", "+1.5%" (a rate's
    change is in percentage points, which the Dashboard writes with a percent sign)."""
    if kind == "rate":
        figure = i18n.format_rate(change, lang)
        return "+" + figure if i18n.format_change(change, lang).startswith("+") else figure
    return _("%(change)s points") % {"change": i18n.format_change(change, lang)}


def _indicator(ind: Indicator, lang: str, _) -> dict:
    words = None
    if ind.change is not None:
        signed = _signed_change(ind.change, ind.kind, lang, _)
        # CDE's words for the change level, then the change itself, signed: "Maintained −2.4 points"
        words = (f"{_(level_word(CHANGE_WORDS, ind.change_level, ind.lower_is_better))} {signed}"
                 if ind.change_level else signed)
    return {
        "key": ind.key,
        "label": _(ind.label),
        "source": _(ind.source),
        "status": _status(ind.status, ind.status_bound, ind.kind, lang),
        "change": i18n.format_change(ind.change, lang),
        "change_direction": ind.change_direction,
        "change_words": words,
        "change_unrounded": ind.change_unrounded,
        "population": ind.population,
        "origin": ind.origin,
        "status_level": _(level_word(STATUS_LEVELS, ind.status_level, ind.lower_is_better))
        if ind.status_level else None,
        "color": _(COLORS[ind.color]) if ind.color else None,
        "color_code": ind.color,
        "n": i18n.format_integer(ind.n, lang),
        "note": ind.note,
        "trend": [{"year": p.year, "value": p.value, "label": _status(p.value, None, ind.kind, lang)}
                  for p in ind.trend],
    }


def _groups(table: GroupTable, lang: str, _) -> dict:
    """One indicator by student group: figures signed like the cards' (the caption gives the
    unit), the hidden groups named in words after the table, not as rows of marks."""
    rows = [{
        "group": _(r.label),
        "status": _status(r.status, r.status_bound, table.kind, lang),
        "change": i18n.format_change(r.change, lang),
        "gap": i18n.format_change(r.gap, lang),
        "n": i18n.format_integer(r.n, lang),
        "color": _(COLORS[r.color]) if r.color else None,
        "color_code": r.color,
        "note": r.note,
    } for r in table.rows]
    hidden = []
    for note, words in (("n_lt_11", _("fewer than 11 students")),
                        ("complementary", _("hidden so that a smaller group’s result cannot be worked out"))):
        names = [_(h.label) for h in table.hidden if h.note == note]
        if names:
            hidden.append(_("%(groups)s (%(reason)s)") % {"groups": ", ".join(names), "reason": words})
    return {
        "key": table.indicator,
        "indicator_label": _(table.label),
        "short_label": _(SHORT_LABELS.get(table.indicator, table.label)),
        "colors": table.colors,
        "origin": table.origin,
        "rows": rows,
        "hidden_groups": [{"group": _(h.label), "note": h.note} for h in table.hidden],
        "hidden": (_("Not shown, to protect student privacy: %(groups)s.") % {"groups": "; ".join(hidden)})
        if hidden else None,
    }


def _group_matrix(tables: list[dict], _) -> dict:
    """The tables as one matrix, a row per student group and a column per indicator: the groups
    in the order the tables give them; a cell is the group's row, a hidden group's note code, or
    empty where the indicator does not report the group."""
    order: list[str] = []
    for t in tables:
        order += [r["group"] for r in t["rows"] if r["group"] not in order]
        order += [h["group"] for h in t["hidden_groups"] if h["group"] not in order]
    rows = []
    for name in order:
        cells = []
        for t in tables:
            row = next((r for r in t["rows"] if r["group"] == name), None)
            hidden = next((h["note"] for h in t["hidden_groups"] if h["group"] == name), None)
            cells.append({**(row or {}), "hidden": hidden, "colors": t["colors"]} if row or hidden else None)
        rows.append({"group": name, "cells": cells})
    # a group hidden in every column is named once in words under the matrix, not as a row of marks
    everywhere = [r["group"] for r in rows if all(c is None or c["hidden"] for c in r["cells"])]
    return {"tables": tables, "rows": [r for r in rows if r["group"] not in everywhere],
            "hidden_everywhere": (_("Not shown for any indicator, to protect student privacy: %(groups)s.")
                                  % {"groups": ", ".join(everywhere)}) if everywhere else None,
            "columns": [{**{k: t[k] for k in ("key", "indicator_label", "colors", "origin")},
                         "short_label": t.get("short_label") or t["indicator_label"]} for t in tables]}


def _applicability(model: Scorecard, _) -> dict:
    """The indicators the school's grades do not have, and those it has no result for, in words."""
    def names(keys):
        return ", ".join(_(GROWTH_LABEL) if k == "growth" else _(INDICATORS[k][0]) for k in keys)
    return {
        "not_applicable": _("Does not apply at this school’s grades: %(indicators)s.") % {
            "indicators": names(model.not_applicable)} if model.not_applicable else None,
        "no_data": _("No data this year: %(indicators)s.") % {"indicators": names(model.no_data)}
        if model.no_data else None,
    }


# ----------------------------------------------------------------------------- overall rating

def _number(value: float, lang: str) -> str:
    """A cut point or bound: no decimals when it is whole (35), else as many as it has (49.9, 3.49)."""
    value = float(value)
    decimals = next((d for d in range(5) if abs(round(value, d) - value) < 1e-9), 4)
    return i18n.format_decimal(value, lang, decimals)


def _ladder(o: Overall, lang: str, _) -> list[dict]:
    steps = []
    for i, step in enumerate(o.ladder):
        if i == 0 and step.next_min is not None:
            span = _("below %(max)s") % {"max": _number(step.next_min, lang)}
        elif step.next_min is None:
            span = _("%(min)s or more") % {"min": _number(step.min, lang)}
        else:
            span = _("%(min)s to %(max)s") % {"min": _number(step.min, lang), "max": _number(step.up_to, lang)}
        steps.append({"level": step.level, "label": _config_word(step.label, _, step.label_es, lang), "range": span,
                      "current": step.current})
    return steps


def _peer_sentence(o: Overall, lang: str, translations) -> str | None:
    _ = translations.gettext
    if o.peer_percentile is not None:
        below, others = o.peers_below, o.peers_other
        if below == 0:
            return _("none of them scored lower")
        if below == others:
            return translations.ngettext(
                "higher than the other school", "higher than all %(n)s others", others) % {
                "n": i18n.format_integer(others, lang)}
        return translations.ngettext(
            "higher than %(k)s of the %(n)s other school", "higher than %(k)s of the %(n)s other schools",
            others) % {"k": i18n.format_integer(below, lang), "n": i18n.format_integer(others, lang)}
    if o.only_rated_in_tier:
        return _("the only rated school in its tier")
    return None


def _overall(o: Overall, lang: str, translations) -> dict:
    """Overall level and score, against the district and same-need schools; the equity tier."""
    _ = translations.gettext
    points = next_level = sentence = None
    if o.points_to_next is not None:
        points = _number(o.points_to_next, lang)
        next_level = _config_word(o.next_level, _, o.next_level_es, lang)
        sentence = (_("%(points)s more points to reach “%(level)s”") % {"points": points, "level": next_level}
                    if o.next_level is not None else
                    _("%(points)s more points to reach the next level") % {"points": points})
    elif o.top_level:
        sentence = _("The highest level")
    e = o.equity
    return {
        "rated": o.rated,
        "level": o.level,
        "levels": o.levels,
        "level_label": _config_word(o.level_label, _, o.level_label_es, lang),
        "out_of": _("out of %(max)s") % {"max": _number(o.score_max if o.score_max is not None else 100, lang)},
        "framework": _config_word(o.framework, _, o.framework_es, lang),
        "rules": [(_("Level raised by the rule “%(rule)s”") if r.raised else _("Level lowered by the rule “%(rule)s”"))
                  % {"rule": _config_word(r.label, _, r.label_es, lang)} for r in o.rules],
        "level_of": _("Level %(level)s of %(levels)s") % {"level": o.level, "levels": o.levels}
        if o.level is not None and o.levels else None,
        "score": i18n.format_decimal(o.score, lang),
        "district_average": i18n.format_decimal(o.district_average, lang),
        "peer_tier": _(o.peer_tier) if o.peer_tier else None,
        "peer_average": i18n.format_decimal(o.peer_average, lang),
        "peer_schools": i18n.format_integer(o.peer_schools, lang),
        # a percentile among a handful of schools reads as more than it is: below
        # PERCENTILE_MIN_SCHOOLS the page says how many scored lower instead
        "peer_percentile": i18n.format_integer(o.peer_percentile, lang)
        if o.peer_schools is not None and o.peer_schools >= PERCENTILE_MIN_SCHOOLS else None,
        "peer_sentence": _peer_sentence(o, lang, translations),
        "next_level": next_level,
        "points_to_next": points,
        "next_sentence": sentence,
        "top_level": o.top_level,
        "ladder": _ladder(o, lang, _),
        "equity": {
            "tier": _(e.tier),
            "tier_rank": e.tier_rank,
            "need_rank": i18n.format_integer(e.need_rank, lang),
            "schools": i18n.format_integer(e.schools, lang),
            "missing": _("Computed from %(present)s of %(total)s measures; no data for %(missing)s.") % {
                "present": i18n.format_integer(e.components - len(e.missing), lang),
                "total": i18n.format_integer(e.components, lang),
                "missing": ", ".join(_(EQUITY_COMPONENTS.get(c, c)) for c in e.missing)}
            if e.missing and e.components else None,
        } if e else None,
    }


# ----------------------------------------------------------------------------- framework measures

def _figure(value, kind: str, lang: str) -> str | None:
    return i18n.format_rate(value, lang) if kind == "rate" else i18n.format_change(value, lang)


def _measure_words(domains: tuple[MeasureDomain, ...], lang: str, _) -> dict[str, str]:
    return {m.key: _config_word(m.label, _, m.label_es, lang) or m.key for d in domains for m in d.measures}


def _where_weight_went(m, words: dict[str, str], _) -> str | None:
    """The reallocation that applied to a measure, in words (the rule the warehouse records)."""
    names = ", ".join(words.get(k, k) for k in m.related)
    return {
        "received": _("includes the weight of %(measures)s") % {"measures": names} if names else None,
        "to": _("its weight goes to %(measures)s") % {"measures": names},
        "split": _("its weight is split among %(measures)s") % {"measures": names},
        "within_domain": _("its weight goes to the other measures of its domain"),
        "other_domains": _("its weight goes to the other domains"),
        "zero": _("counts as zero points"),
        "required": _("required: no overall rating without it"),
    }.get(m.reallocation or "")


def _scale(domains: tuple[MeasureDomain, ...], lang: str, _) -> dict:
    """The measures' points scale in words: one range when every measure shares it."""
    ranges = {(m.points_min, m.points_max) for d in domains for m in d.measures if m.points_max is not None}
    if len(ranges) != 1:
        return {"caption": _("Each measure earns points on its own scale (the more, the better); together, "
                             "weighted, they make the overall score."), "header": _("Points")}
    low, high = (_number(v, lang) for v in next(iter(ranges)))
    return {"caption": _("Each measure earns %(low)s to %(high)s points (%(high)s is best); together, weighted, "
                         "they make the overall score.") % {"low": low, "high": high},
            "header": _("Points (%(low)s–%(high)s)") % {"low": low, "high": high}}


def _domain(d: MeasureDomain, lang: str, _, words: dict[str, str]) -> dict:
    rows = []
    for m in d.measures:
        improvement = None
        if m.top:
            improvement = _("Highest level reached")
        elif m.level is None and m.points is not None:
            # points equal to the value (no bands): no next band, every gain in the value adds points
            improvement = _("Every gain adds points")
        elif m.improvement is not None:
            # direction-aware: "+3.3 points" when higher is better, "1.1 points lower" when lower is
            text = i18n.format_decimal(m.improvement, lang)
            improvement = _("+%(value)s points") % {"value": text} if m.higher_is_better else \
                _("%(value)s points lower") % {"value": text}
        missing = None
        if m.fewer_than is not None:
            missing = _("Not rated: fewer than %(n)s students") % {"n": m.fewer_than}
        elif m.note == "no_data":
            missing = _("No data")
        elif m.note == "not_applicable":
            missing = _("Does not apply at this school")
        points = _number(m.points, lang) if m.points is not None else i18n.format_integer(m.level, lang)
        rows.append({
            "key": m.key,
            "label": words.get(m.key, m.key),
            "higher_is_better": m.higher_is_better,
            "value": _figure(m.value, m.kind, lang),
            "level": i18n.format_integer(m.level, lang),
            "level_code": m.level,
            "bands": m.bands or 10,
            "meter": m.level is not None,  # a measure whose points are its value has no bands to draw
            "points": points,
            "points_alt": _("%(points)s of %(max)s points") % {
                "points": points, "max": _number(m.points_max if m.points_max is not None else 100, lang)},
            "weight": i18n.format_rate(m.weight, lang, 0),
            "contribution": i18n.format_decimal(m.contribution, lang, 1) if m.contribution is not None else None,
            "reallocation": _where_weight_went(m, words, _),
            "improvement": improvement,
            "top": m.top,
            "missing": missing,
            "note": m.note,
        })
    return {"key": d.key, "label": _config_word(d.label, _, d.label_es, lang) or d.key,
            "weight": i18n.format_rate(d.weight, lang, 0), "rows": rows}


# ----------------------------------------------------------------------------- growth and climate

def _growth(s: GrowthSubject, lang: str, _) -> dict:
    item = {"key": s.subject, "label": _(s.label), "n": i18n.format_integer(s.n, lang),
            "mean": i18n.format_change(s.mean, lang), "ci_low": None, "ci_high": None, "interval": None,
            "estimate": i18n.format_change(s.estimate, lang), "reading": None, "reading_code": None,
            "reading_note": None, "note": s.note, "chart": None}
    if s.ci_low is not None and s.ci_high is not None:
        low, high = i18n.format_change(s.ci_low, lang), i18n.format_change(s.ci_high, lang)
        item.update({
            "ci_low": low, "ci_high": high,
            "interval": _("%(low)s to %(high)s") % {"low": low, "high": high},
            "chart": {"value": float(s.mean), "low": float(s.ci_low), "high": float(s.ci_high),
                      "label": item["mean"], "low_label": low, "high_label": high},
        })
    if s.reading_withheld:
        item["reading_note"] = _("Fewer than 30 students: no reading given")
    elif s.reading is not None:
        item["reading_code"] = s.reading
        item["reading"] = _(GROWTH_READINGS[s.reading])
    return item


def _climate(g: ClimateGroup, lang: str, _) -> dict:
    respondents = i18n.format_integer(g.respondents, lang)
    invited = i18n.format_integer(g.invited, lang)
    rate = i18n.format_rate(g.response_rate, lang)
    response = None
    if rate and respondents and invited:
        response = _("%(rate)s (%(n)s of %(invited)s)") % {"rate": rate, "n": respondents, "invited": invited}
    elif respondents:
        response = _("%(n)s answered") % {"n": respondents}
    return {
        "key": g.key, "label": _(g.label), "respondents": respondents, "invited": invited,
        "response_rate": rate, "response": response, "note": g.note,
        "domains": [{
            "label": d.name_es if lang == "es" and d.name_es else _config_word(d.name, _),
            "school": _status(d.school, d.school_bound, "rate", lang),
            "district": i18n.format_rate(d.district, lang),
            "note": d.note,
        } for d in g.domains],
    }
