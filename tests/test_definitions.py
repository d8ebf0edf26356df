"""The Dagster definitions load, and their shape is a reviewed snapshot (a rename shows up here)."""
from __future__ import annotations

import dagster as dg

from pipeline.definitions import defs
from pipeline.sources import SOURCES

SCORE_AND_LATER = {"validation_report", "attendance", "indicator_results", "growth", "climate",
                   "equity_index", "school_rating", "published_tables", "scorecards", "deliver"}


def test_definitions_load():
    repo = defs.get_repository_def()
    assert repo.get_all_jobs()


def test_asset_snapshot():
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys == {f"validated_{s}" for s in SOURCES} | SCORE_AND_LATER
    groups = {k.to_user_string(): graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert groups["validated_attendance"] == "ingest"
    assert groups["validation_report"] == "validate"
    assert groups["indicator_results"] == "score"
    assert groups["scorecards"] == "render"
    assert groups["deliver"] == "deliver"
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description and len(node.description) > 40, f"{key} needs a docstring for the UI"
        assert node.partitions_def is not None
        assert node.owners == ["team:district-data-office"]


def test_checks_snapshot():
    checks = {(k.asset_key.to_user_string(), k.name) for k in defs.resolve_asset_graph().asset_check_keys}
    assert ("validated_attendance", "rows_reconcile") in checks
    assert ("validated_directory", "required_source_present") in checks
    assert ("validated_community", "required_source_present") not in checks
    assert ("indicator_results", "matches_published") in checks


def test_job_and_partitions():
    job = defs.resolve_job_def("yearly_scorecards")
    assert job.partitions_def.get_partition_keys() == ["2021-22", "2022-23", "2023-24"]
    assert isinstance(job.executor_def, dg.ExecutorDefinition)
