"""The CALPADS ODS foster youth reports (5.7 "Foster Youth Enrolled", 5.9 "Former Foster Youth"),
exported as CSV: read by column number (school code 1, SSID 3: config/calpads_reports.yaml), report
furniture skipped and counted, broken student lines quarantined by line, names and birth dates never
kept; and the attendance rows from STAS foster Y / N / NULL by them (issue #15)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline.config import ConfigError, load_settings
from pipeline.ingest import ingest
from pipeline.sources import SOURCES

YEAR = "2023-24"
FOSTER = ["calpads_foster_enrolled", "calpads_foster_former"]
PERSONAL = ["Garcia", "Maria Elena", "03/14/2015", "100234", "Lopez", "04/14/2015", "Zelda", "05/14/2015",
            "Brown", "06/01/2016", "Lincoln Elementary"]
EXPORT = "\r\n".join([
    "\ufeffReport 5.7 - Foster Youth Enrolled - Student List",                       # 1 title
    "Academic Year: 2023-2024,As of: 06/12/2024",                                    # 2 parameters
    "",                                                                              # 3 blank
    "School Code,School Name,SSID,Student Name,Local Student ID,Birth Date,Gender,Grade Level",  # 4 headings
    '0123456,Lincoln Elementary,1234567890,"Garcia, Maria Elena",100234,03/14/2015,F,03',        # 5 kept
    '0123456,Lincoln Elementary,123456789,"Lopez, Ana",100235,04/14/2015,F,03',                  # 6 SSID of 9
    '012345,Lincoln Elementary,1234567891,"Zelda, Ben",100236,05/14/2015,M,04',                  # 7 school of 6
    '0123456,Lincoln Elementary,2234567890,"Brown, Noa",100237,06/01/2016,X,KN',                 # 8 kept
    "Page 1 of 1",                                                                   # 9 page line
    "Total Students: 4",                                                             # 10 total
]) + "\r\n"


def _everything(result) -> str:
    """Every value the pipeline keeps from a file: kept rows, quarantine rows, bad records, notes."""
    return "\n".join([result.validated.kept.astype(str).to_csv(), result.validated.quarantine.astype(str).to_csv(),
                      repr([vars(b) for b in result.raw.bad_records]), repr(result.raw.notes),
                      repr(result.note_rows), repr(result.file_row), repr(list(result.raw.frame.columns))])


def _raw(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "raw" / YEAR
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(text.encode("utf-8"))
    return tmp_path / "raw"


def test_an_export_is_read_by_column_number_headings_counted_broken_lines_quarantined(tmp_path):
    raw = _raw(tmp_path, "calpads_foster_enrolled.csv", EXPORT)
    result = ingest(SOURCES["calpads_foster_enrolled"], raw, YEAR, load_settings())
    assert list(result.raw.frame.columns) == ["school_code", "ssid", "_line"]  # nothing else reaches a frame
    assert result.raw.heading_lines == 5 and result.raw.blank_lines == 1  # lines 1, 2, 4, 9, 10; line 3
    kept = result.validated.kept
    assert kept[["school_code", "ssid", "_line"]].astype(str).values.tolist() == [
        ["0123456", "1234567890", "5"], ["0123456", "2234567890", "8"]]
    q = result.validated.quarantine
    assert sorted(zip(q["line"], q["column_name"])) == [(6, "ssid"), (7, "school_code")]
    assert q["file"].eq("raw/2023-24/calpads_foster_enrolled.csv").all()
    assert (result.validated.rows_read, result.validated.rows_kept, result.validated.rows_quarantined) == (4, 2, 2)
    headings = [n for n in result.note_rows if n["kind"] == "headings"]
    assert headings == [{"source": "calpads_foster_enrolled", "file": "raw/2023-24/calpads_foster_enrolled.csv",
                         "kind": "headings", "rows": 5, "note": headings[0]["note"]}]
    everything = _everything(result)
    assert not [p for p in PERSONAL if p in everything]


def test_the_columns_come_from_configuration(tmp_path, monkeypatch):
    """A district whose export puts the SSID in column 2 says so in config/calpads_reports.yaml."""
    import pipeline.readers.calpads_report as report

    config = tmp_path / "config"
    config.mkdir()
    (config / report.REPORTS_FILE).write_text("foster_reports:\n  school_code: 1\n  ssid: 2\n")
    moved = "\r\n".join(["School Code,SSID,Student Name", '0123456,1234567890,"Garcia, Maria Elena"']) + "\r\n"
    raw = _raw(tmp_path, "calpads_foster_former.csv", moved)
    monkeypatch.setattr(report, "CONFIG_DIR", config)
    result = ingest(SOURCES["calpads_foster_former"], raw, YEAR, load_settings())
    assert result.validated.kept["ssid"].tolist() == ["1234567890"] and result.raw.heading_lines == 1
    (config / report.REPORTS_FILE).write_text("foster_reports:\n  school_code: 1\n  ssid: 1\n")
    with pytest.raises(ConfigError, match="calpads_reports.yaml: 'foster_reports': two columns have the same"):
        report.report_columns("foster_reports", config)
    (config / report.REPORTS_FILE).write_text("foster_reports:\n  school_code: 1\n  ssid: 3\n  name: 4\n")
    with pytest.raises(ConfigError, match="'foster_reports': name is not a column the pipeline reads"):
        report.report_columns("foster_reports", config)
    (config / report.REPORTS_FILE).write_text("foster_reports:\n  school_code: 1\n")
    with pytest.raises(ConfigError, match="'foster_reports.ssid' must be a column number"):
        report.report_columns("foster_reports", config)


def _xlsx(rows: list[list[object]]) -> bytes:
    """An Excel workbook of one sheet written by openpyxl: text as text, numbers as numbers (as Excel
    saves them), an empty row left without cells."""
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Report"
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=r, column=c, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_excel_export_is_read_like_the_csv_by_its_rows(tmp_path):
    """The .xlsx export: the first sheet's rows by number, an SSID saved as a number read whole, and a
    school code saved as a number (its leading zero lost) quarantined, never padded by guess; a blank
    cell (no cell in the sheet) keeps the columns after it in place."""
    rows = [["Report 5.9 - Former Foster Youth - Student List"], ["Academic Year: 2023-2024", "As of: 06/12/2024"],
            [], ["School Code", "School Name", "SSID", "Student Name", "Local Student ID", "Birth Date", "Gender",
                 "Grade Level"],
            ["0123456", "Lincoln Elementary", 1234567890, "Garcia, Maria Elena", 100234, "03/14/2015", "F", "03"],
            [123456, None, 2234567890, "Brown, Noa", 100237, "06/01/2016", "X", "KN"],
            ["Total Students: 2"]]
    folder = tmp_path / "raw" / YEAR
    folder.mkdir(parents=True)
    (folder / "calpads_foster_former.xlsx").write_bytes(_xlsx(rows))
    result = ingest(SOURCES["calpads_foster_former"], tmp_path / "raw", YEAR, load_settings())
    assert result.raw.heading_lines == 4  # rows 1, 2, 4, 7 (row 3 has no cell: not in the sheet)
    assert result.validated.kept[["school_code", "ssid", "_line"]].astype(str).values.tolist() == [
        ["0123456", "1234567890", "5"]]
    q = result.validated.quarantine
    assert list(zip(q["line"], q["column_name"])) == [(6, "school_code")]
    assert not [p for p in PERSONAL if p in _everything(result)]


def test_attendance_foster_is_y_for_a_listed_student_n_otherwise_null_without_a_report():
    from pipeline.state_tables import attendance_rows, load_codes

    stas = pd.DataFrame({"record_type": "STAS", "reporting_lea": "1975416", "school_of_attendance": "0123456",
                         "academic_year": "2023-2024", "ssid": ["1234567890", "2234567890", "3234567890"],
                         "exemption": "N", "hourly": "N", "days_expected": 180.0, "days_attended": 170.0,
                         "days_oss": 0.0, "days_excused": 10.0, "days_unexcused": 0.0, "days_is_non_ada": 0.0,
                         "source_line": [1, 2, 3]})
    codes = load_codes()

    def foster(listed):
        rows = attendance_rows(stas, None, None, ["19754160123456"], YEAR, codes, foster=listed)
        return [None if pd.isna(v) else v for v in rows["foster"]]

    assert foster(pd.Series(["1234567890", "3234567890", "9999999999"])) == ["Y", "N", "Y"]
    assert foster(pd.Series([], dtype=str)) == ["N", "N", "N"]  # a report given that lists nobody
    assert foster(None) == [None, None, None]  # neither report given: unknown


def _attendance(raw: Path, path: Path, sources: list[str]) -> pd.DataFrame:
    from pipeline import warehouse
    from pipeline.ingest_store import store
    from pipeline.state_tables import load_state_tables

    for name in ["directory", "attendance", "calpads_stas", "calpads_senr", *sources]:
        store(path, SOURCES[name], ingest(SOURCES[name], raw, YEAR, load_settings()), YEAR, None)
    load_state_tables(path, YEAR)
    with warehouse.connect(path, read_only=True) as con:
        return warehouse.read_table(con, "validated_attendance", {"school_year": YEAR})


def test_the_samples_reports_give_the_attendance_rows_the_foster_flag_they_were_written_from(state_raw, tmp_path):
    """Both reports: Y for every foster student of the district's attendance.csv (but a TK student, on
    neither report), N for the others. One report: its students only. Neither: NULL."""
    raw = tmp_path / "raw"
    shutil.copytree(state_raw, raw)
    district = pd.read_csv(raw / YEAR / "attendance.csv", dtype=str)
    (raw / YEAR / "attendance.csv").unlink()
    merged = lambda ours: district.merge(ours, on=["ssid", "cds"], suffixes=("", "_state"), validate="one_to_one")
    both = merged(_attendance(raw, tmp_path / "both.duckdb", FOSTER))
    expected = both["foster"].where(both["grade"].ne("TK"), "N")
    assert both["foster_state"].eq("Y").sum() >= 11 and (both["foster_state"] == expected).all()
    one = merged(_attendance(raw, tmp_path / "one.duckdb", FOSTER[:1]))
    assert 0 < one["foster_state"].eq("Y").sum() < both["foster_state"].eq("Y").sum()
    assert one["foster_state"].notna().all()
    (raw / YEAR / "calpads_foster_enrolled.csv").unlink()
    (raw / YEAR / "calpads_foster_former.csv").unlink()
    neither = merged(_attendance(raw, tmp_path / "neither.duckdb", FOSTER))
    assert neither["foster_state"].isna().all()


def test_the_sample_writes_both_reports_as_an_export_with_its_furniture(state_raw):
    from pipeline.sample.state_foster import HEADINGS

    district = pd.read_csv(state_raw / YEAR / "attendance.csv", dtype=str)
    foster = set(district.loc[district["foster"].eq("Y") & district["grade"].ne("TK"), "ssid"])
    listed = []
    for name in ("calpads_foster_enrolled.csv", "calpads_foster_former.csv"):
        lines = (state_raw / YEAR / name).read_bytes().decode("utf-8-sig").split("\r\n")
        assert lines[0].startswith("Report 5.") and lines[3] == ",".join(HEADINGS)
        assert lines[-2] == f"Total Students: {len(lines) - 6}"
        listed += [line.split(",")[2] for line in lines[4:-2]]
    assert sorted(listed) == sorted(foster)  # each foster student once, in one of the two


def test_the_validation_report_says_how_many_heading_lines_were_skipped(tmp_path):
    """The headings count is stored (ingest_notes, kind headings) and shown beside the file's counts."""
    from pipeline import warehouse
    from pipeline.ingest_store import store
    from pipeline.validation_report import write_report

    raw = _raw(tmp_path, "calpads_foster_enrolled.csv", EXPORT)
    path = tmp_path / "scorecards.duckdb"
    store(path, SOURCES["calpads_foster_enrolled"],
          ingest(SOURCES["calpads_foster_enrolled"], raw, YEAR, load_settings()), YEAR, None)
    with warehouse.connect(path) as con:
        html = write_report(con, YEAR, tmp_path / "out")["report_html"].read_text(encoding="utf-8")
    assert "5 lines of report title, headings or totals skipped (no SSID in the SSID column)" in html
    assert not [p for p in PERSONAL if p in html]
