"""The state's student-level files (CAASPP, ELPAC, CALPADS STAS/SELA/SPRG/SINF/SENR/SPED) read in their
published layouts, keeping only the fields the pipeline needs: no name, birth date or address survives reading."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.config import load_settings
from pipeline.ingest import ingest
from pipeline.quarantine import HIDDEN
from pipeline.readers import SourceFileError
from pipeline.sample.state_files import (
    STATE_FILES, people, write_caaspp, write_sela, write_stas,
)
from pipeline.sources import SOURCES
from tests.conftest import codes_with

REPO = Path(__file__).resolve().parent.parent
ELPAC_EXAMPLE = Path(os.environ.get("SCORECARDS_REALDATA", REPO.parent / "shared" / "realdata")) / "elpac"
YEAR = "2023-24"
STATE_SOURCES = ["caaspp", "elpac", "calpads_stas", "calpads_sela", "calpads_sprg", "calpads_sinf", "calpads_senr",
                 "calpads_sped"]


def _everything(result, leave_out: tuple[str, ...] = ()) -> str:
    """Every value the pipeline keeps from a file: kept rows (but the columns ``leave_out``), quarantine
    rows, bad records, column lists."""
    parts = [result.validated.kept.drop(columns=list(leave_out)).astype(str).to_csv(), result.validated.quarantine.astype(str).to_csv(),
             repr([vars(b) for b in result.raw.bad_records]), repr(result.raw.notes)]
    return "\n".join(parts)


def _personal(raw: Path, year: str) -> set[str]:
    """The names, birth dates and addresses written into the year's state files."""
    attendance = pd.read_csv(raw / year / "attendance.csv", dtype=str)
    who = people(attendance["ssid"], int(year[:4]) + 1, attendance["grade"])
    return set(who["first"]) | set(who["last"]) | set(who["birth"]) | set(who["birth"].str.replace("-", "")) \
        | set(who["address"])


@pytest.mark.parametrize("name", STATE_SOURCES)
def test_each_family_reads_every_record_of_its_published_layout(state_raw, name):
    result = ingest(SOURCES[name], state_raw, YEAR, load_settings())
    assert result.provided and result.raw.reader == "pyarrow"
    written = (state_raw / YEAR / SOURCES[name].filename).read_bytes().count(b"\r\n") - (name in ("caaspp", "elpac"))
    assert result.validated.rows_read == written > 100
    assert result.validated.rows_kept == written, result.validated.quarantine.head().to_string()
    assert set(result.validated.kept.columns) - {"_line"} <= set(SOURCES[name].schema.columns)


@pytest.mark.parametrize("name", STATE_SOURCES)
def test_no_name_birth_date_or_address_survives_reading(state_raw, name):
    result = ingest(SOURCES[name], state_raw, YEAR, load_settings())
    dated = [c for c in ("provisional_ltel_start",) if c in result.validated.kept]
    if dated:
        # a date of the file, not a birth date, that may fall on some other student's birthday: it is
        # scanned against the student's own birth date, the rest of what is kept against everyone's
        rows = result.validated.kept.dropna(subset=dated)
        own = people(rows["ssid"], int(YEAR[:4]) + 1, rows["grade"].astype(str))["birth"].str.replace("-", "")
        assert len(rows) > 100 and not (rows[dated[0]] == own).any()
    kept = _everything(result, tuple(dated))
    personal = _personal(state_raw, YEAR)
    leaked = sorted(v for v in personal if len(v) > 3 and v in kept)
    assert not leaked, leaked[:5]


def test_elpac_example_of_the_district_ingests(tmp_path):
    """The district's real-layout ELPAC file (370 fields, dummy students): every record read; the 37
    with a grade the layout does not have (-1, -2) quarantined, naming GradeAssessed, their values
    hidden like every value of a state file; no name, birth date or address kept."""
    example = ELPAC_EXAMPLE / "brown_bear_elem_ELPAC_2022-23.csv"
    if not example.is_file():
        pytest.skip(f"the ELPAC example is not present at {ELPAC_EXAMPLE} (it is never copied into the repository)")
    folder = tmp_path / "raw" / YEAR
    folder.mkdir(parents=True)
    (folder / "elpac_student_score_data.csv").write_bytes(example.read_bytes())
    result = ingest(SOURCES["elpac"], tmp_path / "raw", YEAR, load_settings())
    v = result.validated
    assert (v.rows_read, v.rows_kept, v.rows_quarantined) == (776, 739, 37)
    assert set(v.quarantine["column_name"]) == {"gradeassessed"}
    assert set(v.quarantine["value"]) == {HIDDEN}
    assert {"StudentLastName", "DateofBirth", "StudentAddressLine1"} <= set(result.raw.ignored_columns)
    assert v.kept["gradeassessed"].isin(["KN", "01", "02", "03", "04", "05", "06"]).all()
    header = example.read_text().split("\n", 1)[0].split("^")
    records = [line.split("^") for line in example.read_text().splitlines()[1:] if line]
    personal = {r[header.index(c)] for r in records for c in
                ("StudentLastName", "StudentFirstName", "DateofBirth", "StudentAddressLine1") if r[header.index(c)]}
    kept = _everything(result)
    assert not sorted(p for p in personal if p in kept)[:5]


def test_caaspp_read_by_name_across_the_years_renames(tiny_raw, tmp_path):
    """The 2021-22 header and the renamed 2024-25 one (CALPADSSpecialEducation, EthnicityforTesting,
    CALPADSFosterStatus ...) give the same rows."""
    assessment = pd.read_csv(tiny_raw / YEAR / "assessment.csv", dtype={"ssid": str, "cds": str},
                             nrows=300)
    frames = []
    for spring in (2022, 2025):
        folder = tmp_path / str(spring) / "raw" / YEAR
        folder.mkdir(parents=True)
        write_caaspp(assessment, spring, folder / "caaspp_student_score_data.txt")
        result = ingest(SOURCES["caaspp"], folder.parent, YEAR, load_settings())
        assert result.validated.rows_kept == len(assessment)
        frames.append(result.validated.kept.drop(columns=["_line"]))
    pd.testing.assert_frame_equal(frames[0], frames[1])
    assert frames[0]["reportingethnicity"].notna().all() and frames[0]["calpadsideaindicator"].notna().all()


@pytest.mark.parametrize("spring, fields", [(2021, 21), (2024, 23), (2026, 24)])
def test_stas_read_by_field_number_whatever_the_years_width(tiny_raw, tmp_path, spring, fields):
    attendance = pd.read_csv(tiny_raw / YEAR / "attendance.csv", dtype={"ssid": str, "cds": str},
                             nrows=200)
    folder = tmp_path / "raw" / YEAR
    folder.mkdir(parents=True)
    write_stas(attendance, spring, folder / "calpads_stas.txt")
    assert (folder / "calpads_stas.txt").read_text().split("\n")[0].count("^") == fields - 1
    result = ingest(SOURCES["calpads_stas"], tmp_path / "raw", YEAR, load_settings())
    kept = result.validated.kept
    assert result.validated.rows_kept == 200
    assert (kept["days_expected"].to_numpy() == attendance["days_enrolled"].to_numpy()).all()
    absent = kept[["days_oss", "days_excused", "days_unexcused", "days_is_non_ada"]].sum(axis=1)
    assert (absent.to_numpy() == attendance["days_absent"].to_numpy()).all()
    assert ("days_is_ada" in kept.columns) == (spring >= 2022)
    assert list(kept["_line"][:3]) == [1, 2, 3]  # the file's own line numbers: it has no header


def test_a_calpads_file_of_another_kind_is_refused_by_name(tiny_raw, tmp_path):
    attendance = pd.read_csv(tiny_raw / YEAR / "attendance.csv", dtype={"ssid": str, "cds": str},
                             nrows=20)
    folder = tmp_path / "raw" / YEAR
    folder.mkdir(parents=True)
    write_sela(attendance, 2024, folder / "calpads_stas.txt")
    with pytest.raises(SourceFileError, match="is not a CALPADS STAS extract: its first record is of type 'SELA'"):
        ingest(SOURCES["calpads_stas"], tmp_path / "raw", YEAR, load_settings())
    (folder / "calpads_stas.txt").write_bytes(b"STAS^^^1975416^0374847^2023-2024^1234567890\r\n")
    with pytest.raises(SourceFileError, match="has 7 fields in its first record; the CALPADS STAS extract needs at"):
        ingest(SOURCES["calpads_stas"], tmp_path / "raw", YEAR, load_settings())


def test_a_record_whose_fields_slipped_is_quarantined_without_its_values(tiny_raw, tmp_path):
    attendance = pd.read_csv(tiny_raw / YEAR / "attendance.csv", dtype={"ssid": str, "cds": str},
                             nrows=5)
    folder = tmp_path / "raw" / YEAR
    folder.mkdir(parents=True)
    write_stas(attendance, 2024, folder / "calpads_stas.txt")
    lines = (folder / "calpads_stas.txt").read_bytes().split(b"\r\n")
    lines[2] = lines[2].replace(b"^N^N^", b"^Zelda^N^N^", 1)  # a stray field after the gender
    (folder / "calpads_stas.txt").write_bytes(b"\r\n".join(lines))
    result = ingest(SOURCES["calpads_stas"], tmp_path / "raw", YEAR, load_settings())
    q = result.validated.quarantine
    assert set(q["line"]) == {3} and set(q["value"]) == {HIDDEN}  # the name slipped under 13.13 and on
    assert result.validated.rows_kept == 4
    assert "Zelda" not in _everything(result)


def test_the_sample_writes_every_state_file(state_raw):
    for name in STATE_FILES:
        data = (state_raw / YEAR / name).read_bytes()
        if name.endswith(".csv"):  # the CALPADS ODS report exports (tests/test_foster_reports.py)
            assert data.startswith(b"\xef\xbb\xbf") and data.endswith(b"\r\n") and data.count(b"\r\n") > 5
            continue
        assert data.isascii() and data.endswith(b"\r\n") and b"^" in data


def test_a_record_that_does_not_line_up_is_kept_by_its_line_only(tiny_raw, tmp_path):
    attendance = pd.read_csv(tiny_raw / YEAR / "attendance.csv", dtype={"ssid": str, "cds": str},
                             nrows=5)
    folder = tmp_path / "raw" / YEAR
    folder.mkdir(parents=True)
    write_stas(attendance, 2024, folder / "calpads_stas.txt")
    lines = (folder / "calpads_stas.txt").read_bytes().split(b"\r\n")
    lines[1] = lines[1].replace(b"^N^N^", b"^Zelda^N^N^", 1) + b"^7"  # a stray field, and one more at the end
    (folder / "calpads_stas.txt").write_bytes(b"\r\n".join(lines))
    result = ingest(SOURCES["calpads_stas"], tmp_path / "raw", YEAR, load_settings())
    q = result.validated.quarantine
    assert list(q["line"]) == [2] and list(q["check_name"]) == ["field_count"] and list(q["value"]) == [HIDDEN]
    assert [b.text for b in result.raw.bad_records] == [""]
    assert "Zelda" not in _everything(result)


# --- the state's files in the tables the scoring reads ------------------------------------------------

def _store_year(raw: Path, warehouse_path: Path, names: list[str]) -> None:
    from pipeline.ingest_store import store

    for name in names:
        result = ingest(SOURCES[name], raw, YEAR, load_settings())
        store(warehouse_path, SOURCES[name], result, YEAR, None)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, state_raw):
    """The state files of the sample ingested into a warehouse without the district's assessment.csv and
    attendance.csv, then loaded into validated_assessment and validated_attendance."""
    import shutil

    from pipeline import warehouse
    from pipeline.state_tables import load_state_tables

    raw = tmp_path_factory.mktemp("loaded") / "raw"
    shutil.copytree(state_raw, raw)
    district = {n: pd.read_csv(raw / YEAR / f"{n}.csv", dtype=str) for n in ("assessment", "attendance")}
    for n in district:
        (raw / YEAR / f"{n}.csv").unlink()
    path = raw.parent / "scorecards.duckdb"
    _store_year(raw, path, ["directory", "assessment", "attendance", *STATE_SOURCES])
    done = load_state_tables(path, YEAR)
    with warehouse.connect(path, read_only=True) as con:
        tables = {n: warehouse.read_table(con, f"validated_{n}", {"school_year": YEAR}) for n in district}
    return district, tables, done, path


def test_caaspp_records_become_the_assessment_rows_they_were_written_from(loaded):
    district, tables, done, _ = loaded
    assert done["validated_assessment"].endswith("rows from the CAASPP Student Score Data File")
    ours = tables["assessment"].astype({"grade": str, "scale_score": "Int64"})
    theirs = district["assessment"].astype({"scale_score": "Int64"})
    key = ["ssid", "subject"]
    merged = theirs.merge(ours, on=key, suffixes=("", "_state"), validate="one_to_one")
    assert len(merged) == len(theirs) == len(ours)
    for column in ["cds", "grade", "test_type", "ethnicity", "el", "sed", "swd", "foster", "homeless"]:
        assert (merged[column].astype(str) == merged[f"{column}_state"].astype(str)).all(), column
    sba, caa = merged[merged["test_type"].eq("SBA")], merged[merged["test_type"].eq("CAA")]
    assert (sba["scale_score"].astype(str) == sba["scale_score_state"].astype(str)).all()
    # a CAA taker has a CAA score (the grade's 100-point band; grade 11: 900-999) and was tested
    band = caa["grade"].astype(int).clip(upper=9) * 100
    assert len(caa) and caa["scale_score_state"].between(band, band + 99).all()
    # LTEL: a current English learner dated on or before 30 June by the Cumulative Enrollment Extract
    assert (merged["ltel"] == merged["ltel_state"]).all() and merged["ltel_state"].eq("Y").sum() > 5
    # tested = a score; the sample's students not tested count as enrolled, not tested (N)
    assert (merged["participated"].eq("Y") == merged["scale_score_state"].notna()).all()
    # ELO = English learners, EO from the CAASPP ELAS (written here from the el flag alone: EL or EO)
    assert (merged["language_group"].eq("ELO") == merged["el"].eq("Y")).all()
    assert set(merged["language_group"]) == {"ELO", "EO"}


def test_the_language_groups_follow_elas_and_the_reclassification_date():
    """ELO for an English learner; RFP for RFEP reclassified on or after 1 July of the school year
    ``reclassified_years`` (4) before the tested spring's; EO; no group for IFEP, an earlier or undated
    RFEP; first-year English learners on ELA (E) are outside the participation base."""
    from pipeline.state_tables import assessment_rows, load_codes

    cases = [("EL", None, "Y", "ELO", "Y"), ("RFEP", "2020-07-01", "Y", "RFP", "Y"),
             ("RFEP", "2020-06-30", "N", None, "N"), ("RFEP", None, "Y", None, "Y"), ("EO", None, "T", "EO", "N"),
             ("IFEP", None, "E", None, None)]
    caaspp = pd.DataFrame({
        "recordtype": "01", "ssid": [f"{i:010d}" for i in range(len(cases))], "gradeassessed": "05",
        "calpadsschoolcode": "19754160000001", "includeindicator": [c[2] for c in cases],
        "scalescore": pd.array([2500] * len(cases), "Int64"), "elas": [c[0] for c in cases],
        "rfepdate": [c[1] for c in cases], "reportingethnicity": "500", "economicdisadvantagestatus": "No",
        "calpadsideaindicator": "No", "fosterstatus": "No", "homelessstatus": "No",
        "source_line": range(2, len(cases) + 2)})
    rows = assessment_rows(caaspp, load_codes(), "2023-24")
    assert [None if pd.isna(v) else v for v in rows["language_group"]] == [c[3] for c in cases]
    assert [None if pd.isna(v) else v for v in rows["participated"]] == [c[4] for c in cases]
    assert rows["el"].tolist() == ["Y", "N", "N", "N", "N", "N"]


def test_stas_records_become_the_attendance_rows_they_were_written_from(loaded):
    """With SENR and SPED: every record, with its grade by SENR (high schools' too: attendance rates
    count every grade, the Dashboard's chronic absenteeism only K-8), and disability from SPED;
    foster and LTEL in no file read."""
    district, tables, done, _ = loaded
    assert "rows from the CALPADS STAS extract, with SENR's grade (the Dashboard's chronic absenteeism " \
           "counts grades TK, KN, 01" in done["validated_attendance"]
    assert done["validated_attendance"].endswith(", 0 without a SENR enrollment at their school in the year "
                                                 "(grade unknown, counted)")
    ours, theirs = tables["attendance"], district["attendance"]
    k8 = theirs[theirs["grade"].isin(["TK", "K", "1", "2", "3", "4", "5", "6", "7", "8"])]
    assert 0 < len(k8) < len(theirs)  # the sample has high schools
    merged = theirs.merge(ours, on=["ssid", "cds"], suffixes=("", "_state"), validate="one_to_one")
    assert len(merged) == len(theirs) == len(ours)
    for column in ["days_enrolled", "days_absent"]:
        assert (merged[column].astype(int) == merged[f"{column}_state"].astype(int)).all(), column
    last = theirs.drop_duplicates("ssid", keep="last").set_index("ssid")
    # homeless (program 191) is socioeconomically disadvantaged by the Dashboard's rule, whatever else
    last["sed"] = np.where(last["sed"].eq("Y") | last["homeless"].eq("Y"), "Y", "N")
    for column in ["el", "sed", "homeless", "ethnicity"]:  # SELA, SPRG and SINF carry these, for the latest record
        assert (merged["ssid"].map(last[column]) == merged[f"{column}_state"]).all(), column
    # SENR's grade at that school; SPED's plan in the year; LTEL from the CENR's field 45 and SELA's EL
    for column in ["grade", "swd", "ltel"]:
        assert (merged[column] == merged[f"{column}_state"]).all(), column
    assert merged["swd"].eq("Y").sum() > 20 and merged["ltel"].eq("Y").sum() > 5
    assert merged["foster_state"].isna().all()  # in no file read


def test_without_senr_and_sped_every_grade_is_kept_and_grade_and_disability_are_unknown(loaded):
    from pipeline import warehouse
    from pipeline.state_tables import attendance_rows, load_codes

    district, tables, _, path = loaded
    with warehouse.connect(path, read_only=True) as con:
        read = {n: warehouse.read_table(con, f"validated_calpads_{n}", {"school_year": YEAR})
                for n in ("stas", "sela", "sprg", "sinf")}
        directory = warehouse.read_table(con, "validated_directory", {"school_year": YEAR})["cds"].tolist()
    rows = attendance_rows(read["stas"], read["sela"], read["sprg"], directory, YEAR, load_codes(), read["sinf"])
    assert len(rows) == len(district["attendance"])
    assert rows["grade"].isna().all() and rows["swd"].isna().all() and rows["ltel"].isna().all()


def test_senr_is_read_in_either_numbering_of_calpads_documents(state_raw, tmp_path):
    """CALPADS's own pages number SENR's enrollment fields 1.23-1.26 (Report 5.9, SENR0742) or one
    place earlier (SENR0586, SENR0269): the first record tells which, and both read the same."""
    import shutil

    raw = tmp_path / "raw"
    shutil.copytree(state_raw, raw)
    first = ingest(SOURCES["calpads_senr"], raw, YEAR, load_settings()).validated.kept
    lines = (raw / YEAR / "calpads_senr.txt").read_text().splitlines()
    earlier = ["^".join(f[:21] + f[22:]) for f in (line.split("^") for line in lines)]
    assert len(earlier[0].split("^")[21]) == 8  # field 22 is now the start date
    (raw / YEAR / "calpads_senr.txt").write_bytes(("\r\n".join(earlier) + "\r\n").encode())
    second = ingest(SOURCES["calpads_senr"], raw, YEAR, load_settings()).validated.kept
    columns = ["ssid", "school_of_attendance", "enrollment_start", "enrollment_status", "grade", "enrollment_exit"]
    assert len(first) > 100 and first["enrollment_exit"].notna().sum() > 5
    pd.testing.assert_frame_equal(first[columns].reset_index(drop=True), second[columns].reset_index(drop=True))


def test_the_grade_is_that_of_the_latest_enrollment_at_the_school_overlapping_the_year():
    from pipeline.state_tables import attendance_rows, load_codes

    def calpads(**columns):
        n = len(next(iter(columns.values())))
        return pd.DataFrame({"reporting_lea": ["1975416"] * n, "school_of_attendance": ["0526764"] * n,
                             "ssid": ["1000000001"] * n, **columns})

    stas = calpads(exemption=["N"], days_expected=[150.0], days_oss=[0.0], days_excused=[20.0],
                   days_unexcused=[0.0], days_is_non_ada=[0.0], source_line=[1])
    senr = calpads(enrollment_start=["20220816", "20230816", "20240210", "20230816"],
                   enrollment_exit=["20230609", "20240209", None, "20230901"],
                   enrollment_status=["10", "10", "10", "20"], grade=["08", "08", "09", "08"])
    codes = load_codes()
    # 2023-24: the open enrollment of 10 February (grade 9) is the latest: the row has grade 9 (kept:
    # attendance rates count every grade; the Dashboard's chronic absenteeism leaves it out in the SQL)
    assert attendance_rows(stas, None, None, [], YEAR, codes, senr=senr)["grade"].tolist() == ["9"]
    # 2022-23: the enrollment of that year only (grade 8): one row, grade 8
    rows = attendance_rows(stas, None, None, [], "2022-23", codes, senr=senr)
    assert rows["grade"].tolist() == ["8"]
    # no SENR record at the school in the year: the row is kept with its grade unknown
    rows = attendance_rows(stas, None, None, [], "2021-22", codes, senr=senr)
    assert len(rows) == 1 and rows["grade"].isna().all()


def test_disability_is_a_served_plan_in_effect_in_the_year():
    from pipeline.state_tables import _special_education

    sped = pd.DataFrame({"ssid": ["1", "2", "3", "4", "5"],
                         "meeting_date": ["20221005", "20231005", "20240801", "20220110", "20230301"],
                         "plan_type": ["100", "200", "100", "100", "700"],
                         "program_exit": [None, None, None, "20230620", None]})
    found = _special_education(sped, ("100", "150", "200"), YEAR, pd.Series(["1", "2", "3", "4", "5", "6"]))
    # 1: IEP from last year, still open; 2: ISP this year; 3: meeting after the year; 4: exited before
    # the year; 5: a plan type of students not served; 6: no record
    assert found.tolist() == ["Y", "Y", "N", "N", "N", "N"]
    assert _special_education(None, ("100",), YEAR, pd.Series(["1"])).isna().all()


def test_the_districts_own_file_wins(tmp_path, state_raw):
    from pipeline.state_tables import load_state_tables

    path = tmp_path / "scorecards.duckdb"
    _store_year(state_raw, path, ["directory", "assessment", "attendance", "caaspp", "calpads_stas"])
    done = load_state_tables(path, YEAR)
    assert done == {"validated_assessment": "the district's assessment.csv is used; the CAASPP file is not loaded",
                    "validated_attendance": "the district's attendance.csv is used; the STAS extract is not loaded"}


def test_state_codes_configuration_is_checked(tmp_path):
    from pipeline.config import ConfigError
    from pipeline.state_tables import load_codes

    with pytest.raises(ConfigError, match="state_codes.yaml: 'reporting_ethnicity' must map codes to"):
        load_codes(codes_with(tmp_path, '"500": HI', '"500": XX'))
    assert load_codes().reporting_ethnicity["500"] == "HI"
    with pytest.raises(ConfigError, match="state_codes.yaml: 'reclassified_years' must be a whole number"):
        load_codes(codes_with(tmp_path, "reclassified_years: 4", "reclassified_years: four"))
    with pytest.raises(ConfigError, match="state_codes.yaml: missing key 'participation_tested'"):
        load_codes(codes_with(tmp_path, 'participation_tested: ["Y"]\n', ""))


def test_only_the_kept_columns_are_parsed_and_nothing_is_lost(tiny_raw, tmp_path):
    """A record with a name but none of the kept fields is a record (quarantined), not a blank line;
    a line of nothing but carets is blank."""
    assessment = pd.read_csv(tiny_raw / YEAR / "assessment.csv", dtype={"ssid": str, "cds": str},
                             nrows=4)
    folder = tmp_path / "raw" / YEAR
    folder.mkdir(parents=True)
    write_caaspp(assessment, 2024, folder / "caaspp_student_score_data.txt")
    lines = (folder / "caaspp_student_score_data.txt").read_bytes().split(b"\r\n")
    width = lines[0].count(b"^")
    lines[2:2] = [b"^^Zelda" + b"^" * (width - 2), b"^" * width]
    (folder / "caaspp_student_score_data.txt").write_bytes(b"\r\n".join(lines))
    result = ingest(SOURCES["caaspp"], tmp_path / "raw", YEAR, load_settings())
    assert result.raw.frame.shape[1] == len(result.raw.frame.columns) <= len(SOURCES["caaspp"].schema.columns) + 1
    assert (result.validated.rows_read, result.validated.rows_kept, result.raw.blank_lines) == (5, 4, 1)
    assert set(result.validated.quarantine["line"]) == {3}
    assert "Zelda" not in _everything(result)


def test_scorecards_sample_writes_the_state_files_on_request(tmp_path):
    from pipeline.cli import main

    assert main(["sample", "--scale", "tiny", "--seed", "5", "--out", str(tmp_path / "raw"), "--state-files"]) == 0
    for year in ("2021-22", "2022-23", "2023-24"):
        assert all((tmp_path / "raw" / year / name).stat().st_size > (200 if name.endswith(".csv") else 1000)
                   for name in STATE_FILES)  # .csv: the foster reports, a few students in the tiny district
    stas = (tmp_path / "raw" / "2021-22" / "calpads_stas.txt").read_text().split("\n")[0]
    assert stas.count("^") == 22  # 13.01-13.23 in 2021-22 (13.22 ADA-generating IS from that year)
    assert all((tmp_path / "raw" / year / name).exists() for name in ("assessment.csv", "attendance.csv"))


def test_scorecards_sample_writes_the_state_files_instead_of_the_districts_own(tmp_path):
    """``--student-files state`` (what ``make sample`` writes under data/raw): the state's six files and no
    assessment.csv or attendance.csv, left from an earlier sample or not; the other files are the same bytes."""
    from pipeline.cli import main

    own, state = tmp_path / "own", tmp_path / "state"
    assert main(["sample", "--scale", "tiny", "--seed", "5", "--out", str(own)]) == 0
    assert main(["sample", "--scale", "tiny", "--seed", "5", "--out", str(state), "--state-files"]) == 0
    assert main(["sample", "--scale", "tiny", "--seed", "5", "--out", str(state), "--student-files", "state"]) == 0
    for year in ("2021-22", "2022-23", "2023-24"):
        names = {p.name for p in (state / year).iterdir() if p.is_file()}
        assert set(STATE_FILES) <= names and not names & {"assessment.csv", "attendance.csv"}, names
        assert {p.name for p in (own / year).iterdir() if p.is_file()} == names - set(STATE_FILES) | {
            "assessment.csv", "attendance.csv"}
        for name in names - set(STATE_FILES):
            assert (state / year / name).read_bytes() == (own / year / name).read_bytes(), name
    assert main(["sample", "--scale", "tiny", "--seed", "5", "--out", str(state)]) == 0  # back to the district's
    assert not any((state / "2023-24" / name).exists() for name in STATE_FILES)


def _sinf_line(ssid: str, start: str, hispanic: str, races: list[str], eth_missing: str = "N",
               race_missing: str = "N") -> str:
    fields = [""] * 50
    fields[0], fields[3], fields[5], fields[6], fields[7], fields[8] = \
        "SINF", start, "1975416", "6000001", "2023-2024", ssid
    fields[10], fields[12], fields[17], fields[18] = "Zqxfirst", "Zqxlast", "20150203", "F"
    fields[22], fields[23], fields[29] = hispanic, eth_missing, race_missing
    fields[24:24 + len(races)] = races
    return "^".join(fields)


def test_sinf_gives_each_student_the_ethnicity_group_of_the_test_files_rule(tmp_path):
    """SINF's 2.23 and 2.25-2.29 become the group as the test files derive Reporting Ethnicity: Hispanic
    whatever the race, one group, two or more groups MR, nothing reported NULL; the latest record in
    effect by 30 June wins; a record marking given races as missing is quarantined (SINF0046); no name
    or birth date is kept."""
    from pipeline.state_tables import _ethnicity, load_codes

    lines = [
        _sinf_line("1000000001", "20230701", "Y", ["700"]),  # Hispanic: HI whatever the race
        _sinf_line("1000000002", "20230701", "N", ["204"]),  # Vietnamese: AS
        _sinf_line("1000000003", "20230701", "N", ["201", "205"]),  # two Asian codes: one group, AS
        _sinf_line("1000000004", "20230701", "N", ["400", "201"]),  # Filipino and Asian: MR
        _sinf_line("1000000005", "20230701", "", [], "Y", "Y"),  # nothing reported: NULL
        _sinf_line("1000000006", "20230701", "N", ["700"]),
        _sinf_line("1000000006", "20240301", "N", ["600"]),  # a later record in effect: AA
        _sinf_line("1000000006", "20240801", "N", ["100"]),  # starts after the year: not used
        _sinf_line("1000000007", "20230701", "N", ["700"], race_missing="Y"),  # contradictory: quarantined
    ]
    folder = tmp_path / "raw" / YEAR
    folder.mkdir(parents=True)
    (folder / "calpads_sinf.txt").write_bytes(("\r\n".join(lines) + "\r\n").encode())
    result = ingest(SOURCES["calpads_sinf"], tmp_path / "raw", YEAR, load_settings())
    assert (result.validated.rows_read, result.validated.rows_kept) == (9, 8)
    assert set(result.validated.quarantine["line"]) == {9}
    assert "Zqx" not in _everything(result) and "20150203" not in _everything(result)
    ssid = pd.Series([f"100000000{i}" for i in range(1, 9)], dtype="string")
    groups = _ethnicity(result.validated.kept, YEAR, load_codes(), ssid)
    assert groups.tolist() == ["HI", "AS", "AS", "MR", pd.NA, "AA", pd.NA, pd.NA]


def test_a_chronic_grade_that_is_no_senr_code_stops_with_the_key_named(tmp_path):
    from pipeline.config import ConfigError
    from pipeline.state_tables import load_codes

    with pytest.raises(ConfigError, match="state_codes.yaml: 'chronic_grades': K not a SENR grade level code"):
        load_codes(codes_with(tmp_path, 'chronic_grades: [TK, KN, "01"', 'chronic_grades: [TK, K, "01"'))
    with pytest.raises(ConfigError, match="state_codes.yaml: 'swd_plan_types' must be a non-empty list"):
        load_codes(codes_with(tmp_path, 'swd_plan_types: ["100", "150", "200"]', "swd_plan_types: []"))
