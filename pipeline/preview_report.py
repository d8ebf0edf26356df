"""The validation report's Dashboard preview block (``<out>/<year>/validation/preview.html`` and
``preview_differences.csv``): per indicator and level, how many of CDE's rows the district's own
calculation from student records was compared with and agreed with, and every difference with
its explanation.

An explanation is given only where the files say why (a group the files read do not carry, a
figure hidden by disclosure control, CDE's larger denominator on ELA/math where CDE's own file
gives a participation rate below 95 % in a Dashboard year whose participation rule is not in
``config/participation_rule.csv``, an LEA row of CDE's that counts many times the students of its
rows of the directory's schools, a change from a prior year that differs); anything else is listed
as not explained, never guessed. The figures
are those stored in ``indicator_results`` (after disclosure control), so the page shows nothing
the scorecards could not.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import jinja2
import pandas as pd

from pipeline.config import PROJECT_ROOT, dashboard_year
from pipeline.outputs import safe_csv, write_atomic
from pipeline.participation import load_participation_rule
from pipeline.scoring.preview import FIGURES, preview_summary, side_by_side
from pipeline.state_tables import FOSTER_SOURCES, provided
from pipeline.warehouse import read_table, table_exists

ETHNICITY = {"AA", "AI", "AS", "FI", "HI", "PI", "WH", "MR"}
HIDDEN = {"n_lt_11", "complementary"}
PARTICIPATION_MIN = 95  # CDE adds students at the lowest score to reach 95 % of those enrolled (ELA, math)
# CDE's LEA row counts more than this many times its school rows of the directory's schools put
# together: the LEA has schools the directory (and so the files read) leave out. Students counted at
# the LEA but at no school (moves within the year) never come near twice the schools' students.
LEA_COVERAGE_FACTOR = 2
WHOLE_GROUP = {"elpi": "EL"}  # the group of every student an indicator counts (else ALL)
NOT_EXPLAINED = "not explained"
UNCONFIRMED = [
    "ELPI levels 2L/2H and 3L/3H: the split points in config/elpi_levels.csv come from one county analyst's "
    "code, not from a CDE document (rows marked confirmed = N)",
    "ELA and math: CDE's 95 % participation rule is applied as measured on every real Monterey row of 2022-2024 "
    "(config/participation_rule.csv: one imputed distance per Dashboard year and subject); for another year it is "
    "not applied. Which CAASPP IncludeIndicator codes T and R count as tested is unconfirmed (counted as not tested); "
    "the EL group's four years of reclassified students are counted in school years (config/state_codes.yaml), "
    "a boundary no CDE document we found states. CAA scores are left out of the status, as how CDE turns them into "
    "a distance is unconfirmed",
    "ELPI: CDE's participation penalty (below 95 % of English learners tested) is not applied: its size is "
    "unconfirmed; Summative Alternate ELPAC record type 23 and its +10-point rule across grade bands are unconfirmed",
    "Chronic absenteeism: without a SENR extract, STAS has no grade, so grades 9-12 are not left out (CDE counts "
    "K-8); SENR's field numbers differ between CALPADS's own pages (start date 1.23 or 1.22): the reader tells the "
    "two numberings apart by the file's first record",
    "Chronic absenteeism, students with disabilities: a SPED plan (IEP, IFSP, ISP) in effect at some time in the "
    "year; the Dashboard's window for SWD is not published",
    "Long-term English learners (from the 2024 Dashboard): an English learner whose CALPADS Provisional LTEL Start "
    "Date (Cumulative Enrollment Extract field 45) is on or before 30 June of the school year "
    "(config/state_codes.yaml ltel_as_of); the day CDE counts the seven years to is not published, and on ELA and "
    "math students reclassified since are not counted as LTEL",
]
# a group no file read carried
NO_LTEL = ("no long-term English learner date in the files read: the Dashboard's LTEL group needs CALPADS's "
           "Provisional LTEL Start Date, field 45 of the Cumulative Enrollment Extract (given as calpads_senr.txt; "
           "from April 2025)")
# the groups of attendance no file a district downloads carries (said in the reasons)
NO_FOSTER = ("the files read carry no foster status for attendance: no export of the CALPADS ODS foster youth reports "
             "5.7 or 5.9 (calpads_foster_enrolled.csv, calpads_foster_former.csv) was read for the year")


# foster youth from the reports 5.7 and 5.9: what they cannot list (said in the reasons)
FOSTER_TK = ("our count has fewer: the CALPADS foster reports 5.7 and 5.9 select grades KN-12 (their documented "
             "selection), so a foster student in TK (a grade of its own in SENR, counted with K by CDE) is on neither "
             "list and counts as not foster")


def _only_reason(row: pd.Series, read: frozenset[str] = frozenset(), rule_applied: bool = False) -> str:
    group, ind = row["student_group"], row["indicator"]
    if row["only"] == "district":
        if ind == "chronic" and row["rtype"] == "S":
            return NOT_EXPLAINED if "calpads_senr" in read else (
                "CDE counts grades K-8 only and STAS has no grade (no SENR extract read): a school without K-8 "
                "students has no CDE chronic absenteeism row")
        return "CDE's file has no row for it"
    if group == "LTEL":
        return NO_LTEL
    if ind == "chronic" and group == "FOS" and "calpads_foster" not in read:
        return NO_FOSTER
    if ind == "chronic" and group == "SWD" and "calpads_sped" not in read:
        return "the files read carry no disability status for attendance (no SPED file read)"
    if ind == "chronic" and group in ETHNICITY:
        return "the files read give these students no ethnicity (no SINF extract, or no SINF record of theirs)"
    if ind in ("ela", "math") and row["rtype"] == "S" and not rule_applied and not row["prate"] >= PARTICIPATION_MIN:
        rate = "not published" if pd.isna(row["prate"]) else f"{row['prate']:g} %"
        return ("the files read have no scored student of the group here: CDE's row can only count students added "
                f"at the lowest score for the 95 % participation rule, which the preview does not apply in a year "
                f"without a measured rule (CDE's participation rate: {rate})")
    if ind == "elpi" and group not in ("EL", "LTEL"):
        return "the ELPAC fields read carry no other group: the ELPI preview computes groups EL and LTEL"
    return NOT_EXPLAINED


def _difference_reason(row: pd.Series, read: frozenset[str] = frozenset(), rule_applied: bool = False) -> str:
    notes = {row.get("note_district"), row.get("note_cde")}
    if notes & HIDDEN and (pd.isna(row["status_district"]) or pd.isna(row["status_cde"])):
        return "one side's figure is hidden by disclosure control (" + ", ".join(sorted(n for n in notes & HIDDEN)) + ")"
    n_ours, n_cde = pd.to_numeric(row["n_district"]), pd.to_numeric(row["n_cde"])
    # at most the students needed to reach 95 % of those enrolled: about 1 in 19 of CDE's denominator,
    # or more where CDE's own file gives the row a participation rate below 95 %
    if (row["indicator"] in ("ela", "math") and not rule_applied and pd.notna(n_ours) and pd.notna(n_cde)
            and n_cde > n_ours and (19 * (n_cde - n_ours) <= n_cde + 19 or row["prate"] < PARTICIPATION_MIN)):
        rate = f" (CDE's participation rate: {row['prate']:g} %)" if pd.notna(row["prate"]) else ""
        return (f"CDE's denominator has {int(n_cde - n_ours)} more: students added at the lowest score for the "
                f"95 % participation rule, which the preview does not apply in a year without a measured rule{rate}")
    if (row["indicator"] == "chronic" and "calpads_senr" not in read and pd.notna(n_ours) and pd.notna(n_cde)
            and n_ours > n_cde):
        return (f"our count has {int(n_ours - n_cde)} more: CDE counts grades K-8 only and STAS has no grade (no "
                "SENR extract read), so the preview counts students of every grade")
    if (row["indicator"] == "chronic" and row["student_group"] == "FOS" and {"calpads_foster", "senr_tk"} <= read
            and pd.notna(n_ours) and pd.notna(n_cde) and n_ours < n_cde):
        return FOSTER_TK
    differs = set(row["differs"].split(", "))
    if differs <= {"change", "change_level", "color"}:
        if pd.isna(row["change_district"]) and pd.notna(row["change_cde"]):
            return ("our change is blank where CDE's file publishes one: last year's figure of the group is hidden "
                    "by the prior-year disclosure rule, or last year's preview has none (see that year's preview)")
        return "the prior year's figures differ (see that year's preview)"
    return NOT_EXPLAINED


def _lea_reason(row: pd.Series, lea: pd.Series, schools: pd.Series) -> str | None:
    """An LEA row of an indicator whose all-students row at CDE (ELPI: all English learners) counts
    many times the students of CDE's such rows of the directory's schools: the LEA has schools
    outside the directory."""
    ind = row["indicator"]
    n_lea, covered = lea.get(ind), schools.get(ind, 0)
    if row["rtype"] != "D" or n_lea is None or pd.isna(n_lea) or n_lea <= LEA_COVERAGE_FACTOR * covered:
        return None
    return (f"CDE's LEA row of all students counts {int(n_lea):,}, its rows of the directory's schools "
            f"{int(covered):,} together: the LEA has schools outside the directory, whose students the files "
            "read do not hold")


def explained(results: pd.DataFrame, participation: pd.DataFrame | None = None,
              read: frozenset[str] = frozenset(), rule_applied: bool = False) -> pd.DataFrame:
    """The side-by-side rows that are not identical, each with ``reason``. ``participation``: CDE's
    ``currprate`` of its ELA and math rows (``cds``, ``student_group``, ``indicator``, ``prate``);
    ``read``: the state's extracts of the year with rows (``calpads_senr``, ``calpads_sped``; ``calpads_foster``
    when a foster report, 5.7 or 5.9, was given; ``senr_tk`` when SENR has TK students), which
    take away the reasons their absence gives; ``rule_applied``: the preview applied CDE's
    participation rule this year (a difference in students added is then not explained by the rule)."""
    sbs = side_by_side(results)
    whole = sbs["student_group"].eq(sbs["indicator"].map(WHOLE_GROUP).fillna("ALL"))
    every = sbs[whole].assign(n=pd.to_numeric(sbs["n_cde"], errors="coerce"))
    schools = every[every["rtype"].eq("S")].groupby("indicator")["n"].sum()
    lea = every[every["rtype"].eq("D")].groupby("indicator")["n"].max()
    out = sbs[(sbs["compared"] & sbs["differs"].ne("")) | sbs["only"].ne("")].copy()
    if participation is not None and len(participation):
        out = out.merge(participation, on=["cds", "student_group", "indicator"], how="left")
    else:
        out["prate"] = float("nan")
    out["prate"] = pd.to_numeric(out["prate"], errors="coerce")

    def reason(r: pd.Series) -> str:
        hidden = r["compared"] and _difference_reason(r, read, rule_applied).startswith("one side's figure is hidden")
        beyond = None if hidden else _lea_reason(r, lea, schools)
        return beyond or (_difference_reason(r, read, rule_applied) if r["compared"]
                          else _only_reason(r, read, rule_applied))

    out["reason"] = [reason(r) for _, r in out.iterrows()] if len(out) else pd.Series(dtype=str)
    return out.drop(columns="prate")


def _participation(con: duckdb.DuckDBPyConnection, school_year: str) -> pd.DataFrame:
    """CDE's participation rate (``currprate``) of every ELA and math row of the year's files."""
    frames = []
    for ind in ("ela", "math"):
        table = f"validated_dashboard_{ind}"
        if table_exists(con, table):
            f = read_table(con, table, {"school_year": school_year})
            if "currprate" in f:
                frames.append(pd.DataFrame({"cds": f["cds"].astype(str), "student_group": f["studentgroup"].astype(str),
                                            "indicator": ind, "prate": pd.to_numeric(f["currprate"], errors="coerce")}))
    return pd.concat(frames, ignore_index=True).drop_duplicates(["cds", "student_group", "indicator"]) \
        if frames else pd.DataFrame(columns=["cds", "student_group", "indicator", "prate"])


def _rule_applied(school_year: str) -> bool:
    """Whether ``config/participation_rule.csv`` has the year's rule for both ELA and math."""
    rule = load_participation_rule()
    year = rule[rule["dashboard_year"] == dashboard_year(school_year)]
    return set(year["subject"]) == {"ELA", "MATH"}


def write_preview_report(con: duckdb.DuckDBPyConnection, school_year: str, out_dir: Path) -> dict[str, Path]:
    """Write ``validation/preview.html`` and ``validation/preview_differences.csv`` for the year."""
    results = read_table(con, "indicator_results", {"school_year": school_year}) \
        if table_exists(con, "indicator_results") else pd.DataFrame()
    if results.empty or "origin" not in results:
        sbs, diffs = side_by_side(pd.DataFrame(columns=["cds", "rtype", "student_group", "indicator", "origin",
                                                        *FIGURES])), pd.DataFrame()
    else:
        read = frozenset(t for t in ("calpads_senr", "calpads_sped") if table_exists(con, f"validated_{t}") and
                         con.execute(f"SELECT count(*) FROM validated_{t} WHERE school_year = ?",
                                     [school_year]).fetchone()[0])
        if any(provided(con, source, school_year) for source in FOSTER_SOURCES):  # even one listing nobody
            read |= {"calpads_foster"}
        if "calpads_senr" in read and con.execute(  # TK students the foster reports (KN-12) cannot list
                "SELECT count(*) FROM validated_calpads_senr WHERE school_year = ? AND grade = 'TK'",
                [school_year]).fetchone()[0]:
            read |= {"senr_tk"}
        sbs, diffs = side_by_side(results), explained(results, _participation(con, school_year), read,
                                                      _rule_applied(school_year))
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
