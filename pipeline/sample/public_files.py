"""CDE's public files in their published layouts: the Public Schools and Districts file
(``pubschls.txt``) with the district's ``directory_overrides.csv``, and the Census Day Enrollment
file (``cdenroll<yy><yy>.txt``).

Layouts as ``schemas/cde_public.py`` cites them (CDE file-structure pages, 2024): tab-delimited with
a header, Windows-1252, CR LF line ends, ``No Data`` for a blank in ``pubschls.txt``, ``*`` for a
count CDE suppressed in the census file. The column order of ``pubschls.txt`` follows CDE's
2020 change (administrator fields ``AdmFName``, ``AdmLName``, ``AdmEmail``; ``FaxNumber`` and
``Email`` after the extension). Besides the district's schools the public file holds what the
real one holds around them: the district's own record, a closed school of the district and a
school of another district, which the pipeline must leave out; the census file holds district and
state rows beside the school rows, and charter/non-charter parts of the district row.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from pipeline.sample.codes import ENROLL_GROUPS, GRADE_LABELS, group_masks
from pipeline.sample.outcomes import YearData, census, group_attrs
from pipeline.sample.world import World

NO_DATA = "No Data"
PUBSCHLS_COLUMNS = [
    "CDSCode", "NCESDist", "NCESSchool", "StatusType", "County", "District", "School", "Street", "StreetAbr",
    "City", "Zip", "State", "MailStreet", "MailStrAbr", "MailCity", "MailZip", "MailState", "Phone", "Ext",
    "FaxNumber", "Email", "WebSite", "OpenDate", "ClosedDate", "Charter", "CharterNum", "FundingType", "DOC",
    "DOCType", "SOC", "SOCType", "EdOpsCode", "EdOpsName", "EILCode", "EILName", "GSoffered", "GSserved",
    "Virtual", "Magnet", "YearRoundYN", "FederalDFCDistrictID", "Latitude", "Longitude", "AdmFName", "AdmLName",
    "AdmEmail", "LastUpDate", "Multilingual",
]
EIL = {"ES": ("ELEM", "Elementary", "60", "Elementary Schools (Public)"),
       "MS": ("INTMIDJR", "Intermediate/Middle/Junior High", "62", "Intermediate/Middle Schools (Public)"),
       "HS": ("HS", "High School", "66", "High Schools (Public)"),
       "K8": ("ELEMHIGH", "Elementary-High Combination", "65", "K-12 Schools (Public)"),
       "K12": ("ELEMHIGH", "Elementary-High Combination", "65", "K-12 Schools (Public)")}
GRADE_COLUMNS = ["GR_TK", "GR_KN"] + [f"GR_{g:02d}" for g in range(1, 13)]
CENSUS_COLUMNS = ["AcademicYear", "AggregateLevel", "CountyCode", "DistrictCode", "SchoolCode", "CountyName",
                  "DistrictName", "SchoolName", "Charter", "ReportingCategory", "TOTAL_ENR", *GRADE_COLUMNS]
SUPPRESS_AT_MOST = 10  # CDE: counts of 10 or fewer of selected populations (not race/ethnicity) are *


def _write(df: pd.DataFrame, path: Path) -> int:
    """Tab-delimited, Windows-1252, CR LF: as CDE publishes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, sep="\t", index=False, lineterminator="\r\n", encoding="cp1252", errors="replace")
    return len(df)


def _span(low: str, high: str) -> str:
    return f"{low}-{high}" if low != high else low


def write_public_schools(w: World, path: Path) -> int:
    """``pubschls.txt``: the district's record, its schools (Active), one closed school of the district
    and one school of another district."""
    s, d = w.schools, w.districts
    rows = []

    def row(cds, status, county, district, school, eil_of, span, charter, first, last, email, street, city, zp):
        eil, eil_name, soc, soc_type = EIL.get(eil_of, ("No Data",) * 4)
        values = dict.fromkeys(PUBSCHLS_COLUMNS, NO_DATA)
        values.update(CDSCode=cds, StatusType=status, County=county, District=district, School=school,
                      Street=street, StreetAbr=street, City=city, Zip=zp, State="CA", Charter=charter,
                      SOC=soc, SOCType=soc_type, EILCode=eil, EILName=eil_name, GSoffered=span, GSserved=span,
                      AdmFName=first or NO_DATA, AdmLName=last or NO_DATA, AdmEmail=email or NO_DATA,
                      EdOpsCode="TRAD", EdOpsName="Traditional", Virtual="N", Magnet="N", YearRoundYN="N",
                      LastUpDate="2024-06-14")
        rows.append(values)

    for k, dist in d.iterrows():
        cd = f"{dist['county_code']}{dist['code']}" if "county_code" in d else str(dist["cds"])[:7]
        row(f"{cd}0000000", "Active", dist["county_name"], dist["name"], NO_DATA, "", NO_DATA, NO_DATA,
            "Pat", "Superintendent", f"superintendent@{dist['domain']}", "1 Civic Center Plaza", "Los Angeles", "90012")
    for i, sch in s.iterrows():
        dist = d.iloc[int(sch["district"])]
        first, _, last = str(sch["principal_name"]).partition(" ")
        row(sch["cds"], "Active", dist["county_name"], dist["name"], sch["school_name"], sch["school_type"],
            _span(sch["low_grade"], sch["high_grade"]), sch["charter"], first, last, sch["principal_email"],
            sch["address"], sch["city"], sch["zip"])
    first_district = d.iloc[0]
    cd = str(s["cds"].iloc[0])[:7]
    row(f"{cd}9999991", "Closed", first_district["county_name"], first_district["name"], "Old Mill Elementary",
        "ES", "K-5", "N", "", "", "", "12 Mill St", "Los Angeles", "90012")
    row("01611190130229", "Active", "Alameda", "Alameda Unified", "Neighbor Elementary", "ES", "K-5", "N",
        "Lee", "Nakamura", "lnakamura@alameda.example.org", "2 Bay St", "Alameda", "94501")
    return _write(pd.DataFrame(rows, columns=PUBSCHLS_COLUMNS), path)


def write_overrides(w: World, path: Path) -> int:
    """``directory_overrides.csv``: each school's scorecard languages (the public file has none)."""
    df = pd.DataFrame({"cds": w.schools["cds"], "languages": w.schools["languages"]})
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    return len(df)


def _categories(config_dir: Path) -> dict[str, str]:
    """student group -> ReportingCategory, from the table the pipeline reads."""
    groups = yaml.safe_load((Path(config_dir) / "public_files.yaml").read_text(encoding="utf-8"))["census_groups"]
    return {group: category for category, group in groups.items()}


def write_census_enrollment(yd: YearData, w: World, path: Path, config_dir: Path) -> int:
    """``cdenroll<yy><yy>.txt``: school rows of every category the pipeline maps, and the district rows."""
    idx, school = census(yd)
    a = group_attrs(yd.pop, idx)
    grade = yd.pop["grade"][idx] + 1  # index into GRADE_LABELS (TK = 0)
    n, g = w.n, len(GRADE_LABELS)
    category = _categories(config_dir)
    s, d = w.schools, w.districts
    rows = []
    year = yd.label
    for code, mask in group_masks(a, ENROLL_GROUPS):
        if code not in category:
            continue
        sel = slice(None) if mask is None else mask
        cells = np.bincount(school[sel] * g + np.clip(grade[sel], 0, g - 1), minlength=n * g).reshape(n, g)
        cat = category[code]
        hide = not cat.startswith(("RE_", "TA"))
        for i in range(n):
            cds = str(s["cds"].iloc[i])
            dist = d.iloc[int(s["district"].iloc[i])]
            total = int(cells[i].sum())
            suppressed = hide and total <= SUPPRESS_AT_MOST
            values = ["*"] * (1 + g) if suppressed else [total, *map(int, cells[i])]
            rows.append([year, "S", cds[:2], cds[2:7], cds[7:], dist["county_name"], dist["name"],
                         s["school_name"].iloc[i], s["charter"].iloc[i], cat, *values])
        first = d.iloc[0]
        cds = str(s["cds"].iloc[0])
        rows.append([year, "D", cds[:2], cds[2:7], "0000000", first["county_name"], first["name"], "", "All", cat,
                     int(cells.sum()), *map(int, cells.sum(axis=0))])
    return _write(pd.DataFrame(rows, columns=CENSUS_COLUMNS), path)
