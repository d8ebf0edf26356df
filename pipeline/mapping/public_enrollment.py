"""Census-day enrollment from CDE's Census Day Enrollment file (``cdenroll<yy><yy>.txt``).

Read by :func:`pipeline.readers.cde_public.read_census_enrollment` (the district's school rows) and
checked against :class:`schemas.cde_public.CensusEnrollment`; then each reporting category listed
in ``config/public_files.yaml`` (``census_groups``) becomes a row of the enrollment contract: the
school year from Academic Year, the CDS code from the County, District and School Codes, the count
from the total. CDE's own suppression is honoured: a ``*`` count is no figure, so the group has no
row (no value, not zero) and the note counts them. Where a school has a row for all students of its
charter and non-charter parts (Charter ``All``) only that row is used.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.mapping.choice import PublicFiles
from pipeline.mapping.translated import Translated, origin, read_district_rows, text_table
from pipeline.quarantine import validate
from pipeline.raw_files import display
from pipeline.readers import LINE, SourceFileError
from pipeline.readers.cde_public import read_census_enrollment
from schemas.cde_public import CensusEnrollment

SUPPRESSED = "*"


def census_name(school_year: str) -> str:
    """``2023-24`` -> ``cdenroll2324``: the name CDE gives the year's file (before any ``-v2`` and extension)."""
    return f"cdenroll{school_year[2:4]}{school_year[5:7]}"


def public_enrollment(path: Path, raw_dir: Path, choice: PublicFiles, *, reference: bool = False) -> Translated:
    """The enrollment rows of the district's schools from ``cdenroll<yy><yy>.txt``."""
    shown = display(path, raw_dir)
    raw, others = read_district_rows(read_census_enrollment, path, shown, choice, reference)
    if raw.frame.empty and not raw.bad_records:
        raise SourceFileError(shown, f"no school row (Aggregate Level S) of {choice.chosen}")
    earlier = validate(raw, CensusEnrollment, "enrollment", display_path=shown,
                       engine="reference" if reference else "auto")
    f = earlier.kept.astype(object).where(earlier.kept.notna(), "")
    f["cds"] = f["countycode"] + f["districtcode"] + f["schoolcode"]
    # a school with a Charter "All" row: its Y and N rows are parts of it
    has_all = set(f.loc[f["charter"].eq("All"), "cds"])
    part = f["charter"].isin(["Y", "N"]) & f["cds"].isin(has_all)
    mapped = f["reportingcategory"].isin(list(choice.census_groups))
    suppressed = f["total_enr"].eq(SUPPRESSED)
    use = ~part & mapped & ~suppressed
    frame = pd.DataFrame({
        "school_year": f["academicyear"], "cds": f["cds"],
        "student_group": f["reportingcategory"].map(choice.census_groups), "enrollment": f["total_enr"],
        LINE: f[LINE],
    })[use.to_numpy()]
    unused = f.loc[~part & ~mapped, "reportingcategory"].value_counts().sort_index()
    n_suppressed = int((~part & mapped & suppressed).sum())
    note = (f"{len(frame)} rows of {frame['cds'].nunique()} schools of {choice.chosen} from CDE's Census Day "
            f"Enrollment file; left out: {others} rows of the state, counties, districts and other schools"
            + (f", {int(part.sum())} charter/non-charter part rows of schools with an All row" if part.any() else "")
            + (f", {n_suppressed} counts CDE suppressed (*): no figure for those groups" if n_suppressed else "")
            + (f", {int(unused.sum())} rows of categories config/public_files.yaml does not map ("
               + ", ".join(f"{c} {n}" for c, n in unused.items()) + ")" if len(unused) else ""))
    notes = [origin("enrollment", shown, note, len(frame))]
    return Translated(path, "CDE's Census Day Enrollment file", text_table(raw, frame), earlier, notes)
