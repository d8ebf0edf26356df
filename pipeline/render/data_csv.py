"""A school's numbers as a spreadsheet in the page's language: ``data.csv`` (English), ``data.<lang>.csv``
(each other language) and the same table as ``.xlsx`` beside each.

One row per school, section, measure, student group and source (wide: the figures are columns),
from :func:`pipeline.scorecard.data_csv.school_records`, so the files hold exactly what the
warehouse holds after the disclosure step. Headers, measures, groups, sources, levels, colours and
notes are words in the file's language (the gettext catalogs); numbers are plain (``26.1``,
``-2.5``, no thousands separator) so a program and a spreadsheet in any locale read them the same.
Four code columns at the end (section, measure, student group, source: CDE's own codes such as
``EL``) let a program select rows and join the file with CDE's whatever the file's language.

Spreadsheets and the CDS code. A CSV carries no cell types: Excel opening one turns
``19754163426524`` into ``1.97542E+13`` and drops the leading zero of a county such as ``01``. The
CSV stays a clean data file (every text cell quoted, the CDS code as its 14 digits, UTF-8 with a byte
order mark so Excel reads "Matrícula" right) and the ``.xlsx`` beside it is what a spreadsheet user
opens: there the CDS code is a text cell and figures are numbers. Writing the code as
``="19754163426524"`` was rejected (every other program reads a formula, not a code, and it is the
kind of cell :func:`pipeline.outputs.defuse` exists to stop), as was a leading apostrophe (it
becomes part of the data).
"""
from __future__ import annotations

import csv
import io
import math
import re

import numpy as np

from pipeline.outputs import defuse
from pipeline.render import i18n
from pipeline.render.i18n import N_
from pipeline.render.xlsx import workbook
from pipeline.scorecard.data_csv import CSV_SECTIONS
from pipeline.scorecard.labels import (
    CHANGE_WORDS,
    COLORS,
    GROWTH_SUBJECTS,
    INDICATORS,
    RESPONDENT_GROUPS,
    STATUS_LEVELS,
    TIERS,
    level_word,
)

SOURCE_LANGUAGE = i18n.SOURCE_LANGUAGE

# column -> English header, in the file's order
COLUMNS = {
    "school_year": N_("School year"), "cds": N_("CDS code"), "school": N_("School"),
    "section": N_("Section"), "measure": N_("Measure"), "group": N_("Student group"),
    "source": N_("Source"), "unit": N_("Unit"),
    "n": N_("Number of students or respondents"), "value": N_("Value"),
    "bound": N_("Value (small group, shown as a limit)"), "change": N_("Change from last year"),
    "status_level": N_("Status level"), "change_level": N_("Change level"), "color": N_("Color"),
    "district_value": N_("District value"), "ci_low": N_("95% margin, low"), "ci_high": N_("95% margin, high"),
    "two_year_mean": N_("Two-year average"), "eb_estimate": N_("Estimate adjusted for school size"),
    "estimate": N_("Estimate used"), "category_allowed": N_("Growth reading shown"),
    "invited": N_("Invited"), "response_rate": N_("Response rate (%)"),
    "higher_is_better": N_("Higher is better"), "index_level": N_("Index level"), "points": N_("Points"),
    "weight": N_("Weight (%)"), "next_cut": N_("Next level at"), "improvement_needed": N_("Improvement needed"),
    "rated": N_("Rated"), "level": N_("Level"), "peer_tier": N_("Same-need schools"),
    "peer_average": N_("Average of same-need schools"), "peer_schools": N_("Number of same-need schools"),
    "percentile": N_("Percentile"), "points_to_next_level": N_("Points to the next level"),
    "tier": N_("Equity need tier"), "need_rank": N_("Need rank"), "note": N_("Note"),
    "section_code": N_("Section code"), "measure_code": N_("Measure code"), "group_code": N_("Student group code"), "source_code": N_("Source code"),
}
# section -> {figure of the record -> column}
FIGURE_COLUMNS = {
    "indicator": {"n": "n", "status": "value", "status_bound": "bound", "change": "change",
                  "status_level": "status_level", "change_level": "change_level", "color": "color"},
    "growth": {"n": "n", "mean": "value", "ci_low": "ci_low", "ci_high": "ci_high", "two_year_mean": "two_year_mean",
               "eb_estimate": "eb_estimate", "estimate": "estimate", "category_allowed": "category_allowed"},
    "climate": {"respondents": "n", "percent_favorable": "value", "percent_bound": "bound",
                "district_percent_favorable": "district_value", "invited": "invited", "response_rate": "response_rate"},
    "rating_measure": {"value": "value", "n": "n", "higher_is_better": "higher_is_better", "index_level": "index_level",
                       "points": "points", "effective_weight": "weight", "next_cut": "next_cut",
                       "improvement_needed": "improvement_needed"},
    "rating": {"rated": "rated", "score": "value", "level_label": "level", "district_average": "district_value",
               "peer_tier": "peer_tier", "peer_average": "peer_average", "peer_schools": "peer_schools",
               "peer_percentile": "percentile", "points_to_next_level": "points_to_next_level"},
    "equity": {"composite": "value", "composite_percentile": "percentile", "tier": "tier", "need_rank": "need_rank"},
}
SECTIONS = {"indicator": N_("Dashboard indicator"), "growth": N_("Growth"), "climate": N_("Climate survey"),
            "rating_measure": N_("Rating measure"), "rating": N_("Overall rating"), "equity": N_("Equity index")}
SOURCES = {"cde": N_("CDE (California School Dashboard)"), "district": N_("District (own calculation)")}
UNITS = {"rate": N_("percent"), "dfs": N_("points from standard"), "growth": N_("points above expected"),
         "climate": N_("percent favorable"), "rating": N_("score"), "equity": N_("index")}
SHEET = N_("Data")
YES_NO = {True: N_("yes"), False: N_("no")}
# growth.sql's estimate codes -> words
ESTIMATES = {"eb_two_year": N_("two years, adjusted for school size"),
             "eb_current_year": N_("this year, adjusted for school size"),
             "two_year_mean": N_("two-year average"), "current_year_mean": N_("this year's average")}
# note codes of the warehouse (pipeline.scorecard.model) -> words; {n} is the threshold in the code
NOTES = (
    (re.compile(r"n_lt_(\d+)$"), N_("Not shown: fewer than {n} students")),
    (re.compile(r"answered_lt_(\d+)$"), N_("Not shown: fewer than {n} respondents answered these questions")),
    (re.compile(r"no_color_lt_(\d+)$"), N_("No color: fewer than {n} students")),
    (re.compile(r"complementary$"), N_("Not shown: with the groups shown it would reveal a smaller group")),
    (re.compile(r"no[_ ]data$"), N_("No data")),
    (re.compile(r"fewer than (\d+) students$"), N_("Not rated: fewer than {n} students")),
)
# counts, levels and ranks: written without decimals even when stored as DOUBLE
_WHOLE = {"n", "invited", "peer_schools", "index_level", "points", "need_rank"}


def data_file_name(lang: str, suffix: str = "csv") -> str:
    """``data.csv`` in English (the name the pages and the index have always linked to), ``data.<lang>.csv``
    in each other language; ``suffix`` ``xlsx`` for the workbook beside it."""
    return f"data.{suffix}" if lang == SOURCE_LANGUAGE else f"data.{lang}.{suffix}"


SURVEY_NOTES = ((re.compile(r"n_lt_(\d+)$"), N_("Not shown: fewer than {n} respondents")),)


def note_words(code: str | None, lang: str, section: str = "indicator") -> str:
    """The words of a note code (``n_lt_11`` -> "Not shown: fewer than 11 students"; in the climate
    section, respondents)."""
    if not code:
        return ""
    tr = i18n.get_translations(lang).gettext  # not _: the words are marked above (N_), not here
    for pattern, words in (SURVEY_NOTES if section == "climate" else ()) + NOTES:
        if m := pattern.match(code):
            return tr(words).format(n=m.group(1) if m.groups() else "")
    return code  # a note this module does not know yet is shown as written (a test lists the known ones)


def _number(value, column: str) -> float | int | None:
    if value is None or isinstance(value, (bool, np.bool_)):
        return None
    value = float(value)
    if math.isnan(value):
        return None
    if column in _WHOLE and value.is_integer():
        return int(value)
    return round(value, 6)


def headers(lang: str) -> list[str]:
    """The file's header row in ``lang``."""
    tr = i18n.get_translations(lang).gettext  # not _: the words are marked above (N_), not here
    return [tr(words) for words in COLUMNS.values()]


def school_table(records: list[dict], model, group_labels: dict[str, str], lang: str) -> list[dict]:
    """The rows of one school's file in ``lang``: column -> cell (text, number or ``None``).

    ``model`` is the school's :class:`~pipeline.scorecard.model.Scorecard` (school name, the
    framework's measure names in each language); ``group_labels`` the configured student groups
    (code -> English label)."""
    tr = i18n.get_translations(lang).gettext  # not _: the words are marked above (N_), not here
    measures = {m.key: (m.label_es if lang == "es" and m.label_es else tr(m.label) if m.label else m.key)
                for d in (model.measures or ()) for m in d.measures}
    domains = {d.name: d.name_es for g in (model.climate or ()) for d in g.domains if d.name_es}
    overall = model.overall
    table = []
    for r in records:
        section, item, group = r["section"], r["item"], r["group"]
        row = dict.fromkeys(COLUMNS)
        row.update(school_year=r["school_year"], cds=r["cds"], school=model.school.name,
                   section=tr(SECTIONS[section]),
                   source=tr(SOURCES[r["origin"]]) if r["origin"] in SOURCES else r["origin"] or None,
                   note=note_words(r["note"], lang, section) or None, section_code=section, measure_code=item,
                   group_code=group or None, source_code=r["origin"] or None)
        lower_is_better = False
        if section == "indicator":
            label, lower_is_better, kind = INDICATORS.get(item, (item, False, "rate"))
            row.update(measure=tr(label), group=tr(group_labels.get(group, group)), unit=tr(UNITS[kind]))
        elif section == "growth":
            row.update(measure=tr(GROWTH_SUBJECTS.get(item, item)), group=tr(group_labels.get(group, group)),
                       unit=tr(UNITS["growth"]))
        elif section == "climate":
            row.update(measure=domains[item] if lang == "es" and item in domains else tr(item),
                       group=tr(RESPONDENT_GROUPS.get(group, group)), unit=tr(UNITS["climate"]))
        elif section == "rating_measure":
            row.update(measure=measures.get(item, item))
        else:
            row.update(measure=tr(SECTIONS[section]), unit=tr(UNITS[section]))
        for figure, column in FIGURE_COLUMNS[section].items():
            value = r.get(figure)
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            if column in ("status_level", "change_level", "color"):
                level = int(value)  # 0: no level (a suppressed or uncoloured row)
                if column == "color":
                    row[column] = tr(COLORS[level]) if level in COLORS else None
                else:
                    words = STATUS_LEVELS if column == "status_level" else CHANGE_WORDS
                    row[column] = tr(level_word(words, level, lower_is_better)) if level in words else None
            elif column in ("higher_is_better", "rated", "category_allowed"):
                row[column] = tr(YES_NO[bool(value)])
            elif column == "estimate":
                row[column] = tr(ESTIMATES[value]) if value in ESTIMATES else str(value)
            elif column in ("tier", "peer_tier"):
                row[column] = tr(TIERS.get(value, value))
            elif column in ("bound", "level"):
                spanish = overall.level_label_es if column == "level" and overall and lang == "es" else None
                row[column] = spanish or (tr(str(value)) if column == "level" else str(value))
            else:
                row[column] = _number(value, column)
        table.append(row)
    return table


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return str(value)
    return defuse(str(value))  # a cell from the data such as "=HYPERLINK(...)" cannot run in a spreadsheet


def school_csv(table: list[dict], lang: str) -> str:
    """The CSV text (UTF-8 byte order mark first; every text cell quoted, numbers bare)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(headers(lang))
    for row in table:
        writer.writerow([_cell(v) if not isinstance(v, (int, float)) else v for v in row.values()])
    return out.getvalue()


def school_xlsx(table: list[dict], lang: str) -> bytes:
    """The same table as an Excel workbook: the CDS code a text cell, figures numbers."""
    rows = [headers(lang)] + [[v if isinstance(v, (int, float)) or v is None else _cell(v) for v in row.values()]
                              for row in table]
    return workbook(rows, sheet=i18n.get_translations(lang).gettext(SHEET),
                    text_columns=(list(COLUMNS).index("cds"),))
