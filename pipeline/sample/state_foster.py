"""The sample's CALPADS ODS foster youth reports, exported as CSV: Report 5.7 "Foster Youth Enrolled -
Student List" (``calpads_foster_enrolled.csv``) and Report 5.9 "Former Foster Youth - Student List"
(``calpads_foster_former.csv``), as a district saves them on the last days of the school year.

Written from the district's attendance export of the same year: its foster students (the ``foster``
flag, which makes the sample's CDE foster youth rows) are split between the two, about seven in ten
still foster at the end of the year (5.7) and the others foster earlier in the year (5.9), each once,
at the school of their last attendance record. Columns in the order documentation.calpads.org's
"Report Logic" numbers them (1 School Code, 2 School Name, 3 SSID, 4 Student Legal Name, 5 Local
Student ID, 6 Birth Date, 7 Gender, 8 Grade Level), with the fake names, birth date (MM/DD/YYYY) and
gender of :func:`pipeline.sample.state_files.people`, so the reader's dropping of them is tested on
files that have them. A title, the report's parameters, a blank line and the column headings come
first and a total line last, as a report export carries them (UTF-8 with a byte-order mark: school
names have accents). The reports list grades KN-12 only
(their documented selection): a foster student in TK (from 2023-24, when CALPADS has a TK code) is
on neither list.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.sample import state_files
from pipeline.sample.state_files import _draws
from pipeline.sample.state_senr import _grade_code

FOSTER_FILES = ("calpads_foster_enrolled.csv", "calpads_foster_former.csv")
TITLES = ('Report 5.7 - Foster Youth Enrolled - Student List', 'Report 5.9 - Former Foster Youth - Student List')
HEADINGS = ["School Code", "School Name", "SSID", "Student Name", "Local Student ID", "Birth Date", "Gender",
            "Grade Level"]
STILL_FOSTER = 70  # in 100: foster on the last day (5.7); the others left foster care during the year (5.9)


def _school_names(raw_dir: Path) -> dict[str, str]:
    """The schools' names by 14-digit CDS, from the sample's directory (own or public layout)."""
    if (raw_dir / "directory.csv").exists():
        d = pd.read_csv(raw_dir / "directory.csv", dtype=str)
        return dict(zip(d["cds"], d["school_name"]))
    if (raw_dir / "pubschls.txt").exists():
        d = pd.read_csv(raw_dir / "pubschls.txt", sep="\t", dtype=str, encoding="cp1252")  # as CDE writes it
        return dict(zip(d["CDSCode"], d["School"]))
    return {}


def write_foster_reports(attendance: pd.DataFrame, spring: int, year_dir: Path) -> dict[str, int]:
    """Both exports of the year in ``year_dir``; returns the student lines of each."""
    a = attendance[attendance["foster"].eq("Y")].drop_duplicates("ssid", keep="last")
    code = _grade_code(a["grade"], spring)
    a = a[code.ne("TK").to_numpy()].reset_index(drop=True)  # the reports select KN-12
    ssid = a["ssid"].astype(str)
    who = state_files.people(ssid, spring, a["grade"].astype(str)).reset_index(drop=True)
    names = _school_names(year_dir.parent)
    cds = a["cds"].astype(str)
    lines = pd.DataFrame({
        "school": cds.str[7:], "name": cds.map(names).fillna(""), "ssid": ssid,
        "student": who["last"] + ", " + who["first"] + " " + who["middle"],
        "local": pd.Series(_draws(ssid, "local", 900_000) + 100_000).astype(str),
        "birth": pd.to_datetime(who["birth"]).dt.strftime("%m/%d/%Y"), "gender": who["gender"],
        "grade": _grade_code(a["grade"], spring).reset_index(drop=True),
    })
    still = _draws(ssid, f"foster-end{spring}", 100) < STILL_FOSTER
    as_of = f"06/{10 + int(_draws(pd.Series([str(spring)]), 'as-of', 5)[0]):02d}/{spring}"
    counts = {}
    for name, title, part in zip(FOSTER_FILES, TITLES, (still, ~still)):
        rows = lines[part].assign(order=lines["grade"].replace("KN", "00"))  # by school name, grade, name
        rows = rows.sort_values(["name", "order", "student"], kind="stable").drop(columns="order")
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerows([[title], [f"Academic Year: {spring - 1}-{spring}", f"As of: {as_of}"], [],
                          HEADINGS, *rows.to_numpy().tolist(), [f"Total Students: {len(rows)}"]])
        (year_dir / name).write_bytes(out.getvalue().encode("utf-8-sig"))  # as the ODS CSV export: UTF-8, BOM
        counts[name] = len(rows)
    return counts
