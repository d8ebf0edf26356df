"""Rendering split into batches of schools gives the same files as one batch (scale-out on paper)."""
from __future__ import annotations

import json

import pytest

from pipeline import warehouse
from pipeline.config import load_settings
from pipeline.publish import publish_year

pytestmark = pytest.mark.slow  # renders a year twice from the end-to-end run

YEAR = "2023-24"


@pytest.fixture(scope="module")
def scored(tiny_pipeline_run):
    """The session's end-to-end run: its warehouse is only read here."""
    root, codes = tiny_pipeline_run
    assert codes == [0, 0]
    return root


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
    # 2 HTML, 2 PDF, 2 CSV and 2 .xlsx each (English and Spanish); the index
    assert len(manifest(tmp_path / "one")) == 8 * len(schools) + 1
