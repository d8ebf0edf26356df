"""What an analyst sees in the Dagster UI, checked over Dagster's GraphQL (the API the UI itself
reads) on the session's end-to-end run, and the commands around it: checks per school year,
no host/pid tags, a re-render job with described fields, the quarantine-share warning, `make dev`
stopping on Ctrl-C."""
from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import dagster as dg
import psutil
import pytest

from assets.checks import ingest_check_results
from assets.definitions import defs
from pipeline.cli import _run_warnings
from pipeline.config import load_settings
from pipeline.reconcile import Reconciliation
from pipeline.sources import SOURCES

REPO = Path(__file__).resolve().parent.parent

CHECKS_QUERY = """
query Checks($path: [String!]!, $check: String!) {
  assetCheckExecutions(assetKey: {path: $path}, checkName: $check, limit: 10) {
    partition status runId evaluation { partition severity description }
  }
}"""
RUNS_QUERY = """
query { runsOrError { ... on Runs { results { runId jobName tags { key value } } } } }"""


@pytest.fixture(scope="module")
def graphql(tiny_pipeline_run):
    from dagster_graphql.test.utils import define_out_of_process_context, execute_dagster_graphql

    root, codes = tiny_pipeline_run
    assert codes == [0, 0]
    with dg.DagsterInstance.from_config(str(root / "dagster_home")) as instance:
        with define_out_of_process_context(str(REPO / "assets" / "definitions.py"), "defs", instance) as context:
            yield lambda query, variables=None: execute_dagster_graphql(context, query, variables).data


@pytest.mark.slow
def test_checks_are_shown_per_school_year(graphql):
    for asset, check in (("validated_attendance", "required_source_present"), ("validated_enrollment", "rows_reconcile"),
                         ("indicator_results", "matches_published")):
        executions = graphql(CHECKS_QUERY, {"path": [asset], "check": check})["assetCheckExecutions"]
        # each year its own result (other tests of the session may run a year again)
        assert {e["partition"] for e in executions} == {"2022-23", "2023-24"}, (asset, check, executions)
        assert all(e["evaluation"]["partition"] == e["partition"] for e in executions)


@pytest.mark.slow
def test_runs_carry_no_host_or_pid_tags(graphql):
    runs = graphql(RUNS_QUERY)["runsOrError"]["results"]
    assert len(runs) >= 2 and {r["jobName"] for r in runs} == {"yearly_scorecards"}
    keys = {t["key"] for r in runs for t in r["tags"]}
    assert not {k for k in keys if k.startswith("scorecards/")}, keys


def test_rerender_job_runs_only_rendering_with_described_fields():
    job = defs.resolve_job_def("rerender_schools")
    assert job.asset_layer.executable_asset_keys == {dg.AssetKey("scorecards")}
    fields = job.run_config_schema.config_type.fields["ops"].config_type.fields["scorecards"].config_type \
        .fields["config"].config_type.fields
    assert set(fields) == {"schools", "force"}
    assert "CDS codes" in fields["schools"].description and "even when nothing changed" in fields["force"].description
    deliver = defs.resolve_job_def("deliver_scorecards").run_config_schema.config_type.fields["ops"].config_type \
        .fields["deliver"].config_type.fields["config"].config_type.fields
    assert "approves sending" in deliver["approved_by"].description and "dry run" in deliver["send"].description


def test_a_failure_that_cannot_pass_is_not_run_again():
    import yaml

    retries = yaml.safe_load((REPO / "dagster.yaml").read_text())["run_retries"]
    assert retries == {"enabled": True, "max_retries": 2, "retry_on_asset_or_op_failure": False}


def test_quarantine_share_warns_in_the_ui_and_on_the_command_line(tmp_path):
    from pipeline import warehouse
    from pipeline.ingest import file_frame

    counts = Reconciliation(provided=True, rows_read=1000, rows_kept=4, rows_quarantined=996)
    results = {r.check_name: r for r in ingest_check_results(SOURCES["attendance"], True, counts, 0.05)}
    share = results["quarantine_share"]
    assert not share.passed and share.severity == dg.AssetCheckSeverity.WARN
    assert share.metadata["share"].value == 0.996
    db = tmp_path / "scorecards.duckdb"
    with warehouse.connect(db) as con:
        warehouse.replace_rows(con, "ingest_files", file_frame(
            source="attendance", file="raw/2023-24/attendance.csv", provided=True, rows_read=1000, rows_kept=4,
            rows_quarantined=996), {"school_year": "2023-24", "source": "attendance"})
    assert _run_warnings(db, "2023-24", load_settings()) == [
        "raw/2023-24/attendance.csv: 99.6% of its rows quarantined (996 of 1,000; threshold 5%, "
        "config/settings.yaml validation.quarantine_warn_share): see the validation report"]


def _dev_processes(port: str) -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter(["cmdline", "environ"]):
        try:
            if port in " ".join(p.info["cmdline"] or []) or (p.info["environ"] or {}).get("SCORECARDS_TEST_DEV") == port:
                found.append(p)
        except psutil.Error:
            continue
    return found


@pytest.mark.slow
def test_make_dev_stops_cleanly_on_ctrl_c(tmp_path):
    """Ctrl-C in a terminal is SIGINT to the foreground process group: make, dagster dev and all
    it started must be gone within seconds."""
    port = "3931"
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
    env = {**os.environ, "DAGSTER_HOME": str(home), "SCORECARDS_TEST_DEV": port}
    make = subprocess.Popen(["make", "dev", f"DEV_PORT={port}", f"DAGSTER_HOME={home}"], cwd=REPO, env=env,
                            start_new_session=True, stdout=open(tmp_path / "dev.log", "w"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline and make.poll() is None, (tmp_path / "dev.log").read_text()[-2000:]
                time.sleep(1)
        assert len(_dev_processes(port)) >= 3  # dagster dev, its webserver and daemon (and code servers)
        os.killpg(make.pid, signal.SIGINT)
        deadline = time.monotonic() + 30
        while _dev_processes(port) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _dev_processes(port) == [], (tmp_path / "dev.log").read_text()[-2000:]
        assert "Dagster services shut down." in (tmp_path / "dev.log").read_text()
    finally:
        for p in _dev_processes(port):
            p.kill()
