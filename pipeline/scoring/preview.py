"""The Dashboard preview beside CDE's files: for every row CDE published (origin ``cde``) and the
district's own calculation of the same school or LEA, student group and indicator (origin
``district``: chronic absenteeism from STAS or attendance.csv, ELA and math distance from
standard from CAASPP or assessment.csv, ELPI from ELPAC), whether the figures agree.

The rows come from ``indicator_results`` (:mod:`pipeline.scoring.indicators` computes both
origins with the same cut sets and colour grid); nothing is computed again here.
"""
from __future__ import annotations

import pandas as pd

KEY = ["cds", "rtype", "student_group", "indicator"]
FIGURES = ["n", "status", "change", "status_level", "change_level", "color"]
PREVIEW_INDICATORS = ("chronic", "ela", "math", "elpi")


def _same(a: pd.Series, b: pd.Series) -> pd.Series:
    x, y = pd.to_numeric(a, errors="coerce").astype("Float64"), pd.to_numeric(b, errors="coerce").astype("Float64")
    return ((x.isna() & y.isna()) | (x - y).abs().lt(0.05)).fillna(False).astype(bool)


def side_by_side(results: pd.DataFrame) -> pd.DataFrame:
    """One row per (school or LEA, group, indicator) of the preview's indicators that either origin
    has: our figures (``*_district``), CDE's (``*_cde``), ``compared`` (both exist) and ``differs``
    (the names of the figures that differ, empty when they all agree)."""
    r = results[results["indicator"].isin(PREVIEW_INDICATORS) & results["rtype"].isin(["S", "D"])]
    extra = ["note"] if "note" in r else []
    ours = r[r["origin"] == "district"][KEY + FIGURES + extra]
    cde = r[r["origin"] == "cde"][KEY + FIGURES + extra]
    both = ours.merge(cde, on=KEY, how="outer", suffixes=("_district", "_cde"), indicator="_present")
    both["compared"] = both["_present"].eq("both")
    differs = pd.DataFrame({f: ~_same(both[f"{f}_district"], both[f"{f}_cde"]) for f in FIGURES}, index=both.index)
    both["differs"] = differs.apply(lambda row: ", ".join(f for f in FIGURES if row[f]), axis=1) \
        if len(both) else pd.Series(dtype=str)
    both.loc[~both["compared"], "differs"] = ""
    both["only"] = both["_present"].map({"left_only": "district", "right_only": "cde", "both": ""}).astype(str)
    return both.drop(columns="_present").sort_values(["indicator", "rtype", "cds", "student_group"],
                                                      ignore_index=True)


def preview_summary(sbs: pd.DataFrame) -> pd.DataFrame:
    """Per indicator and level (S school, D LEA): rows compared, rows that agree on every figure,
    rows that differ, rows only CDE has and rows only we have."""
    flags = pd.DataFrame({
        "indicator": sbs["indicator"], "rtype": sbs["rtype"], "compared": sbs["compared"],
        "agree": sbs["compared"] & sbs["differs"].eq(""), "differ": sbs["compared"] & sbs["differs"].ne(""),
        "cde_only": sbs["only"].eq("cde"), "district_only": sbs["only"].eq("district"),
    })
    return flags.groupby(["indicator", "rtype"]).sum().astype("int64").reset_index()
