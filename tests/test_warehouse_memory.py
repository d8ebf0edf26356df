"""The warehouse's DuckDB stays within a memory budget (it spills to disk beyond it)."""
from __future__ import annotations

import pytest

from pipeline import warehouse


def _limit(path) -> str:
    with warehouse.connect(path) as con:
        return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]


def test_default_budget_is_well_under_the_machine(tmp_path, monkeypatch):
    monkeypatch.delenv(warehouse.MEMORY_ENV, raising=False)
    assert _limit(tmp_path / "w.duckdb") == "2.7 GiB"  # 3GB, not DuckDB's 80 % of memory


def test_budget_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(warehouse.MEMORY_ENV, "1500MB")
    assert _limit(tmp_path / "w.duckdb") == "1.3 GiB"


def test_a_budget_that_is_not_a_size_is_refused_in_words(tmp_path, monkeypatch):
    monkeypatch.setenv(warehouse.MEMORY_ENV, "lots")
    with pytest.raises(ValueError, match="SCORECARDS_DUCKDB_MEMORY='lots' is not a memory size"):
        _limit(tmp_path / "w.duckdb")
