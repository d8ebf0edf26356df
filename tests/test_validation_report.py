"""The validation report an analyst reads: counts, reasons, examples and the columns left unread."""
from __future__ import annotations

import duckdb
import pandas as pd

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
