"""Which file of the raw folder is which source: found whatever its extension and case, and every
file that matches no source listed, with a hint where one helps (issue #14)."""
from __future__ import annotations

import pytest

from pipeline.raw_files import Unrecognised, locate, unrecognised_files
from pipeline.readers import SourceFileError
from pipeline.sources import SOURCES

YEAR = "2023-24"


def touch(raw, *parts: str) -> None:
    path = raw.joinpath(*parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x\n")


def test_locate_finds_a_dashboard_file_by_name_whatever_its_extension_and_case(tmp_path):
    raw = tmp_path / "raw"
    touch(raw, YEAR, "dashboard", "ELPIDownload2024.TXT")
    assert locate(SOURCES["dashboard_elpi"], raw, YEAR) == raw / YEAR / "dashboard" / "ELPIDownload2024.TXT"
    assert locate(SOURCES["dashboard_chronic"], raw, YEAR) is None


def test_locate_finds_a_district_file_whatever_its_case_but_only_as_csv(tmp_path):
    raw = tmp_path / "raw"
    touch(raw, YEAR, "Enrollment.CSV")
    touch(raw, YEAR, "attendance.txt")
    assert locate(SOURCES["enrollment"], raw, YEAR) == raw / YEAR / "Enrollment.CSV"
    assert locate(SOURCES["attendance"], raw, YEAR) is None


def test_two_candidates_for_one_source_are_an_error_naming_both(tmp_path):
    raw = tmp_path / "raw"
    touch(raw, YEAR, "dashboard", "elpidownload2024.txt")
    touch(raw, YEAR, "dashboard", "elpidownload2024.csv")
    with pytest.raises(SourceFileError) as info:
        locate(SOURCES["dashboard_elpi"], raw, YEAR)
    assert str(info.value) == (
        "raw/2023-24/dashboard/elpidownload2024.csv: two files in one folder for the same source, "
        "elpidownload2024.csv and elpidownload2024.txt: keep one of them")


def test_every_file_that_matches_no_source_is_listed_with_a_hint(tmp_path):
    raw = tmp_path / "raw"
    for recognised in [("directory.csv",), (YEAR, "attendance.csv"), (YEAR, "dashboard", "elpidownload2024.csv"),
                       (YEAR, "dashboard", "ChronicDownload2024.TXT")]:
        touch(raw, *recognised)
    touch(raw, "notes.docx")                                               # nothing to say
    touch(raw, ".DS_Store")                                                # hidden: not listed
    touch(raw, "chronicdownload2024.txt")                                  # the right year, the wrong folder
    touch(raw, YEAR, "dashboard", "chronicdownload2023.txt")               # another year's Dashboard
    touch(raw, YEAR, "dashboard", "enrollment.csv")                        # a year file in dashboard/
    touch(raw, YEAR, "survey_codebook.csv")                                # a shared file in a year folder
    touch(raw, YEAR, "dashboard", "sciencedownload2024.txt")               # a Dashboard file not used
    touch(raw, YEAR, "dashboard", "graddownload2024.xlsx")                 # saved from a spreadsheet
    touch(raw, YEAR, "attendence.csv")                                     # a near miss
    touch(raw, YEAR, "dashboard", "suspdownload2024 (1).txt")              # a browser's second download
    touch(raw, "2022-23", "dashboard", "chronicdownload2023.txt")           # another year's folder: not this run's
    assert unrecognised_files(raw, YEAR) == [
        Unrecognised("raw/chronicdownload2024.txt", "belongs in raw/2023-24/dashboard/"),
        Unrecognised("raw/notes.docx", ""),
        Unrecognised("raw/2023-24/attendence.csv", "did you mean raw/2023-24/attendance.csv?"),
        Unrecognised("raw/2023-24/survey_codebook.csv", "belongs in raw/ (shared by every school year)"),
        Unrecognised("raw/2023-24/dashboard/chronicdownload2023.txt",
                     "a file of the 2023 Dashboard: belongs in raw/2022-23/dashboard/"),
        Unrecognised("raw/2023-24/dashboard/enrollment.csv", "belongs in raw/2023-24/"),
        Unrecognised("raw/2023-24/dashboard/graddownload2024.xlsx",
                     "save it as tab- or comma-delimited text: graddownload2024.txt (or .csv)"),
        Unrecognised("raw/2023-24/dashboard/sciencedownload2024.txt",
                     "a Dashboard file of an indicator the scorecards do not use"),
        Unrecognised("raw/2023-24/dashboard/suspdownload2024 (1).txt",
                     "did you mean raw/2023-24/dashboard/suspdownload2024.txt?"),
    ]


def test_two_candidates_are_not_unrecognised(tmp_path):
    raw = tmp_path / "raw"
    touch(raw, YEAR, "dashboard", "elpidownload2024.txt")
    touch(raw, YEAR, "dashboard", "elpidownload2024.csv")
    assert unrecognised_files(raw, YEAR) == []


def test_no_year_folder_lists_the_shared_folder_only(tmp_path):
    raw = tmp_path / "raw"
    touch(raw, "directory.csv")
    touch(raw, "readme.txt")
    assert unrecognised_files(raw, YEAR) == [Unrecognised("raw/readme.txt", "")]
    assert unrecognised_files(tmp_path / "absent", YEAR) == []
