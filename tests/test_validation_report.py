"""The validation report an analyst reads: counts, reasons, examples and the columns left unread."""
from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import duckdb
import pandas as pd
import pytest
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
    return write_report(con, YEAR, tmp_path, now=NOW)["report_html"].read_text()


NOW = dt.datetime(2026, 12, 6, 7, 30, tzinfo=dt.timezone.utc)
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


# ----------------------------------------------------------------------------- issue 17: counts, colours, links, run

class _Links(HTMLParser):
    """Every ``href="#..."`` and every ``id`` of a page."""

    def __init__(self):
        super().__init__()
        self.hrefs, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if (attrs.get("href") or "").startswith("#"):
            self.hrefs.append(attrs["href"][1:])


def links(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def status_cell(html: str, source: str) -> str:
    row = re.search(rf'<tr>\s*<th scope="row">(?:<a href="#[^"]*">)?{source}\b.*?</tr>', html, re.S)
    assert row, source
    return re.findall(r"<td>(.*?)</td>", row.group(0), re.S)[-1]


ATTENDANCE_REJECTED = {"source": "attendance", "file": "raw/2023-24/attendance.csv", "provided": True,
                       "problem": "missing column days_absent", "rows_read": 0, "rows_kept": 0, "rows_quarantined": 0}
SURVEY = {"source": "survey_responses", "file": "raw/2023-24/survey_responses.csv", "provided": True,
          "rows_read": 40, "rows_kept": 37, "rows_quarantined": 3}
REJECTED_NOTE = {"source": "attendance", "file": "raw/2023-24/attendance.csv", "kind": "rejected", "rows": 1234,
                 "note": "missing column days_absent"}


def test_a_rejected_file_and_its_rows_are_in_the_summary(tmp_path):
    """With a required file rejected the summary does not just say "quarantined 0": it names the
    rejected file and its data lines, none read, apart from the rows read that add up."""
    html = report(tmp_path, [ATTENDANCE_REJECTED, MATH, SURVEY], [REJECTED_NOTE])
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))
    assert "rows read 43, kept 40, quarantined 3 (in 1 file)." in text
    assert "1 file rejected as a whole: 1,234 data lines not read (not counted above; see attendance)" in text
    assert "File rejected: missing column days_absent (1,234 data lines, none read)" in text
    assert "0 of 1,234" in html
    # without the count of lines (the file could not be read again) it still says the file went unread
    plain = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", report(tmp_path / "b", [ATTENDANCE_REJECTED, MATH])))
    assert "1 file rejected as a whole: not read" in plain


def test_reconciled_is_green_only_when_nothing_was_quarantined(tmp_path):
    html = report(tmp_path, [ATTENDANCE_REJECTED, MATH, SURVEY, {"source": "community", "file": "raw/2023-24/community.csv",
                                                                 "provided": False, "rows_read": 0}])
    assert status_cell(html, "dashboard_math").startswith('<span class="ok">Reconciled</span>')
    assert status_cell(html, "survey_responses").startswith('<span class="warn">Reconciled, with rows quarantined (3)</span>')
    assert status_cell(html, "attendance").startswith('<span class="bad">File rejected</span>: missing column')
    assert status_cell(html, "community").startswith('<span class="muted">Not provided</span>')
    assert html.count('class="ok"') == 1


def test_every_link_of_the_report_points_to_an_anchor_it_has(tmp_path):
    page = links(report(tmp_path, [ATTENDANCE_REJECTED, MATH, SURVEY], [REJECTED_NOTE]))
    assert sorted(page.hrefs) == ["source-attendance", "source-attendance", "source-survey_responses"]
    assert set(page.hrefs) <= page.ids


def test_every_link_of_a_real_runs_report_points_to_an_anchor(tiny_pipeline_run):
    root, codes = tiny_pipeline_run
    assert codes == [0, 0]
    for path in sorted((root / "out").glob("*/validation/report.html")):
        page = links(path.read_text(encoding="utf-8"))
        missing = [h for h in page.hrefs if h not in page.ids]
        assert not missing, f"{path}: links to no anchor {missing}"
        assert "Written " in path.read_text(encoding="utf-8")


def test_the_report_says_when_and_by_which_run_it_was_written(tmp_path):
    con = duckdb.connect()
    con.register("f", pd.DataFrame([{c: None for c in FILE_COLUMNS} | {"school_year": YEAR} | MATH]))
    con.execute("CREATE TABLE ingest_files AS SELECT * FROM f")
    html = write_report(con, YEAR, tmp_path, run_id="8c1e0f3a-run", now=NOW)["report_html"].read_text()
    assert '<time datetime="2026-12-06T07:30:00+00:00">2026-12-06 07:30 UTC</time> by run <code>8c1e0f3a-run</code>' in html


def test_standard_columns_of_cdes_layout_are_not_listed_as_ignored(tmp_path):
    """A Dashboard file's columns that CDE publishes but the scorecards do not need are counted, not
    listed; a column CDE's layout does not have (a re-export's ImageURL) is."""
    math = MATH | {"ignored_columns": "curradjustment, prioradjustment, pairshare_method, CURRPRATE_TESTED, ImageURL"}
    html = report(tmp_path, [math])
    assert "Columns ignored (not in the contract nor in CDE's layout): ImageURL</span>" in html
    assert "4 standard columns of CDE's layout not needed here" in html
    assert "curradjustment" not in html
    # a district file has no CDE layout: everything beyond its contract is listed
    survey = SURVEY | {"ignored_columns": "curradjustment, notes"}
    assert "Columns ignored (not in the contract or the codebook): curradjustment, notes" in report(tmp_path / "b", [survey])


def test_cde_layouts_hold_the_real_files_headers(realdata):
    """config/cde_layouts.yaml holds every column of CDE's published Dashboard files in the real
    data (Monterey County, 2022-2024), whatever their case."""
    from pipeline.validation_report import cde_layouts

    files = sorted((realdata / "monterey").glob("*/*download*.txt"))
    assert len(files) >= 19
    for path in files:
        header = path.read_text(encoding="utf-8", errors="replace").splitlines()[0]
        columns = header.split("\t" if "\t" in header else ",")
        layout = cde_layouts()[f"dashboard_{path.name.split('download')[0]}"]
        assert not [c for c in columns if c.lower() not in layout], path


def test_a_rejected_files_data_lines_are_counted(tmp_path):
    from pipeline.ingest_store import rejected_lines
    from pipeline.sources import SOURCES

    folder = tmp_path / "raw" / YEAR
    folder.mkdir(parents=True)
    (folder / "attendance.csv").write_text("ssid,cds,days\n1,2,3\n\n4,5,6\n7,8,9\n", encoding="utf-8")
    assert rejected_lines(SOURCES["attendance"], tmp_path / "raw", YEAR) == 3
    assert rejected_lines(SOURCES["assessment"], tmp_path / "raw", YEAR) is None  # no such file


def test_the_report_links_to_the_dashboard_preview_page(tmp_path):
    html = report(tmp_path, [MATH])
    assert 'is on <a href="preview.html">preview.html</a>' in html
    # a run that stops before scoring leaves no dangling link: the page says it is not written yet
    pending = (tmp_path / "validation" / "preview.html").read_text(encoding="utf-8")
    assert "not written yet" in pending and 'href="report.html"' in pending
    (tmp_path / "validation" / "preview.html").write_text("the preview of a scored run")
    report(tmp_path, [MATH])  # the report written again keeps the real preview
    assert (tmp_path / "validation" / "preview.html").read_text() == "the preview of a scored run"
