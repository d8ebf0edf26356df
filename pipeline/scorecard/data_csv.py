"""``data.csv``'s rows as plain data: one record per school, section, item, student group and origin.

Built beside the scorecards from the same records the model is built from (every origin of an
indicator, not only the one the page shows), as suppressed in the warehouse, so a reader can check
each figure on the page. The records carry codes and raw numbers; the rendering side
(:mod:`pipeline.render.data_csv`) gives them headers and words in a language and writes the files.
"""
from __future__ import annotations

# section -> (figures in order, the column naming the item, the column naming the group)
CSV_SECTIONS = {
    "indicator": (["n", "status", "status_bound", "change", "status_level", "change_level", "color"],
                  "indicator", "student_group"),
    "growth": (["n", "mean", "ci_low", "ci_high", "two_year_mean", "eb_estimate", "estimate", "category_allowed"],
               "subject", "student_group"),
    "climate": (["respondents", "percent_favorable", "percent_bound", "district_percent_favorable", "invited",
                 "response_rate"], "domain", "respondent_group"),
    "rating_measure": (["value", "n", "higher_is_better", "index_level", "points", "effective_weight", "next_cut",
                        "improvement_needed"], "measure", None),
    "rating": (["rated", "score", "level", "level_label", "district_average", "peer_tier", "peer_average",
                "peer_schools", "peer_percentile", "points_to_next_level"], None, None),
    "equity": (["composite", "composite_percentile", "tier", "tier_rank", "need_rank"], None, None),
}
# the item of a section that has one row per school
SECTION_ITEM = {"rating": "overall", "equity": "equity_index"}


def school_records(data, cds: str) -> list[dict]:
    """The school's rows: ``section, school_year, cds, item, group, origin, note`` and the section's
    figures (:data:`CSV_SECTIONS`), ``None`` where the warehouse has none (a suppressed row keeps
    its figures empty, with its note code: ``n_lt_11``, ``complementary``, ...).

    ``data`` is the year's :class:`~pipeline.scorecard.load.YearData`. Rows come section by section:
    indicators (every indicator x origin x student group), growth (subject x group), climate
    (respondent group x domain), the framework's measures, the overall rating, the equity index.
    """
    rec = data.school(cds)

    def rows(section: str, records: list[dict]) -> list[dict]:
        figures, item_col, group_col = CSV_SECTIONS[section]
        out = []
        for r in records:
            note = r.get("missing_reason") if section == "rating_measure" else r.get("note")
            out.append({
                "section": section, "school_year": r.get("school_year") or "", "cds": cds,
                "item": (r.get(item_col) if item_col else SECTION_ITEM[section]) or "",
                "group": (r.get(group_col) or "") if group_col else "",
                "origin": (r.get("origin") or "") if section == "indicator" else "",
                "note": note or "", **{f: r.get(f) for f in figures}})
        return out

    # every origin, not only the preferred one: the file holds the warehouse's rows for the school
    return [
        *rows("indicator", sorted(rec["rows"], key=lambda r: (r["indicator"], r["origin"], r["student_group"]))),
        *rows("growth", [rec["growth"][k] for k in sorted(rec["growth"])]),
        *rows("climate", sorted(rec["climate"], key=lambda r: (r["respondent_group"], r["domain"]))),
        *rows("rating_measure", rec["measures"]),
        *rows("rating", [rec["rating"]] if rec["rating"] else []),
        *rows("equity", [rec["equity"]] if rec["equity"] else []),
    ]
