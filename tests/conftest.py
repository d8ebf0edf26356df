"""Shared fixtures: where the real CDE files are, and a throw-away Dagster home."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
REALDATA = Path(os.environ.get("SCORECARDS_REALDATA", REPO.parent / "shared" / "realdata")) / "ca_dashboard"


@pytest.fixture
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip(f"real CDE files not present at {REALDATA} (they are never copied into the repository)")
    return REALDATA


@pytest.fixture
def dagster_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


# --- one end-to-end run of the 'tiny' sample per session (tests/test_pipeline.py, tests/test_output_privacy.py)

TINY_YEARS = ("2022-23", "2023-24")


@pytest.fixture(scope="session")
def tiny_pipeline_run(tmp_path_factory):
    """The 'tiny' sample (seed 11) run end to end for 2022-23 then 2023-24, once per session.

    Yields ``(root, exit codes)``; ``root`` holds ``raw/``, ``out/`` and ``dagster_home/``. The run
    sets ``DAGSTER_HOME`` only while it runs: a module that runs the CLI again sets it itself.
    Tests may add files under ``out/`` (delivery, a re-run) but must not change the inputs.
    """
    from pipeline.cli import main
    from pipeline.sample import generate

    root = tmp_path_factory.mktemp("e2e")
    home = root / "dagster_home"
    home.mkdir()
    mp = pytest.MonkeyPatch()
    mp.setenv("DAGSTER_HOME", str(home))
    try:
        generate(root / "raw", scale="tiny", seed=11)
        codes = [main(["run", "--year", y, "--raw", str(root / "raw"), "--out", str(root / "out"), "--quiet"])
                 for y in TINY_YEARS]
    finally:
        mp.undo()
    yield root, codes


def student_id_pattern(raw: Path):
    """A regex matching every student id (ssid) and survey response id in the raw exports."""
    import csv
    import re

    ids = set()
    for path in Path(raw).rglob("*.csv"):
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                ids.update(v for k, v in row.items() if k in ("ssid", "response_id") and v)
    assert len(ids) > 1000
    return re.compile("|".join(sorted(map(re.escape, ids), key=len, reverse=True)))
