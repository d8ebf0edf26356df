"""The Dagster definitions load, and their shape is a reviewed snapshot (a rename shows up here).

The snapshot is ``tests/__snapshots__/test_definitions/test_definitions_snapshot.json``: every
asset with its deps, group, kinds, owners, partitions and pool; every check with ``blocking``;
the job, the schedule and the sensor. After an intended change, review the diff of
``pytest tests/test_definitions.py --snapshot-update``.
"""
from __future__ import annotations

import os

import dagster as dg
import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from assets.definitions import build_defs, defs
from assets.resources import Mailer, ScorecardFiles, files_run_config, resources_from_env
from pipeline.folders import DEFAULT_OUT_DIR, DEFAULT_RAW_DIR
from pipeline.sources import SOURCES

SCORE_AND_LATER = {"validation_report", "attendance", "indicator_results", "growth", "climate",
                   "equity_index", "school_rating", "published_tables", "scorecards", "deliver"}


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


def _partitions(partitions_def) -> str | None:
    if partitions_def is None:
        return None
    return f"{type(partitions_def).__name__}: {', '.join(partitions_def.get_partition_keys())}"


def definitions_shape(definitions: dg.Definitions) -> dict:
    """What others rely on, as plain sorted data: names, keys, groups, kinds, pools, triggers."""
    graph = definitions.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "deps": sorted(k.to_user_string() for k in node.parent_keys),
            "group": node.group_name,
            "kinds": sorted(node.kinds),
            "owners": list(node.owners),
            "partitions": _partitions(node.partitions_def),
            "pool": sorted(node.pools or []),
            "has_description": bool(node.description and len(node.description) > 40),
        }
    checks = {}
    for check_key in sorted(graph.asset_check_keys, key=lambda k: (k.asset_key.to_user_string(), k.name)):
        spec = graph.get_check_spec(check_key)
        checks[f"{check_key.asset_key.to_user_string()}:{check_key.name}"] = {
            "blocking": spec.blocking, "has_description": bool(spec.description)}
    jobs = {}
    for job in sorted(definitions.jobs, key=lambda j: j.name):
        resolved = definitions.resolve_job_def(job.name)
        policy = resolved.op_retry_policy
        jobs[job.name] = {
            "selection": str(job.selection),
            "assets": len(resolved.asset_layer.executable_asset_keys),
            "retry_policy": {"max_retries": policy.max_retries, "delay": policy.delay} if policy else None,
            "executor": resolved.executor_def.name,
            "partitions": _partitions(resolved.partitions_def),
        }
    schedules = {s.name: {"job": s.job_name, "cron": s.cron_schedule, "timezone": s.execution_timezone,
                          "default_status": s.default_status.value}
                 for s in sorted(definitions.schedules, key=lambda s: s.name)}
    sensors = {s.name: {"job": s.job_name, "minimum_interval_seconds": s.minimum_interval_seconds,
                        "default_status": s.default_status.value}
               for s in sorted(definitions.sensors, key=lambda s: s.name)}
    return {"assets": assets, "checks": checks, "jobs": jobs, "schedules": schedules, "sensors": sensors}


def test_definitions_load():
    repo = defs.get_repository_def()
    assert repo.get_all_jobs()


def test_definitions_snapshot(snapshot_json):
    assert definitions_shape(defs) == snapshot_json


def test_every_source_and_stage_is_an_asset_with_a_description():
    shape = definitions_shape(defs)
    assert set(shape["assets"]) == {f"validated_{s}" for s in SOURCES} | SCORE_AND_LATER
    assert all(a["has_description"] for a in shape["assets"].values()), "every asset needs a docstring for the UI"
    assert all(c["has_description"] for c in shape["checks"].values())


def test_resources_bind_only_the_variables_that_are_set():
    # Dagster refuses to start a run whose EnvVar names an unset variable: unset means the default
    unset = resources_from_env({})
    assert (unset["files"].raw_dir, unset["files"].out_dir) == (DEFAULT_RAW_DIR, DEFAULT_OUT_DIR)
    assert unset["mailer"] == Mailer()
    bound = resources_from_env({"SCORECARDS_OUT_DIR": "/srv/out", "SCORECARDS_SMTP_HOST": "", "SCORECARDS_SMTP_SEND": "1"})
    assert isinstance(bound["files"].out_dir, dg.EnvVar) and bound["files"].out_dir == "SCORECARDS_OUT_DIR"
    assert bound["files"].raw_dir == DEFAULT_RAW_DIR
    assert bound["mailer"].host is None and bound["mailer"].send == "SCORECARDS_SMTP_SEND"


def test_the_same_definitions_with_other_resources():
    files = ScorecardFiles(raw_dir="/data/raw", out_dir="/data/out")
    other = build_defs({"files": files, "mailer": Mailer()})
    assert definitions_shape(other) == definitions_shape(defs)
    resolved = other.resolve_job_def("yearly_scorecards").resource_defs["files"]
    assert resolved.config_schema.default_value == {"raw_dir": "/data/raw", "out_dir": "/data/out"}


def test_cli_folders_are_the_files_resource_run_config(tmp_path, monkeypatch):
    """``scorecards run --raw`` gives its folder as run config; the other keeps its variable."""
    monkeypatch.setenv("SCORECARDS_OUT_DIR", str(tmp_path / "out"))
    config = files_run_config(os.environ, raw_dir=str(tmp_path / "raw"))
    assert config == {"config": {"raw_dir": str(tmp_path / "raw"), "out_dir": {"env": "SCORECARDS_OUT_DIR"}}}
    with dg.build_resources({"files": ScorecardFiles()}, resource_config={"files": config}) as resources:
        assert (resources.files.raw, resources.files.out) == (tmp_path / "raw", tmp_path / "out")
    assert files_run_config({}, out_dir="/x") == {"config": {"raw_dir": DEFAULT_RAW_DIR, "out_dir": "/x"}}
