"""CDE's public files read as published: the directory from pubschls.txt (with the district's overrides)
and enrollment from cdenroll<yy><yy>.txt. The fixtures are written here in the published layouts
(tab-delimited, Windows-1252, CR LF, "No Data", "*"), never copied from real files."""
from __future__ import annotations

import pandas as pd
import pytest

from pipeline.config import load_settings
from pipeline.ingest import ingest
from pipeline.mapping import load_public_files
from pipeline.mapping.choice import PublicFiles
from pipeline.mapping.public_directory import grade_span
from pipeline.raw_files import unrecognised_files
from pipeline.readers import SourceFileError
from pipeline.sources import SOURCES

YEAR = "2023-24"
DISTRICT = "1975416"
ND = "No Data"
# CDE's column order since the July 2020 change (AdmFName/AdmLName/AdmEmail; FaxNumber and Email after Ext)
HEADER = ["CDSCode", "NCESDist", "NCESSchool", "StatusType", "County", "District", "School", "Street", "StreetAbr",
          "City", "Zip", "State", "MailStreet", "MailStrAbr", "MailCity", "MailZip", "MailState", "Phone", "Ext",
          "FaxNumber", "Email", "WebSite", "OpenDate", "ClosedDate", "Charter", "CharterNum", "FundingType", "DOC",
          "DOCType", "SOC", "SOCType", "EdOpsCode", "EdOpsName", "EILCode", "EILName", "GSoffered", "GSserved",
          "Virtual", "Magnet", "YearRoundYN", "FederalDFCDistrictID", "Latitude", "Longitude", "AdmFName",
          "AdmLName", "AdmEmail", "LastUpDate", "Multilingual"]


def school(cds, status, name, eil, offered, served, first, last, email, charter="N", district="Sample Unified"):
    row = dict.fromkeys(HEADER, ND)
    row.update(CDSCode=cds, StatusType=status, County="Los Angeles", District=district, School=name,
               Street="1 Main St", City="Maywood", Zip="90270", State="CA", Charter=charter, EILCode=eil,
               GSoffered=offered, GSserved=served, AdmFName=first, AdmLName=last, AdmEmail=email)
    return row


ROWS = [
    school(f"19{'75416'}0000000", "Active", ND, ND, ND, ND, "Pat", "Super", "pat@sample.example.org"),  # district
    school("19754160000001", "Active", "Escuela Niños", "ELEM", "TK-5", "K-5", "Ramón", "Park", "rpark@s.example.org"),
    school("19754160000002", "Active", "Wells Middle", "INTMIDJR", "6-8", "06-08", "Ida", "Wells", ND),
    school("19754160000003", "Active", "Vista K-8", "ELEMHIGH", "K-8", "K-8", "Ana", "Ruiz", "aruiz@s.example.org"),
    school("19754160000004", "Active", "New High", "HS", "9-12", ND, "Li", "Chen", "lchen@s.example.org", "Y"),
    school("19754160000005", "Closed", "Old Mill", "ELEM", "K-5", "K-5", ND, ND, ND),
    school("19754160000006", "Merged", "Merged Elementary", "ELEM", "K-5", "K-5", ND, ND, ND),
    school("19754160000007", "Active", "Adult School", "A", "Adult", "Adult", "Al", "Old", ND),
    school("01611190000001", "Active", "Neighbor Elementary", "ELEM", "K-5", "K-5", "Bo", "Lee", "bo@n.example.org",
           district="Alameda Unified"),
]


def write_pubschls(path, rows=ROWS, header=HEADER):
    lines = ["\t".join(header)] + ["\t".join(r.get(c, ND) for c in header) for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))


@pytest.fixture
def raw(tmp_path):
    raw = tmp_path / "raw"
    (raw / YEAR).mkdir(parents=True)
    write_pubschls(raw / "pubschls.txt")
    return raw


def directory(raw):
    return ingest(SOURCES["directory"], raw, YEAR, load_settings())


def test_the_directory_comes_from_the_public_file_as_published(raw):
    result = directory(raw)
    kept = result.validated.kept.set_index("cds")
    assert result.validated.rows_read == result.validated.rows_kept + result.validated.rows_quarantined
    assert result.raw.encoding == "windows-1252"
    # the district's active schools only: not its own record, the closed and merged ones, nor the neighbour
    assert set(kept.index) == {"19754160000001", "19754160000002", "19754160000003", "19754160000004"}
    assert kept.loc["19754160000001", "school_name"] == "Escuela Niños"
    assert kept.loc["19754160000001", "principal_name"] == "Ramón Park"
    assert kept.loc["19754160000001", "principal_email"] == "rpark@s.example.org"
    assert pd.isna(kept.loc["19754160000002", "principal_email"])  # "No Data" is a blank, not an address
    types = kept["school_type"].to_dict()
    assert types == {"19754160000001": "ES", "19754160000002": "MS", "19754160000003": "K8",
                     "19754160000004": "HS"}
    spans = {cds: (r.low_grade, r.high_grade) for cds, r in kept.iterrows()}
    assert spans["19754160000001"] == ("K", "5")  # GSserved, not GSoffered (TK-5)
    assert spans["19754160000002"] == ("6", "8")  # leading zeros dropped
    assert spans["19754160000004"] == ("9", "12")  # GSserved "No Data": GSoffered
    assert kept.loc["19754160000004", "charter"] == "Y"
    assert set(kept["languages"]) == {"en;es"}  # no overrides: the settings' languages


def test_a_school_whose_type_the_table_does_not_know_is_quarantined_not_dropped(raw):
    result = directory(raw)
    q = result.validated.quarantine
    adult = q[q["line"] == 9]  # Adult School, EILCode A, line 9 of the file
    assert set(adult["column_name"]) >= {"school_type"} and "A" in set(adult["value"])


def test_the_report_says_where_each_school_came_from_and_what_was_left_out(raw):
    notes = directory(raw).note_rows
    summary = notes[0]["note"]
    assert notes[0]["kind"] == "origin" and "1 Closed" in summary and "1 Merged" in summary
    assert "3 rows of other districts, district records or schools not chosen" not in summary  # 2: district + neighbour
    assert "2 rows of other districts" in summary
    assert any(n["note"].startswith("19754160000001 Escuela Niños: raw/pubschls.txt line 3") for n in notes)


def test_the_local_file_overrides_contacts_and_sets_languages(raw):
    (raw / "directory_overrides.csv").write_text(
        "cds,principal_name,principal_email,languages\n"
        "19754160000002,Grace Hopper,ghopper@s.example.org,en;es;vi\n"
        "19754160000001,,,en;es;ko\n"
        "19754169999999,Nobody,nobody@s.example.org,en\n", encoding="utf-8")
    result = directory(raw)
    kept = result.validated.kept.set_index("cds")
    assert kept.loc["19754160000002", "principal_name"] == "Grace Hopper"
    assert kept.loc["19754160000002", "principal_email"] == "ghopper@s.example.org"
    assert kept.loc["19754160000002", "languages"] == "en;es;vi"
    assert kept.loc["19754160000001", "principal_name"] == "Ramón Park"  # blank in the overrides: kept
    assert kept.loc["19754160000001", "languages"] == "en;es;ko"
    notes = [n["note"] for n in result.note_rows]
    assert any("19754160000002 Wells Middle" in n and "principal name, principal email, languages from "
               "raw/directory_overrides.csv line 2" in n for n in notes)
    assert any("line 4: cds 19754169999999 is not one of the district's schools" in n for n in notes)
    assert unrecognised_files(raw, YEAR) == []  # pubschls.txt and the overrides are sources' files


def test_older_copies_with_admfname1_and_schools_chosen_by_cds_list(raw, monkeypatch):
    header = [{"AdmFName": "AdmFName1", "AdmLName": "AdmLName1", "AdmEmail": "AdmEmail1"}.get(c, c) for c in HEADER]
    rows = [{{"AdmFName": "AdmFName1", "AdmLName": "AdmLName1", "AdmEmail": "AdmEmail1"}.get(k, k): v
             for k, v in r.items()} for r in ROWS]
    write_pubschls(raw / "pubschls.txt", rows, header)
    base = load_public_files()
    choice = PublicFiles(None, ("19754160000003",), base.statuses, base.school_types, base.elemhigh_through_8,
                         base.census_groups)
    monkeypatch.setattr("pipeline.mapping.load_public_files", lambda: choice)
    kept = directory(raw).validated.kept
    assert kept["cds"].tolist() == ["19754160000003"]
    assert kept["principal_name"].tolist() == ["Ana Ruiz"]


def test_without_a_district_chosen_the_file_is_refused_saying_which_key_to_set(raw, monkeypatch):
    base = load_public_files()
    monkeypatch.setattr("pipeline.mapping.load_public_files", lambda: PublicFiles(
        None, (), base.statuses, base.school_types, base.elemhigh_through_8, base.census_groups))
    with pytest.raises(SourceFileError, match="raw/pubschls.txt: settings.yaml names none of the district's schools"):
        directory(raw)


def test_the_own_directory_and_the_public_file_together_are_an_error_naming_both(raw):
    (raw / "directory.csv").write_text("cds\n", encoding="utf-8")
    with pytest.raises(SourceFileError, match="two files for directory, raw/directory.csv and raw/pubschls.txt"):
        directory(raw)


@pytest.mark.parametrize("span, expected", [("K-5", ("K", "5")), ("TK-8", ("TK", "8")), ("09-12", ("9", "12")),
                                            ("7", ("7", "7")), ("Ungraded", ("Ungraded", "Ungraded"))])
def test_grade_spans(span, expected):
    assert grade_span(span) == expected


# --- enrollment -------------------------------------------------------------------------------------

CENSUS_HEADER = ["AcademicYear", "AggregateLevel", "CountyCode", "DistrictCode", "SchoolCode", "CountyName",
                 "DistrictName", "SchoolName", "Charter", "ReportingCategory", "TOTAL_ENR", "GR_TK", "GR_KN",
                 *[f"GR_{g:02d}" for g in range(1, 13)]]


def census_row(level, school_code, category, total, charter="N", year=YEAR, county="19", district="75416"):
    grades = ["*" if total == "*" else "0"] * 14
    return [year, level, county, district, school_code, "Los Angeles", "Sample Unified", "School", charter,
            category, str(total), *grades]


CENSUS = [
    census_row("T", "0000000", "TA", 5837690, "All", county="00", district="00000"),
    census_row("D", "0000000", "TA", 1200, "All"),
    census_row("D", "0000000", "TA", 1100, "N"),
    census_row("S", "0000001", "TA", 400),
    census_row("S", "0000001", "RE_H", 300),
    census_row("S", "0000001", "RE_D", 3),
    census_row("S", "0000001", "GN_F", 190),
    census_row("S", "0000001", "SG_EL", 120),
    census_row("S", "0000001", "SG_FS", "*"),      # CDE suppressed: no figure
    census_row("S", "0000001", "ELAS_RFEP", 45),
    census_row("S", "0000002", "TA", 800, "All"),   # a school with an All row and its charter parts
    census_row("S", "0000002", "TA", 500, "Y"),
    census_row("S", "0000002", "TA", 300, "N"),
    census_row("S", "0000003", "SG_HM", "x"),       # not a count: quarantined
    census_row("S", "0000001", "TA", 50, county="01", district="61119"),  # another district's school
]


def write_census(path, rows=CENSUS):
    lines = ["\t".join(CENSUS_HEADER)] + ["\t".join(r) for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))


def enrollment(raw):
    return ingest(SOURCES["enrollment"], raw, YEAR, load_settings())


def test_enrollment_comes_from_the_census_file_with_its_categories_mapped_and_its_marks_honoured(raw):
    write_census(raw / YEAR / "cdenroll2324.txt")
    result = enrollment(raw)
    v = result.validated
    got = {(r.cds, r.student_group): r.enrollment for r in v.kept.itertuples()}
    assert got == {("19754160000001", "ALL"): 400, ("19754160000001", "HI"): 300, ("19754160000001", "EL"): 120,
                   ("19754160000001", "RFP"): 45, ("19754160000002", "ALL"): 800}
    assert ("19754160000001", "FOS") not in got  # suppressed by CDE: no row, not zero
    assert v.rows_read == v.rows_kept + v.rows_quarantined
    assert v.quarantine["value"].tolist() == ["x"] and v.quarantine["column_name"].tolist() == ["total_enr"]
    note = result.note_rows[0]["note"]
    assert "1 counts CDE suppressed (*)" in note
    assert "2 charter/non-charter part rows" in note
    assert "GN_F 1" in note and "RE_D 1" in note
    assert "4 rows of the state, counties, districts and other schools" in note


def test_the_census_file_of_another_year_is_refused(raw):
    write_census(raw / YEAR / "cdenroll2324-v2.txt", [census_row("S", "0000001", "TA", 400, year="2022-23")])
    with pytest.raises(SourceFileError, match="wrong year"):
        enrollment(raw)


def test_a_category_table_giving_one_group_twice_is_a_configuration_error(tmp_path):
    from pipeline.config import ConfigError

    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.yaml").write_text("public_files:\n  district_code: '1975416'\n")
    (config / "public_files.yaml").write_text("school_types: {ELEM: ES}\ncensus_groups: {SG_EL: EL, ELAS_EL: EL}\n")
    with pytest.raises(ConfigError, match="census_groups.ELAS_EL: EL is already the group of SG_EL"):
        load_public_files(config)
