"""Rendering split into batches of schools gives the same files as one batch (scale-out on paper)."""
from __future__ import annotations

import json

import pytest

from pipeline import warehouse
from pipeline.cli import main
from pipeline.config import load_settings
from pipeline.publish import publish_year
from pipeline.sample import generate

YEAR = "2023-24"


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    root = tmp_path_factory.mktemp("batches")
    (root / "home").mkdir()
    (root / "home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    mp = pytest.MonkeyPatch()
    mp.setenv("DAGSTER_HOME", str(root / "home"))
    generate(root / "raw", scale="tiny", seed=21)
    assert main(["run", "--year", YEAR, "--raw", str(root / "raw"), "--out", str(root / "out"), "--quiet"]) == 0
    yield root
    mp.undo()


def manifest(folder):
    files = json.loads((folder / "manifest.json").read_text())["files"]
    return {k: v for k, v in files.items() if k.startswith("schools/") or k == "index.html"}


def test_two_batches_equal_one(scored, tmp_path):
    settings = load_settings()
    with warehouse.connect(scored / "out" / "scorecards.duckdb", read_only=True) as con:
        schools = sorted(r[0] for r in con.execute(
            "SELECT cds FROM validated_directory WHERE school_year = ?", [YEAR]).fetchall())
        one = publish_year(con, YEAR, tmp_path / "one", settings, workers=1)
        first = publish_year(con, YEAR, tmp_path / "batched", settings, only=schools[:2], workers=1)
        second = publish_year(con, YEAR, tmp_path / "batched", settings, only=schools[2:], workers=1)
    assert len(one.rendered) == 2 * len(schools)
    assert len(first.rendered) + len(second.rendered) == len(one.rendered)
    assert manifest(tmp_path / "one") == manifest(tmp_path / "batched")
    assert len(manifest(tmp_path / "one")) == 5 * len(schools) + 1  # 2 HTML, 2 PDF, 1 CSV each; the index
