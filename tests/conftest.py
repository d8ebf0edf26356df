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
