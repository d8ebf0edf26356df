"""The validation report's Dashboard preview block (``<out>/<year>/validation/preview.html`` and
``preview_differences.csv``): per indicator and level, how many of CDE's rows the district's own
calculation from student records was compared with and agreed with, and every difference with
its explanation.

An explanation is given only where the files say why (a group the files read do not carry, a
figure hidden by disclosure control, CDE's larger denominator on ELA/math, a change from a
prior year that differs); anything else is listed as not explained, never guessed. The figures
are those stored in ``indicator_results`` (after disclosure control), so the page shows nothing
the scorecards could not.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import jinja2
import pandas as pd

from pipeline.config import PROJECT_ROOT
from pipeline.outputs import safe_csv, write_atomic
from pipeline.scoring.preview import FIGURES, preview_summary, side_by_side
from pipeline.warehouse import read_table, table_exists

ETHNICITY = {"AA", "AI", "AS", "FI", "HI", "PI", "WH", "MR"}
HIDDEN = {"n_lt_11", "complementary"}
NOT_EXPLAINED = "not explained"
UNCONFIRMED = [
    "ELPI levels 2L/2H and 3L/3H: the split points in config/elpi_levels.csv come from one county analyst's "
    "code, not from a CDE document (rows marked confirmed = N)",
    "ELA and math: CDE's 95 % participation rule (students added at the lowest obtainable score) is not applied: "
    "which score CDE imputes is unconfirmed; CAA scores are left out, as how CDE turns them into a distance is "
    "unconfirmed",
    "ELPI: CDE's participation penalty (below 95 % of English learners tested) is not applied: its size is "
    "unconfirmed; Summative Alternate ELPAC record type 23 and its +10-point rule across grade bands are unconfirmed",
    "Chronic absenteeism: STAS has no grade, so grades 9-12 are not left out (CDE counts K-8)",
]


def _only_reason(row: pd.Series) -> str:
    group, ind = row["student_group"], row["indicator"]
    if row["only"] == "district":
        if ind == "chronic" and row["rtype"] == "S":
            return ("CDE counts grades K-8 only and STAS has no grade: a school without K-8 students has no CDE "
                    "chronic absenteeism row")
        return "CDE's file has no row for it"
    if group in ("RFP", "EO"):
        return "the preview computes no RFP or EO group"
    if group == "LTEL":
        return "no long-term English learner field in the files read (LTELorARLTEL from 2024-25 only)"
    if ind == "chronic" and (group in ETHNICITY or group in ("SWD", "FOS")):
        return "STAS, SELA and SPRG carry no ethnicity, disability or foster status (SINF, SPED, CDSS match)"
    if ind == "elpi" and group != "EL":
        return "the ELPAC fields read carry no other group: the ELPI preview computes group EL"
    return NOT_EXPLAINED


def _difference_reason(row: pd.Series) -> str:
    notes = {row.get("note_district"), row.get("note_cde")}
    if notes & HIDDEN and (pd.isna(row["status_district"]) or pd.isna(row["status_cde"])):
        return "one side's figure is hidden by disclosure control (" + ", ".join(sorted(n for n in notes & HIDDEN)) + ")"
    n_ours, n_cde = pd.to_numeric(row["n_district"]), pd.to_numeric(row["n_cde"])
    # at most the students needed to reach 95 % of those enrolled: about 1 in 19 of CDE's denominator
    if (row["indicator"] in ("ela", "math") and pd.notna(n_ours) and pd.notna(n_cde) and n_cde > n_ours
            and 19 * (n_cde - n_ours) <= n_cde + 19):
        return (f"CDE's denominator has {int(n_cde - n_ours)} more: students added at the lowest score for the "
                "95 % participation rule, which the preview does not apply")
    if row["indicator"] == "chronic" and pd.notna(n_ours) and pd.notna(n_cde) and n_ours > n_cde:
        return (f"our count has {int(n_ours - n_cde)} more: CDE counts grades K-8 only and STAS has no grade, so "
                "the preview counts students of every grade")
    differs = set(row["differs"].split(", "))
    if differs <= {"change", "change_level", "color"}:
        return "the prior year's figures differ (see that year's preview)"
    return NOT_EXPLAINED


def explained(results: pd.DataFrame) -> pd.DataFrame:
    """The side-by-side rows that are not identical, each with ``reason``."""
    sbs = side_by_side(results)
    out = sbs[(sbs["compared"] & sbs["differs"].ne("")) | sbs["only"].ne("")].copy()
    out["reason"] = [(_difference_reason(r) if r["compared"] else _only_reason(r)) for _, r in out.iterrows()] \
        if len(out) else pd.Series(dtype=str)
    return out


def write_preview_report(con: duckdb.DuckDBPyConnection, school_year: str, out_dir: Path) -> dict[str, Path]:
    """Write ``validation/preview.html`` and ``validation/preview_differences.csv`` for the year."""
    results = read_table(con, "indicator_results", {"school_year": school_year}) \
        if table_exists(con, "indicator_results") else pd.DataFrame()
    if results.empty or "origin" not in results:
        sbs, diffs = side_by_side(pd.DataFrame(columns=["cds", "rtype", "student_group", "indicator", "origin",
                                                        *FIGURES])), pd.DataFrame()
    else:
        sbs, diffs = side_by_side(results), explained(results)
    summary = preview_summary(sbs)
    folder = Path(out_dir) / "validation"
    columns = ["indicator", "rtype", "cds", "student_group", "only", "differs"] + \
        [f"{f}_{o}" for f in ("n", "status", "change", "color") for o in ("district", "cde")] + ["reason"]
    table = diffs[columns] if len(diffs) else pd.DataFrame(columns=columns)
    csv_path = write_atomic(folder / "preview_differences.csv", safe_csv(table))
    by_reason = table.groupby(["indicator", "rtype", "reason"]).size().rename("rows").reset_index() \
        if len(table) else pd.DataFrame(columns=["indicator", "rtype", "reason", "rows"])
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(PROJECT_ROOT / "templates"), autoescape=True)
    html = env.get_template("validation_preview.html.j2").render(
        school_year=school_year, summary=summary.to_dict("records"), by_reason=by_reason.to_dict("records"),
        differences=table[table["only"].eq("")].to_dict("records"), unconfirmed=UNCONFIRMED,
        not_explained=int(table["reason"].eq(NOT_EXPLAINED).sum()) if len(table) else 0,
    )
    return {"preview_html": write_atomic(folder / "preview.html", html), "preview_csv": csv_path}
