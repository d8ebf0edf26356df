"""The ingest step: every export in one Dagster step, a rejected file named, the others kept."""
from __future__ import annotations

import dagster as dg
import pytest

from assets.ingest import ingest_assets
from pipeline.resources import ScorecardFiles
from pipeline.sample import generate
from pipeline.warehouse import connect

YEAR = "2023-24"


@pytest.fixture(scope="module")
def tiny_raw(tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    generate(raw, scale="tiny", seed=7)
    return raw


def materialize(raw, out, instance):
    return dg.materialize(ingest_assets, partition_key=YEAR, instance=instance, raise_on_error=False,
                          resources={"files": ScorecardFiles(raw_dir=str(raw), out_dir=str(out))})


def test_every_source_is_one_asset_of_one_step(tiny_raw, tmp_path, dagster_home):
    from pipeline.sources import SOURCES

    with dg.instance_for_test() as instance:
        result = materialize(tiny_raw, tmp_path / "out", instance)
    assert result.success
    done = {e.asset_key.path[-1] for e in result.get_asset_materialization_events()
            for e in [e.event_specific_data.materialization]}
    assert done == {f"validated_{name}" for name in SOURCES}
    assert len({e.step_key for e in result.all_events if e.step_key}) == 1
    checks = [e for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert checks and all(e.event_specific_data.passed for e in checks
                          if e.event_specific_data.check_name == "rows_reconcile")


def test_a_rejected_file_fails_the_step_by_name_and_the_others_are_stored(tiny_raw, tmp_path, dagster_home):
    import shutil

    raw = tmp_path / "raw"
    shutil.copytree(tiny_raw, raw)
    (raw / YEAR / "attendance.csv").write_bytes("ssid,cds\n1,2\n".encode("utf-16"))
    with dg.instance_for_test() as instance:
        result = materialize(raw, tmp_path / "out", instance)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    description = failure.event_specific_data.user_failure_data.description
    assert "attendance.csv" in description and "UTF-16" in description
    with connect(tmp_path / "out" / "scorecards.duckdb", read_only=True) as con:
        files = dict(con.execute("SELECT source, problem FROM ingest_files WHERE school_year = ?", [YEAR]).fetchall())
        directory_rows = con.execute("SELECT count(*) FROM validated_directory").fetchall()[0][0]
    from pipeline.sources import SOURCES

    assert "UTF-16" in files["attendance"]
    # every other file, before and after attendance in the order of reading, is stored
    assert {k for k, v in files.items() if v is None} == set(SOURCES) - {"attendance"}
    assert directory_rows > 0
