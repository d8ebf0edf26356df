"""The validation report an analyst reads: counts, reasons, examples and the columns left unread."""
from __future__ import annotations

import duckdb
import pandas as pd
from markupsafe import escape

from pipeline.ingest import FILE_COLUMNS
from pipeline.quarantine import QUARANTINE_COLUMNS
from pipeline.validation_report import write_report

YEAR = "2023-24"


def test_report_names_ignored_columns_and_reconciles(tmp_path):
    files = pd.DataFrame([{c: None for c in FILE_COLUMNS} | {
        "school_year": YEAR, "source": "survey_responses", "file": "raw/2023-24/survey_responses.csv",
        "provided": True, "rows_read": 3, "rows_kept": 2, "rows_quarantined": 1, "blank_lines": 0,
        "ignored_columns": "ImageURL, notes", "checksum": "ab" * 32, "encoding": "utf-8",
    }])
    quarantine = pd.DataFrame([{c: None for c in QUARANTINE_COLUMNS} | {
        "school_year": YEAR, "source": "survey_responses", "file": "raw/2023-24/survey_responses.csv",
        "line": 3, "column_name": "st01", "check_name": "coerce_dtype('int64')", "value": "often",
        "reason": "not a whole number",
    }])
    con = duckdb.connect()
    con.register("f", files)
    con.register("q", quarantine)
    con.execute("CREATE TABLE ingest_files AS SELECT * FROM f")
    con.execute("CREATE TABLE quarantine AS SELECT * FROM q")
    html = write_report(con, YEAR, tmp_path)["report_html"].read_text()
    assert "Columns ignored (not in the contract or the codebook): ImageURL, notes" in html
    assert "Reconciled" in html and "often" in html and "not a whole number" in html


def report(tmp_path, files: list[dict], notes: list[dict] | None = None) -> str:
    con = duckdb.connect()
    con.register("f", pd.DataFrame([{c: None for c in FILE_COLUMNS} | {"school_year": YEAR} | f for f in files]))
    con.execute("CREATE TABLE ingest_files AS SELECT * FROM f")
    if notes is not None:
        con.register("n", pd.DataFrame([{"school_year": YEAR} | n for n in notes],
                                       columns=["school_year", "source", "file", "kind", "rows", "note"]))
        con.execute("CREATE TABLE ingest_notes AS SELECT * FROM n")
    return write_report(con, YEAR, tmp_path)["report_html"].read_text()


MATH = {"source": "dashboard_math", "file": "raw/2023-24/dashboard/mathdownload2024.txt", "provided": True,
        "rows_read": 3, "rows_kept": 3, "rows_quarantined": 0, "checksum": "cd" * 32}


def test_report_lists_unrecognised_files_with_their_hints(tmp_path):
    html = report(tmp_path, [MATH], [
        {"source": None, "file": "raw/2023-24/dashboard/chronicdownload2023.txt", "kind": "unrecognised",
         "rows": None, "note": "a file of the 2023 Dashboard: belongs in raw/2022-23/dashboard/"},
        {"source": None, "file": "raw/notes.docx", "kind": "unrecognised", "rows": None, "note": ""},
    ])
    assert "Files not recognised" in html
    assert "<code>raw/2023-24/dashboard/chronicdownload2023.txt</code>" in html
    assert "a file of the 2023 Dashboard: belongs in raw/2022-23/dashboard/" in html
    assert "<code>raw/notes.docx</code>" in html


def test_report_says_when_a_file_keeps_cdes_published_status(tmp_path):
    note = "the file has no currdenom column: CDE's published status and change are kept without the n-size, " \
           "so no row gets a colour"
    html = report(tmp_path, [MATH], [{"source": "dashboard_math", "file": MATH["file"], "kind": "cde_status",
                                      "rows": 3, "note": note}])
    assert f"Status as published by CDE</strong> for 3 rows: {escape(note)}." in html


def test_report_without_notes_is_the_report_as_before(tmp_path):
    """The notes table exists only once a run had something to note; without it, or empty, the page
    is the one a run without notes always wrote."""
    plain = report(tmp_path / "a", [MATH])
    assert report(tmp_path / "b", [MATH], []) == plain
    assert "not recognised" not in plain and "published by CDE" not in plain


def test_matches_published_names_the_files_that_keep_cdes_status():
    from assets.checks import matches_published_result
    from pipeline.ingest import notes_frame

    computed = pd.DataFrame({"published_status_level": [3, 4, None]})
    note = "the file has no currdenom column: CDE's published status is kept without the n-size, so no row gets a colour"
    published = notes_frame([{"source": "dashboard_ela", "file": "raw/2017-18/dashboard/eladownload2018.txt",
                              "kind": "cde_status", "rows": 9801, "note": note}])
    none = pd.DataFrame({"indicator": [], "reason": []})  # no disagreement
    summary = pd.DataFrame()
    result = matches_published_result(computed, none, summary, published)
    assert result.passed and result.metadata["rows_compared"].value == 2
    assert result.metadata["status_as_published"].value == (
        f"- `raw/2017-18/dashboard/eladownload2018.txt`: 9,801 rows; {note}")
    assert "status_as_published" not in matches_published_result(computed, none, summary, notes_frame([])).metadata
