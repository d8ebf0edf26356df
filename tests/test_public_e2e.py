"""End to end on files as a district has them: the directory and enrollment in CDE's public layouts
(the sample written with layout="public"), attendance from an SIS export and survey answers from a
vendor's wide export, each through the README's example mapping, run by ``scorecards run``."""
from __future__ import annotations

import shutil

import duckdb
import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.sample import generate
from tests.test_mapping import EXAMPLES, example, export_of

pytestmark = pytest.mark.slow  # an end-to-end run

YEAR = "2023-24"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("public_e2e")
    raw = root / "raw"
    generate(raw, scale="tiny", seed=11, years=(YEAR,), layout="public")
    mappings = root / "mappings"
    mappings.mkdir()
    for own_name, mapping_name in (("attendance.csv", "sis_attendance.yaml"),
                                   ("survey_responses.csv", "survey_vendor.yaml")):
        shutil.copy(EXAMPLES / mapping_name, mappings / mapping_name)
        mapping = example(mapping_name)
        own = pd.read_csv(raw / YEAR / own_name, dtype=str, keep_default_na=False)
        export_of(own, mapping).to_csv(raw / YEAR / mapping["file"], index=False)
        (raw / YEAR / own_name).unlink()
    mp = pytest.MonkeyPatch()
    mp.setenv("DAGSTER_HOME", str(root / "home"))
    mp.setenv("SCORECARDS_MAPPINGS_DIR", str(mappings))
    (root / "home").mkdir()
    try:
        code = main(["run", "--year", YEAR, "--raw", str(raw), "--out", str(root / "out"), "--quiet"])
    finally:
        mp.undo()
    return root, code


def test_public_layouts_and_mapped_exports_make_every_scorecard(run):
    root, code = run
    assert code == 0
    con = duckdb.connect(str(root / "out" / "scorecards.duckdb"), read_only=True)
    files = dict(con.execute("SELECT source, file FROM ingest_files WHERE school_year = ?", [YEAR]).fetchall())
    assert files["directory"] == "raw/pubschls.txt"
    assert files["enrollment"] == "raw/2023-24/cdenroll2324.txt"
    assert files["attendance"] == "raw/2023-24/sis_attendance_export.csv"
    assert files["survey_responses"] == "raw/2023-24/climate_survey_export.csv"
    schools = [r[0] for r in con.execute("SELECT cds FROM validated_directory WHERE school_year = ?", [YEAR]).fetchall()]
    assert len(schools) == 4
    assert con.execute("SELECT count(*) FROM validated_attendance").fetchone()[0] > 100
    origins = con.execute("SELECT source, note FROM ingest_notes WHERE kind = 'origin'").fetchall()
    assert {s for s, _ in origins} == {"directory", "enrollment", "attendance", "survey_responses"}
    for cds in schools:
        assert (root / "out" / YEAR / "schools" / cds / "scorecard.en.pdf").stat().st_size > 0
    report = (root / "out" / YEAR / "validation" / "report.html").read_text(encoding="utf-8")
    assert "from CDE&#39;s Public Schools file" in report or "from CDE's Public Schools file" in report
