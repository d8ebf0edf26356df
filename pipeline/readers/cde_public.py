"""Readers of CDE's two public files, as published, into a :class:`~pipeline.readers.table.RawTable`
of CDE's own columns (names normalised) for the district's rows only.

``pubschls.txt``, the Public Schools and Districts file: tab-delimited with a header since January
2012 (CDE, "Changes to the Public Schools File", cde.ca.gov/ds/si/ds/pubschchanges.asp); column
meanings from "File Structure: Public Schools and Districts" (cde.ca.gov/ds/si/ds/fspubschls.asp,
2024). ``No Data`` is CDE's blank. The principal's name and e-mail were ``AdmFName1``, ``AdmLName1``,
``AdmEmail1`` from November 2011 and are ``AdmFName``, ``AdmLName``, ``AdmEmail`` since July 2020:
both spellings are read. The file comes in Windows-1252 as often as UTF-8; the reader takes either.

``cdenroll<yy><yy>.txt``, Census Day Enrollment: CDE, "File Structure: Census Day Enrollment Data"
(cde.ca.gov/ds/ad/fsenrcensus.asp, 2024): Academic Year, Aggregate Level (T state, C county, D
district, S school), County, District and School Code, names, Charter, Reporting Category, the
total and one column per grade; ``*`` where a count was suppressed. The page names the fields in
words; the header spellings (``AcademicYear`` or ``Academic Year``, ``TOTAL_ENR``) are from public
readers of the file and unconfirmed, so spaces and underscores in header names do not matter here.

Only the district's rows are kept (its schools are chosen in ``config/settings.yaml``, see
:mod:`pipeline.mapping.choice`): the rest of the state is counted, not read into the table. A
record the parser could not line up with the header is kept as a bad record when its text starts
with one of the district's codes (it is then quarantined), and counted with the others otherwise.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from pipeline.readers.delimited import read_delimited
from pipeline.readers.table import LINE, RawTable

NO_DATA = "No Data"

PUBSCHLS_COLUMNS = ["cdscode", "statustype", "county", "district", "school", "street", "city", "zip", "charter",
                    "eilcode", "gsoffered", "gsserved", "admfname", "admlname", "admemail"]
PUBSCHLS_REQUIRED = ["cdscode", "statustype", "county", "district", "school", "eilcode", "gsserved"]
PUBSCHLS_ALIASES = {"admfname1": "admfname", "admlname1": "admlname", "admemail1": "admemail"}

CENSUS_COLUMNS = ["academicyear", "aggregatelevel", "countycode", "districtcode", "schoolcode", "charter",
                  "reportingcategory", "total_enr"]
CENSUS_REQUIRED = [c for c in CENSUS_COLUMNS if c != "charter"]


def _spellings(names: list[str], extra: dict[str, str]) -> dict[str, str]:
    """Header spellings with spaces or underscores between the words: ``Academic Year`` is ``academicyear``."""
    words = {"academicyear": "academic year", "aggregatelevel": "aggregate level", "countycode": "county code",
             "districtcode": "district code", "schoolcode": "school code",
             "reportingcategory": "reporting category", "total_enr": "total enr"}
    aliases = dict(extra)
    for name in names:
        spaced = words.get(name, name)
        for variant in {spaced, spaced.replace(" ", "_"), spaced.replace(" ", ""), name.replace("_", "")}:
            if variant != name:
                aliases[variant] = name
    return aliases


CENSUS_ALIASES = _spellings(CENSUS_COLUMNS, {"total enrollment": "total_enr", "totalenrollment": "total_enr"})


def _blank_no_data(frame: pd.DataFrame) -> pd.DataFrame:
    for column in frame.columns:
        if column != LINE:
            values = frame[column]
            hit = values.eq(NO_DATA).fillna(False).to_numpy(dtype=bool)
            if hit.any():
                frame[column] = values.mask(hit, "")
    return frame


def _keep(raw: RawTable, rows: np.ndarray, ours: Callable[[str], bool], what: str) -> tuple[RawTable, int]:
    """``raw`` with only ``rows`` (a boolean mask) and the bad records that are the district's, and the
    number of records left out."""
    left_out = int((~rows).sum())
    raw.frame = raw.frame[rows].reset_index(drop=True)
    bad = [b for b in raw.bad_records if ours(b.text)]
    left_out += len(raw.bad_records) - len(bad)
    raw.bad_records = bad
    raw.notes.append(f"{left_out} rows of {what} left out")
    return raw, left_out


def read_public_schools(path: Path | str, cds_prefixes: tuple[str, ...], *,
                        engine: str = "auto") -> tuple[RawTable, int]:
    """The rows of ``pubschls.txt`` whose CDS code starts with one of ``cds_prefixes`` (7-digit district
    codes or 14-digit school codes), district records (CDS ending ``0000000``) left out; ``No Data`` blank;
    and how many rows were left out."""
    raw = read_delimited(path, required=PUBSCHLS_REQUIRED, optional=[c for c in PUBSCHLS_COLUMNS
                                                                     if c not in PUBSCHLS_REQUIRED],
                         aliases=PUBSCHLS_ALIASES, delimiters=("\t",), engine=engine)
    raw.frame = _blank_no_data(raw.frame)
    cds = raw.frame["cdscode"].astype(object).fillna("").astype(str)
    pattern = re.compile("^(?:" + "|".join(map(re.escape, cds_prefixes)) + ")") if cds_prefixes else None
    ours = (lambda text: bool(pattern.match(text)) and not text[7:14] == "0000000") if pattern else (lambda t: False)
    rows = np.array([ours(c) for c in cds], dtype=bool)
    for column in PUBSCHLS_COLUMNS:  # the optional columns an older copy lacks, blank
        if column not in raw.frame.columns:
            raw.frame[column] = ""
    return _keep(raw, rows, ours, "other districts, district records or schools not chosen")


def read_census_enrollment(path: Path | str, cds_prefixes: tuple[str, ...], *,
                           engine: str = "auto") -> tuple[RawTable, int]:
    """The school rows (Aggregate Level ``S``) of ``cdenroll<yy><yy>.txt`` of the district's schools, and
    how many rows were left out."""
    raw = read_delimited(path, required=CENSUS_REQUIRED, optional=["charter"], aliases=CENSUS_ALIASES,
                         delimiters=("\t",), engine=engine)
    f = raw.frame
    if "charter" not in f.columns:
        f["charter"] = ""
    codes = (f["countycode"].astype(object).fillna("").astype(str) + f["districtcode"].astype(object).fillna("")
             .astype(str) + f["schoolcode"].astype(object).fillna("").astype(str))
    level = f["aggregatelevel"].astype(object).fillna("").astype(str)
    prefixes = tuple(cds_prefixes)
    rows = np.array([lv == "S" and c.startswith(prefixes) for lv, c in zip(level, codes)], dtype=bool) \
        if prefixes else np.zeros(len(f), dtype=bool)
    # a bad record is the district's when its fields hold the district's codes at school level
    def ours(text: str) -> bool:
        fields = text.split("\t")
        return len(fields) > 4 and fields[1] == "S" and "".join(fields[2:5]).startswith(prefixes) if prefixes else False

    return _keep(raw, rows, ours, "the state, counties, districts and other schools")
