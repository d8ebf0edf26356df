"""The yearly job against a real PostgreSQL server, with the storage block documented in dagster.yaml.

The server comes from the pgserver wheel (PostgreSQL's binaries inside a Python package): the test
starts it on a Unix socket in a temporary folder and stops it afterwards.
"""
from __future__ import annotations

import re
from pathlib import Path

import dagster as dg
import pgserver  # a PostgreSQL server in a wheel (the test extra): missing, the suite fails, not skips
import pytest

from assets.definitions import build_defs
from assets.resources import Mailer, ScorecardFiles

pytestmark = pytest.mark.slow  # a PostgreSQL server and a whole yearly run

REPO = Path(__file__).resolve().parent.parent


def documented_storage_block() -> str:
    """The commented PostgreSQL example of dagster.yaml, uncommented."""
    text = (REPO / "dagster.yaml").read_text()
    block = re.search(r"^# storage:\n(?:^#   .*\n)+", text, re.M)
    assert block, "dagster.yaml no longer documents the PostgreSQL storage block"
    return "\n".join(line[2:] for line in block.group(0).splitlines()) + "\n"


def test_yearly_job_runs_on_postgres_storage(tmp_path, monkeypatch, tiny_raw):
    server = pgserver.get_server(tmp_path / "pgdata", cleanup_mode="stop")
    try:
        # SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3; dagster-postgres ships psycopg2
        monkeypatch.setenv("SCORECARDS_PG_URL", server.get_uri().replace("postgresql://", "postgresql+psycopg2://", 1))
        home = tmp_path / "home"
        home.mkdir()
        (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n" + documented_storage_block())
        defs = build_defs({"files": ScorecardFiles(raw_dir=str(tiny_raw), out_dir=str(tmp_path / "out")),
                           "mailer": Mailer()})
        with dg.DagsterInstance.from_config(str(home)) as instance:
            assert type(instance.run_storage).__name__ == "PostgresRunStorage"
            job = defs.resolve_job_def("yearly_scorecards")
            result = job.execute_in_process(partition_key="2023-24", instance=instance)
            assert result.success
            runs = instance.get_runs()
            assert [r.tags.get("dagster/partition") for r in runs] == ["2023-24"]
        count = server.psql("SELECT count(*) FROM runs;")
        assert re.search(r"^\s*1\s*$", count, re.M), count
        assert list((tmp_path / "out" / "2023-24" / "schools").iterdir())
    finally:
        server.cleanup()
