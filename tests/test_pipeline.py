"""The whole pipeline, end to end, on a tiny generated data set in a temporary folder."""
from __future__ import annotations

import json
import shutil

import dagster as dg
import duckdb
import pytest
from pypdf import PdfReader

from pipeline.cli import main

pytestmark = pytest.mark.slow  # the end-to-end run

YEAR = "2023-24"


@pytest.fixture(scope="module")
def run(tiny_pipeline_run):
    """The session's run of the tiny sample (tests/conftest.py), shared with test_output_privacy.py."""
    root, codes = tiny_pipeline_run
    mp = pytest.MonkeyPatch()
    mp.setenv("DAGSTER_HOME", str(root / "dagster_home"))
    yield root, codes
    mp.undo()


def test_runs_succeed_and_are_recorded(run):
    root, codes = run
    assert codes == [0, 0]
    with dg.DagsterInstance.from_config(str(root / "dagster_home")) as instance:
        runs = instance.get_runs()
        assert len(runs) == 2
        assert all(r.is_success for r in runs)
        assert {r.tags.get("dagster/partition") for r in runs} == {"2022-23", YEAR}


def test_every_school_gets_html_and_pdf(run):
    root, _ = run
    con = duckdb.connect(str(root / "out" / "scorecards.duckdb"), read_only=True)
    schools = con.execute("SELECT cds, school_name FROM validated_directory WHERE school_year = ?", [YEAR]).fetchall()
    assert len(schools) == 4
    for cds, name in schools:
        folder = root / "out" / YEAR / "schools" / cds
        for lang in ("en", "es"):
            html = (folder / f"scorecard.{lang}.html").read_text(encoding="utf-8")
            assert name in html and cds in html and YEAR in html
            pdf = folder / f"scorecard.{lang}.pdf"
            reader = PdfReader(pdf)
            # every indicator by student group in two Letter pages (issue #17), in each language
            assert 1 <= len(reader.pages) <= 2
            # every page says when its data were produced (the run's date), in the page's language
            as_of = {"en": "Data as of", "es": "Datos al"}[lang]
            assert all(as_of in p.extract_text() for p in reader.pages)
            assert as_of in html
            text = "".join(p.extract_text() for p in reader.pages)
            assert name.split()[0] in text and cds in text
        assert (folder / "data.csv").stat().st_size > 0
    index = (root / "out" / YEAR / "index.html").read_text(encoding="utf-8")
    assert all(cds in index for cds, _ in schools)
    manifest = json.loads((root / "out" / YEAR / "manifest.json").read_text())
    assert len(manifest["documents"]) == 8


def test_each_language_has_its_index_and_every_page_links_back(run):
    """A Spanish-speaking family lands on a Spanish index, reaches Spanish pages, and can switch."""
    root, _ = run
    year = root / "out" / YEAR
    en, es = (year / "index.html").read_text(encoding="utf-8"), (year / "index.es.html").read_text(encoding="utf-8")
    assert '<html lang="es">' in es and 'href="index.html"' in es and 'href="index.es.html"' in en
    assert "Distrito Escolar Unificado de Muestra" in es and "Sample Unified School District" in en
    # each index says when its data were produced, in its language (issue #17)
    assert "Datos al " in es and "Data as of " in en
    # each language's files are named in that language, whatever the index's language
    assert ">página web</a>" in en and ">web page</a>" in es
    cds = next(p.name for p in (year / "schools").iterdir())
    page_es = (year / "schools" / cds / "scorecard.es.html").read_text(encoding="utf-8")
    assert 'href="../../index.es.html"' in page_es and 'href="scorecard.en.html"' in page_es
    assert "Distrito Escolar Unificado de Muestra" in page_es
    page_en = (year / "schools" / cds / "scorecard.en.html").read_text(encoding="utf-8")
    assert 'href="../../index.html"' in page_en and 'href="scorecard.es.html"' in page_en


def test_validation_report_and_figures(run):
    root, _ = run
    assert (root / "out" / YEAR / "validation" / "report.html").exists()
    assert (root / "out" / YEAR / "validation" / "quarantine.csv").exists()
    con = duckdb.connect(str(root / "out" / "scorecards.duckdb"), read_only=True)
    unbalanced = con.execute(
        "SELECT count(*) FROM ingest_files WHERE school_year = ? AND rows_read <> rows_kept + rows_quarantined",
        [YEAR]).fetchone()[0]
    assert unbalanced == 0
    # chronic absenteeism from student records equals the Dashboard file's figure for each school
    diff = con.execute("""
        SELECT count(*) FROM indicator_results a JOIN indicator_results b
          USING (school_year, cds, student_group, indicator)
        WHERE a.school_year = ? AND a.indicator = 'chronic' AND a.rtype = 'S'
          AND a.origin = 'district' AND b.origin = 'cde' AND a.status IS DISTINCT FROM b.status""", [YEAR]).fetchone()[0]
    assert diff == 0
    # nothing about fewer than 11 students is stored as a figure
    small = con.execute("SELECT count(*) FROM indicator_results WHERE status IS NOT NULL AND n < 11").fetchone()[0]
    assert small == 0


def test_published_parquet_has_no_student_identifiers(run):
    root, _ = run
    con = duckdb.connect()
    folder = root / "out" / "parquet"
    assert (folder / "indicator_results.parquet").exists()
    for path in folder.glob("*.parquet"):
        cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM '{path}'").fetchall()]
        assert "ssid" not in cols and "response_id" not in cols, path.name


def test_unchanged_rerun_renders_nothing(run):
    root, _ = run
    before = json.loads((root / "out" / YEAR / "manifest.json").read_text())
    assert main(["run", "--year", YEAR, "--raw", str(root / "raw"), "--out", str(root / "out"), "--quiet"]) == 0
    after = json.loads((root / "out" / YEAR / "manifest.json").read_text())
    assert after["documents"] == before["documents"]
    pdfs = {k: v for k, v in after["files"].items() if k.endswith(".pdf")}
    assert pdfs == {k: v for k, v in before["files"].items() if k.endswith(".pdf")}


def test_bad_required_file_fails_with_one_line(tmp_path, dagster_home, capsys, tiny_raw):
    shutil.copytree(tiny_raw, tmp_path / "raw")
    (tmp_path / "raw" / YEAR / "attendance.csv").write_text("school_year;ssid\n2023-24;1\n")
    code = main(["run", "--year", YEAR, "--raw", str(tmp_path / "raw"), "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    assert "attendance.csv: wrong delimiter" in err
    assert not (tmp_path / "out" / YEAR / "schools").exists()
    # the blocking check says why in the UI, not only "Execution failed"
    with dg.DagsterInstance.get() as instance:
        run = instance.get_runs(limit=1)[0]
        checks = [e.dagster_event.event_specific_data for e in instance.all_logs(
            run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)]
    present = [c for c in checks if c.check_name == "required_source_present"
               and c.asset_key == dg.AssetKey("validated_attendance")]
    assert len(present) == 1 and not present[0].passed
    assert "attendance.csv: wrong delimiter" in present[0].description
    # the step fails once, with the sentence and no Python stack under it, and is not retried
    with dg.DagsterInstance.get() as instance:
        failures = [e.dagster_event.event_specific_data for e in instance.all_logs(
            run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)]
        retries = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_UP_FOR_RETRY)
    assert len(failures) == 1 and not retries
    error = failures[0].error
    assert "attendance.csv: wrong delimiter" in error.message and "Nothing from this file is used" in error.message
    assert error.stack == [] and error.cause is None and error.context is None


def test_cli_status_and_dry_run_delivery(run, capsys):
    root, _ = run
    out = str(root / "out")
    assert main(["deliver", "--year", YEAR, "--out", out]) == 0
    assert "dry run" in capsys.readouterr().out
    emls = list((root / "out" / YEAR / "outbox").glob("*.eml"))
    assert emls and all(len(p.stem) == 14 for p in emls)
    assert main(["status", "--year", YEAR, "--out", out]) == 0
    text = capsys.readouterr().out
    assert "8 documents" in text and "written" in text


def test_no_student_identifier_in_any_output(run):
    """Every file the pipeline wrote (HTML, PDF text and metadata, CSV, e-mail, JSON, Parquet) and
    the Dagster event log are free of the inputs' student ids and survey response ids."""
    from conftest import student_id_pattern

    root, _ = run
    pattern = student_id_pattern(root / "raw")
    scanned = 0
    for path in (root / "out").rglob("*"):
        if not path.is_file() or path.suffix == ".duckdb" or path.name.endswith(".duckdb.wal"):
            continue  # the warehouse keeps validated inputs for analysts; it is not an output
        if path.suffix == ".pdf":
            reader = PdfReader(path)
            text = "".join(p.extract_text() for p in reader.pages) + str(reader.metadata)
        elif path.suffix == ".parquet":
            text = duckdb.connect().execute(f"SELECT * FROM '{path}'").df().to_csv()
        elif path.suffix == ".xlsx":  # a zip: its cells, not its compressed bytes
            from pipeline.render.xlsx import read_workbook
            text = repr(read_workbook(path.read_bytes()))
        else:
            text = path.read_bytes().decode("utf-8", errors="replace")
        assert not pattern.search(text), f"student identifier in {path.relative_to(root)}"
        scanned += 1
    assert scanned > 40
    with dg.DagsterInstance.from_config(str(root / "dagster_home")) as instance:
        for record in instance.get_run_records():
            for entry in instance.all_logs(record.dagster_run.run_id):
                assert not pattern.search(str(entry.message or "") + str(entry.dagster_event or "")), \
                    "student identifier in the Dagster event log"
