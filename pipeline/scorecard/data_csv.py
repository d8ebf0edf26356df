"""``data.csv``: one school's numbers in long format, as suppressed in the warehouse.

Written beside the scorecards from the same records the model is built from (every origin of an
indicator, not only the one the page shows), so a reader can check each figure on the page.
"""
from __future__ import annotations

import csv
import io
import math

import numpy as np

from pipeline.outputs import defuse
from pipeline.scorecard.load import YearData

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
    "climate": (["percent_favorable", "percent_bound", "district_percent_favorable", "respondents", "invited", "response_rate"],
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
