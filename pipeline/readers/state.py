"""The state's student-level files as a district downloads them, read keeping only the fields the
pipeline needs: names, birth dates, addresses and every other field are dropped as the file is
read, and a record that does not line up with the layout is kept for the quarantine by its line
number only, never by its text.

Layout documents followed (the facts and their status: ``/work/shared/reference/state-files.md``):

- **CAASPP Student Score Data File**, caret-delimited with a header (``_DLMTR``): CAASPP
  2021-22 Student Data File Layout (26 July 2022; 365 fields) and 2020-21 layout (13 July 2021),
  read by header name because positions move every year. Later years' renames, seen in TOMS
  files' headers (2023-24: ``CALPADSSpecialEducation``; 2024-25, 401 fields:
  ``EthnicityforTesting``, ``CALPADSFosterStatus``, ``CALPADSHomelessStatus``) are mapped to the
  2021-22 names. ``LTELorARLTEL`` (2024-25) is not read: "LTEL or at risk of becoming LTEL" is
  EC 313.1's definition (DataQuest, CAASPP and ELPAC reporting), not the Dashboard's LTEL group
  (EC 52052), which comes from CALPADS's Cumulative Enrollment Extract (below).
- **Summative ELPAC Student Score Data File**, same family: Summative ELPAC 2020-21 Student Data
  File Layout (15 June 2021; 343 fields) and the 370-field header of 2021-22 (the district's example
  in ``shared/realdata/elpac``, whose header ends ``EndofRecord,``). A grade written without its
  leading zero (``1`` for ``01``, as a spreadsheet re-save leaves it) gets the zero back.
- **CALPADS extracts** (STAS file 13, SELA file 12, SPRG file 3), caret-delimited without a header,
  fields by number: CALPADS File Specifications as published in the SIS vendors' layouts
  (PowerSchool eSchoolPlus "Student Absence", "Student English Language Acquisition", "Student
  Program" file layouts; Aeries "CALPADS STAS file layout"), STAS 13.01-13.24 with 13.22 from
  2021-22 (CALPADS STAS0311/STAS0318 update of May 2022) and 13.24 from 2025-26 (STAS0739). The
  number of fields is the file's own (13.23, 13.24 and the two dates an ODS extract appends may be
  there or not); only the fields named in the layout are kept.
- **CALPADS SINF extract** (Student Information, file 2), same conventions: the fields CALPADS's
  own troubleshooting pages cite (documentation.calpads.org, SINF0045 and SINF0046, updated
  6/2021): 2.23 Student Hispanic Ethnicity Indicator, 2.24 Student Ethnicity Missing Indicator,
  2.25-2.29 Student Race 1-5 Code, 2.30 Student Race Missing Indicator; 2.04 Effective Start Date
  (Infinite Campus "CALPADS Student Information (SINF)": "field 4, Effective Start Date"). 2.19
  Student Gender Code is confirmed by the CALPADS Data Guide v11.0; 2.05-2.09 (Effective End
  Date, Reporting LEA, School of Attendance, Academic Year ID, SSID) follow from the shared CALPADS
  key order and the fields between SSID and 2.19 (local ID, legal and alias names, 2.18 birth
  date), which no document read here numbers [unconfirmed]: a file laid out otherwise fails its
  SSID, school and date checks loudly rather than being read wrong. Names (2.11-2.17), birth date
  (2.18), birth place, addresses and parent fields are never kept. An older numbering
  (2.24-2.31, one place later) is on secondary pages only and is not read.
- **CALPADS SENR extract** (Student Enrollment, file 1, 35 fields as CALPADS's Cumulative
  Enrollment Extract page (updated 11/2024) counts them), same conventions. CALPADS's own pages
  number its enrollment fields two ways: 1.23 Enrollment Start Date, 1.24 Enrollment Status Code,
  1.25 Grade Level Code, 1.26 Enrollment Exit Date (Report 5.9 "Former Foster Youth - Student
  List"; SENR0742, added 11/2025; CERT120), or one place earlier from 1.22 (SENR0586, added 5/2022;
  SENR0269, updated 9/2025; SELA0301). The first record says which: the numbering whose start date
  is eight digits and whose status is two is read. 1.07 Academic Year ID and 1.08 SSID (SENR0742,
  SENR0072, Report 5.9) agree in both; 1.04 and 1.05 follow the shared key order. Names
  (1.10-1.12), birth date (1.17) and gender (1.18) are never kept. The same file may be CALPADS's
  **Cumulative Enrollment Extract** (CENR: documentation.calpads.org "Cumulative Enrollment
  Extract", updated 11/2024: SENR's fields 1-35, then 36 Ethnicity/Race, 37 English Language
  Acquisition Status, ..., and an upload and a last-updated date; its record type code has
  "CENR-R" appended, how exactly is not shown, so the usual joinings are accepted). From April
  2025 its fields 44-48 are the LTEL fields of CALPADS Update Flash #311 (26 Aug 2025): 45
  **Provisional LTEL Start Date** (calculated: the date the student becomes or would become a
  long-term English learner under EC 52052, the Dashboard's definition; filled for a reclassified
  student only when it falls before the RFEP date). Field 45 is the only one of them kept (a
  district's own count of these extracts reads the same column, "AS"). A SENR extract (35 fields)
  has no field 45: the LTEL group is then not computed.
- **CALPADS SPED file** (Special Education, file 14), same conventions: 14.08 SSID (CERT140), 14.21
  Special Education Meeting Date, 14.24 Education Plan Type Code (SPED0521F1), 14.25 Education
  Plan Amendment Date (SPED0363F1), 14.46 Special Education Program Exit Date (SPED0370F1), as
  CALPADS's troubleshooting pages cite them (updated 4/2022, the file's 2019-20 to 2022-23
  validations); 14.04, 14.05 and 14.07 by the CALPADS key order [unconfirmed]. CALPADS's "SPED
  redesign" of October 2023 retired those validations; a layout after it was not found, and a file
  laid out otherwise fails its SSID and date checks loudly.

Foster status is in no extract: CALPADS gives an LEA the CDSS foster match only as the ODS reports
5.7 "Foster Youth Enrolled - Student List" and 5.9 "Former Foster Youth - Student List"
(documentation.calpads.org), whose pages give column rules, not a file layout (SPRG has no foster
program code: 193 is Tribal Foster Youth). Their CSV or Excel exports are read by column number
(``config/calpads_reports.yaml``: 1 School Code, 3 SSID) by :mod:`pipeline.readers.calpads_report`,
which :func:`read_state_file` calls for a layout with ``report`` set.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.readers.delimited import read_delimited
from pipeline.readers.encoding import read_bytes
from pipeline.readers.table import RawTable, SourceFileError

CARET = "^"


@dataclass(frozen=True)
class StateLayout:
    """How one family of the state's files is laid out (what the reader needs beyond the contract)."""

    name: str  # in words, for messages: "CALPADS STAS extract"
    document: str  # the layout documents followed, with year and version
    aliases: dict[str, str] = field(default_factory=dict)  # header files: other years' names -> the contract's
    fields: dict[str, str] = field(default_factory=dict)  # numbered files: field number ("13.07") -> name
    record_type: str = ""  # numbered files: the literal of field 1 ("STAS")
    grades: tuple[str, ...] = ()  # columns holding a grade code
    # numbered files whose numbering differs between CALPADS documents: other numberings, each with
    # what it is (for messages), tried in turn when the first record does not fit ``fields``
    numberings: tuple[tuple[str, dict[str, str]], ...] = ()
    probes: dict[str, str] = field(default_factory=dict)  # field name -> pattern its value must match
    other_record_types: tuple[str, ...] = ()  # numbered files: other literals field 1 may hold
    # a CALPADS ODS report export read by column number: its key in config/calpads_reports.yaml
    report: str = ""

    @property
    def numbered(self) -> bool:
        return bool(self.fields)

    @property
    def file_number(self) -> str:
        return next(iter(self.fields)).split(".")[0]


def read_state_file(path: Path | str, layout: StateLayout, *, required: list[str], optional: list[str] = (),
                    engine: str = "auto") -> RawTable:
    """One of the state's files as a :class:`RawTable` of the contract's columns only."""
    path = Path(path)
    if layout.report:  # a CALPADS report export (the foster lists): pipeline/readers/calpads_report.py
        from pipeline.readers.calpads_report import read_report_export, report_columns

        return read_report_export(path, layout, report_columns(layout.report))
    if layout.numbered:
        names = _numbered_names(path, layout, required)
        table = read_delimited(path, required=required, optional=optional, delimiters=(CARET,), engine=engine,
                               names=names, parse_kept_only=True)
    else:
        table = read_delimited(path, required=required, optional=optional, aliases=layout.aliases,
                               delimiters=(CARET,), engine=engine, parse_kept_only=True)
    for record in table.bad_records:
        record.text = ""  # the record may hold a name or a birth date: only its line and problem are kept
    for column in layout.grades:
        if column in table.frame.columns:
            values = table.frame[column]
            table.frame[column] = values.mask(values.str.fullmatch(r"\d").fillna(False).astype(bool), "0" + values)
    return table


def _numbered_names(path: Path, layout: StateLayout, required: list[str]) -> list[str]:
    """The names of the file's fields by position, from its first record: the layout's name for the
    fields it needs, the field number (e.g. ``13.09``) for the others, which are dropped."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(1 << 16)
    except OSError:
        read_bytes(path)  # says why, in the words of every reader
        raise
    first = data.removeprefix(b"\xef\xbb\xbf").lstrip(b"\r\n").split(b"\n", 1)[0].rstrip(b"\r")
    if not first.strip():
        raise SourceFileError(path, "is empty (0 data rows)")
    fields = first.split(CARET.encode())
    kind = fields[0].decode("utf-8", errors="replace").strip()
    if kind not in (layout.record_type, f"{layout.record_type}-R", *layout.other_record_types):
        shown = kind[:8] if kind.isalnum() and len(kind) <= 8 else "something else"
        raise SourceFileError(
            path, f"is not a {layout.name}: its first record is of type {shown!r}, expected {layout.record_type!r} "
                  "(a caret-delimited CALPADS extract without a header)")
    numbering = _numbering(layout, [f.decode("utf-8", errors="replace").strip() for f in fields])
    wanted = {name: number for number, name in numbering.items()}
    needed = max(int(wanted[name].split(".")[1]) for name in required if name in wanted)
    if len(fields) < needed:
        raise SourceFileError(
            path, f"has {len(fields)} fields in its first record; the {layout.name} needs at least {needed} "
                  f"({layout.file_number}.01-{layout.file_number}.{needed:02d})")
    numbers = [f"{layout.file_number}.{i:02d}" for i in range(1, len(fields) + 1)]
    return [numbering.get(number, number) for number in numbers]


def _numbering(layout: StateLayout, first: list[str]) -> dict[str, str]:
    """The numbering the first record fits: ``layout.fields``, else the first of ``layout.numberings``
    whose probed fields match, else ``layout.fields`` (the contract's checks then say what is wrong)."""
    for fields in [layout.fields, *(f for _, f in layout.numberings)]:
        position = {name: int(number.split(".")[1]) - 1 for number, name in fields.items()}
        if all(position[name] < len(first) and re.fullmatch(pattern, first[position[name]])
               for name, pattern in layout.probes.items()):
            return fields
    return layout.fields


# --- the layouts ----------------------------------------------------------------------------------------

CAASPP = StateLayout(
    name="CAASPP Student Score Data File",
    document="CAASPP Student Data File Layout 2021-22 (26 Jul 2022) and 2020-21 (13 Jul 2021); renames of "
             "2023-24 and 2024-25 from TOMS files' headers",
    aliases={
        "calpadsspecialeducation": "calpadsideaindicator",  # 2023-24
        "calpadsfosterstatus": "fosterstatus",  # 2024-25
        "calpadshomelessstatus": "homelessstatus",
        "ethnicityfortesting": "reportingethnicity",
    },
    grades=("gradeassessed",),
)

ELPAC = StateLayout(
    name="Summative ELPAC Student Score Data File",
    document="Summative ELPAC Student Data File Layout 2020-21 (15 Jun 2021); the 370-field header of 2021-22",
    aliases={"calpadselasfortesting": "elasfortesting", "elas": "elasfortesting"},
    grades=("gradeassessed", "gradeassessedminus1"),
)

_CALPADS_KEYS = {"01": "record_type", "04": "reporting_lea", "05": "school_of_attendance", "06": "academic_year",
                 "07": "ssid"}


def _calpads(number: int, more: dict[str, str]) -> dict[str, str]:
    return {f"{number}.{k}": v for k, v in {**_CALPADS_KEYS, **more}.items()}


STAS = StateLayout(
    name="CALPADS STAS extract",
    document="CALPADS File Specifications, Student Absence Summary 13.01-13.24 (fields as of 2022; 13.24 from "
             "2025-26)",
    fields=_calpads(13, {"13": "exemption", "14": "hourly", "15": "days_expected", "16": "days_attended",
                         "17": "days_oss", "18": "days_iss", "19": "days_excused", "20": "days_unexcused",
                         "21": "days_is_non_ada", "22": "days_is_ada", "24": "days_recovery"}),
    record_type="STAS",
)

SELA = StateLayout(
    name="CALPADS SELA extract",
    document="CALPADS File Specifications, Student English Language Acquisition 12.01-12.15",
    fields=_calpads(12, {"13": "elas", "14": "elas_start_date"}),
    record_type="SELA",
)

SPRG = StateLayout(
    name="CALPADS SPRG extract",
    document="CALPADS File Specifications, Student Program 3.01-3.16",
    fields=_calpads(3, {"13": "program", "15": "membership_start", "16": "membership_end"}),
    record_type="SPRG",
)

SINF = StateLayout(
    name="CALPADS SINF extract",
    document="CALPADS File Specifications, Student Information 2.01-2.30 as CALPADS troubleshooting SINF0045/"
             "SINF0046 cite them (updated 6/2021); 2.04 from Infinite Campus's SINF extract page; 2.05-2.09 "
             "by the CALPADS key order [unconfirmed]",
    fields={"2.01": "record_type", "2.04": "effective_start", "2.05": "effective_end", "2.06": "reporting_lea",
            "2.07": "school_of_attendance", "2.08": "academic_year", "2.09": "ssid", "2.23": "hispanic",
            "2.24": "ethnicity_missing", "2.25": "race1", "2.26": "race2", "2.27": "race3", "2.28": "race4",
            "2.29": "race5", "2.30": "race_missing"},
    record_type="SINF",
)

SENR = StateLayout(
    name="CALPADS SENR extract",
    document="CALPADS File Specifications, Student Enrollment (SSID Enrollment) 1.01-1.35, numbered as "
             "documentation.calpads.org's Report 5.9 (1.08 SSID, 1.24 Enrollment Status, 1.25 Grade Level, 1.26 "
             "Enrollment Exit Date) and SENR0742 (11/2025: 1.07 Academic Year ID, 1.23 Enrollment Start Date); or "
             "one place earlier from 1.22, as SENR0586 (5/2022) and SENR0269 (9/2025) number them, told by the "
             "first record. Or CALPADS's Cumulative Enrollment Extract (documentation.calpads.org, updated 11/2024: "
             "SENR's 35 fields, then its own), whose field 45 (written 1.45 here) is the Provisional LTEL Start Date "
             "from April 2025 (CALPADS Update Flash #311, 26 Aug 2025)",
    fields={"1.01": "record_type", "1.04": "reporting_lea", "1.05": "school_of_attendance", "1.07": "academic_year",
            "1.08": "ssid", "1.23": "enrollment_start", "1.24": "enrollment_status", "1.25": "grade",
            "1.26": "enrollment_exit", "1.45": "provisional_ltel_start"},
    record_type="SENR",
    numberings=(("1.22 Enrollment Start Date, 1.23 Enrollment Status Code, 1.24 Grade Level Code, 1.25 Enrollment "
                 "Exit Date (SENR0586, SENR0269)",
                 {"1.01": "record_type", "1.04": "reporting_lea", "1.05": "school_of_attendance",
                  "1.07": "academic_year", "1.08": "ssid", "1.22": "enrollment_start", "1.23": "enrollment_status",
                  "1.24": "grade", "1.25": "enrollment_exit", "1.45": "provisional_ltel_start"}),),
    probes={"enrollment_start": r"\d{8}", "enrollment_status": r"\d{2}"},
    # the Cumulative Enrollment Extract appends "CENR-R" to SENR's record type code (its page, 11/2024);
    # how the two are joined is not shown there
    other_record_types=("CENR-R", "SENRCENR-R", "SENR-CENR-R", "SENR CENR-R"),
)

SPED = StateLayout(
    name="CALPADS SPED file",
    document="CALPADS File Specifications, Special Education (file 14) as CALPADS's SPED troubleshooting pages "
             "cite it (updated 4/2022): 14.08 SSID (CERT140), 14.21 Special Education Meeting Date, 14.24 "
             "Education Plan Type Code (SPED0521F1), 14.46 Special Education Program Exit Date (SPED0370F1); "
             "14.04, 14.05 and 14.07 by the CALPADS key order [unconfirmed]",
    fields={"14.01": "record_type", "14.04": "reporting_lea", "14.05": "school_of_attendance",
            "14.07": "academic_year", "14.08": "ssid", "14.21": "meeting_date", "14.24": "plan_type",
            "14.46": "program_exit"},
    record_type="SPED",
)
