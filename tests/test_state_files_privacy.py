"""A whole run on the state's files (CAASPP, ELPAC, CALPADS STAS, SELA, SPRG, SINF, SENR, SPED and the
foster reports 5.7 and 5.9), then a
scan of everything it wrote: no name, birth date or address from those files appears in a warehouse
table, a quarantine row, the validation report, a log, a Parquet file, a scorecard or the Dagster
instance."""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import pipeline.sample.state_files as state_files

REPO = Path(__file__).resolve().parent.parent
YEAR = "2023-24"
# Every personal value written into the state files carries one of these marks, so that a leak is
# found wherever it lands whatever else the outputs say (principals' names come from the same name
# pools as the students'). Birth dates are in 1911, which no date of the pipeline's is.
MARKED = re.compile(r"Zqx[a-z]{3,}|\b1911-\d\d-\d\d\b|\b1911\d{4}\b|\b\d\d/\d\d/1911\b")  # MM/DD: foster reports


def _marked_people(ssid: pd.Series, spring: int, grade: pd.Series) -> pd.DataFrame:
    tag = ["".join(chr(97 + int(d)) for d in str(s)[-6:]) for s in ssid]
    return pd.DataFrame({
        "first": [f"Zqxf{t}" for t in tag], "middle": [f"Zqxm{t}" for t in tag], "last": [f"Zqxl{t}" for t in tag],
        "birth": [f"1911-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(len(tag))],
        "gender": ["F"] * len(tag), "address": [f"{100 + i} Zqxstreet Ave" for i in range(len(tag))],
    }, index=ssid.index)


def _text_of(path: Path) -> str:
    """What a file says, in text: tables of a database or Parquet file read back, other files' bytes."""
    import duckdb

    if path.suffix == ".parquet":
        return duckdb.sql(f"SELECT * FROM read_parquet('{path}')").df().astype(str).to_csv()
    if path.suffix == ".duckdb":
        con = duckdb.connect(str(path), read_only=True)
        try:
            tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
            return "\n".join(con.execute(f'SELECT * FROM "{t}"').df().astype(str).to_csv() for t in tables)
        finally:
            con.close()
    head = path.read_bytes()[:16]
    if head.startswith(b"SQLite format 3"):
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return "\n".join(con.iterdump())
        finally:
            con.close()
    return path.read_bytes().decode("utf-8", errors="replace")


@pytest.mark.slow
def test_no_personal_field_of_the_state_files_reaches_anything_a_run_writes(tmp_path, tiny_raw, monkeypatch):
    raw = tmp_path / "raw"
    shutil.copytree(tiny_raw, raw)
    monkeypatch.setattr(state_files, "people", _marked_people)
    state_files.write_state_files(raw / YEAR, 2024)
    written = "".join((raw / YEAR / name).read_text() for name in state_files.STATE_FILES)
    assert len(set(MARKED.findall(written))) > 1000  # the marks are there to be found
    for name in state_files.STATE_FILES:  # in every file: names and birth dates of SINF, SENR, SPED too
        marks = MARKED.findall((raw / YEAR / name).read_text())
        assert any(m.startswith("Zqx") for m in marks) and any("1911" in m for m in marks), name
    for name in ("assessment.csv", "attendance.csv"):  # the state's files stand in for them
        (raw / YEAR / name).unlink()
    # the configuration as shipped: the STAS extract stands in for the required attendance.csv
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", "--year", YEAR, "--raw", str(raw),
                          "--out", str(out)], env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]

    from pipeline import warehouse

    with warehouse.connect(out / "scorecards.duckdb", read_only=True) as con:
        counts = dict(con.execute("SELECT source, rows_kept FROM ingest_files WHERE school_year = ?",
                                  [YEAR]).fetchall())
        assessment = con.execute("SELECT count(*) FROM validated_assessment WHERE school_year = ?", [YEAR]).fetchone()
    assert all(counts[s] > 100 for s in ("caaspp", "elpac", "calpads_stas", "calpads_sela", "calpads_sprg",
                                            "calpads_sinf", "calpads_senr", "calpads_sped"))
    assert counts["calpads_foster_enrolled"] + counts["calpads_foster_former"] >= 11  # the foster reports too
    assert assessment[0] > 100  # loaded from the CAASPP file

    leaks = {}
    files = [p for root in (out, home) for p in root.rglob("*") if p.is_file()]
    assert any(p.suffix == ".parquet" for p in files) and any(p.suffix == ".html" for p in files)
    for path in files + [None]:
        text = run.stdout + run.stderr if path is None else _text_of(path)
        found = set(MARKED.findall(text))
        if found:
            leaks[str(path or "the run's own output")] = sorted(found)[:3]
    assert not leaks, leaks
