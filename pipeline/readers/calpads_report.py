"""CALPADS ODS report exports (CSV or Excel), read by column number: the foster youth student lists.

CALPADS gives an LEA the CDSS foster match only as ODS reports: **Report 5.7 "Foster Youth
Enrolled - Student List"** (students foster on the report's "as of" date, the current date; a
point-in-time report with no snapshot) and **Report 5.9 "Former Foster Youth - Student List"**
(students identified as foster at some time in the current academic year and no longer foster on
that date). documentation.calpads.org (Reports/FosterYouth, "Report Logic") numbers their columns:
1 School Code, 2 School Name, 3 SSID (SENR 1.08), 4 Student Legal First/Middle/Last Name, 5 Local
Student ID, 6 Birth Date (SINF 2.18), 7 Gender, 8 Grade Level; later columns are not seen. The pages
give column rules, not an export file layout, so the file is read by those numbers, which
``config/calpads_reports.yaml`` holds (a district whose export differs changes them there).

An export is comma-delimited (the ODS CSV export) or an Excel workbook (``.xlsx``: its first sheet,
rows numbered as the spreadsheet numbers them, :mod:`pipeline.readers.xlsx`), and may carry report
furniture: a title, the report's parameters, the column headings, page or total lines. A line whose
SSID column does not hold digits only is such a line: it is skipped and counted
(:attr:`RawTable.heading_lines`, shown in the validation report and the asset's metadata), never
silently lost. A line whose SSID column holds digits is a student line and is kept for the contract,
which quarantines it by line number when it is broken (an SSID of 9 digits, a school code that is
not 7). Only the school code and the
SSID are kept: names, birth date, gender, local ID and grade are dropped record by record as the
file is read and never reach a frame. In a workbook a school code saved as a number has lost its
leading zero and is quarantined as not 7 digits, never padded back by guess.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from pipeline.config import CONFIG_DIR, ConfigError, read_yaml
from pipeline.readers.encoding import decode, read_bytes
from pipeline.readers.state import StateLayout
from pipeline.readers.table import LINE, RawTable, SourceFileError
from pipeline.readers.xlsx import xlsx_rows

REPORTS_FILE = "calpads_reports.yaml"
DIGITS = re.compile(r"\d+")
KEPT = ("school_code", "ssid")  # the only columns read: every other is dropped as the file is read


def report_columns(key: str, config_dir: str | Path | None = None) -> dict[str, int]:
    """``key`` of ``config/calpads_reports.yaml`` (of ``config_dir``, default the run's configuration):
    each kept column's name and its 1-based number, checked."""
    path = Path(CONFIG_DIR if config_dir is None else config_dir) / REPORTS_FILE
    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get(key), dict):
        raise ConfigError(f"{path}: missing key '{key}' (a mapping of column names to column numbers)")
    columns = data[key]
    other = sorted(str(k) for k in columns if k not in KEPT)
    if other:  # a name or a birth date must never be kept: only these columns are read
        raise ConfigError(f"{path}: '{key}': {', '.join(other)} is not a column the pipeline reads "
                          f"(only {', '.join(KEPT)})")
    for name in KEPT:
        number = columns.get(name)
        if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= 200:
            raise ConfigError(f"{path}: '{key}.{name}' must be a column number, 1 or more (as the report's "
                              "documentation numbers its columns)")
    if len(set(columns.values())) != len(columns):
        raise ConfigError(f"{path}: '{key}': two columns have the same number")
    return {str(k): int(v) for k, v in columns.items()}


def read_report_export(path: Path | str, layout: StateLayout, columns: dict[str, int]) -> RawTable:
    """One CALPADS report export as a :class:`RawTable` of ``columns`` (name -> column number) only,
    each student line with its physical line number; report furniture skipped and counted."""
    path = Path(path)
    data = read_bytes(path)
    if path.suffix.lower() == ".xlsx":
        encoding, delimiter, records = "xlsx", "xlsx", xlsx_rows(path, data)
    else:
        text, encoding = decode(path, data)
        encoding, delimiter, records = encoding, ",", _csv_records(path, text)
    ssid_at = columns["ssid"] - 1
    kept: dict[str, list[str]] = {name: [] for name in columns}
    lines: list[int] = []
    blank = headings = width = 0
    for start, record in records:
        if not any(f.strip() for f in record):
            blank += 1
            continue
        ssid = record[ssid_at].strip() if ssid_at < len(record) else ""
        if not DIGITS.fullmatch(ssid):
            headings += 1  # a title, parameter, heading, page or total line: no student
            continue
        for name, number in columns.items():
            kept[name].append(record[number - 1].strip() if number - 1 < len(record) else "")
        lines.append(start)
        width = max(width, len(record))  # the line's other fields (names, birth date) are not kept
    if not lines and not headings:
        raise SourceFileError(path, "is empty (0 data rows)")
    frame = pd.DataFrame({name: pd.Series(values, dtype=object) for name, values in kept.items()})
    frame[LINE] = pd.array(lines, dtype="int64")
    dropped = [f"column {i}" for i in range(1, width + 1) if i not in columns.values()]
    table = RawTable(path=path, frame=frame, encoding=encoding, delimiter=delimiter,
                     checksum=hashlib.sha256(data).hexdigest(), blank_lines=blank, ignored_columns=dropped,
                     reader="xlsx" if delimiter == "xlsx" else "csv", heading_lines=headings)
    if headings:
        table.notes.append(f"{headings} line{'s' if headings != 1 else ''} of report title, headings or totals "
                           "skipped (no SSID in the SSID column)")
    return table


def _csv_records(path: Path, text: str) -> Iterator[tuple[int, list[str]]]:
    """Each record of a CSV export with the physical line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=",")
    previous_end = 0
    try:
        for record in reader:
            start, previous_end = previous_end + 1, reader.line_num
            yield start, record
    except csv.Error as exc:
        raise SourceFileError(path, f"cannot be parsed after line {previous_end}: {exc} (an unclosed quote?)") from None


# --- the reports ----------------------------------------------------------------------------------------

FOSTER_DOCUMENT = ("documentation.calpads.org, Reports/FosterYouth, Report Logic of Report 5.7 and Report 5.9: "
                   "1 School Code, 3 SSID (SENR 1.08); columns by number from config/calpads_reports.yaml "
                   "(foster_reports)")

FOSTER_ENROLLED = StateLayout(
    name='CALPADS Report 5.7 "Foster Youth Enrolled - Student List" export', document=FOSTER_DOCUMENT,
    report="foster_reports")

FOSTER_FORMER = StateLayout(
    name='CALPADS Report 5.9 "Former Foster Youth - Student List" export', document=FOSTER_DOCUMENT,
    report="foster_reports")
