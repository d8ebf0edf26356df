"""A person approves before principals are e-mailed: no schedule or sensor sends, a send names its
approver, and only a validated, rendered year's own PDFs go out (real SMTP server on 127.0.0.1)."""
from __future__ import annotations

import email
import email.policy
import shutil

import dagster as dg
import pytest

from assets.definitions import build_defs, defs
from assets.resources import Mailer, ScorecardFiles
from assets.schedules import nightly_refresh
from pipeline import warehouse
from pipeline.cli import main
from pipeline.delivery import LEDGER, ReleaseRefused, deliver_year
from tests.delivery_setup import APPROVER, release_year
from tests.test_delivery import A, B, SENDER, YEAR, _mailer, _settings, server, smtp, year  # noqa: F401


def _smtp_env(monkeypatch, port):
    for k, v in {"SCORECARDS_SMTP_HOST": "127.0.0.1", "SCORECARDS_SMTP_PORT": str(port),
                 "SCORECARDS_SMTP_STARTTLS": "0", "SCORECARDS_SMTP_SENDER": SENDER}.items():
        monkeypatch.setenv(k, v)


def test_schedules_and_sensors_start_only_the_job_that_never_sends():
    repo = defs.get_repository_def()
    making = defs.resolve_job_def("yearly_scorecards").asset_layer.executable_asset_keys
    assert dg.AssetKey("deliver") not in making and dg.AssetKey("scorecards") in making
    assert defs.resolve_job_def("deliver_scorecards").asset_layer.executable_asset_keys == {dg.AssetKey("deliver")}
    assert {s.job_name for s in repo.schedule_defs} | {s.job_name for s in repo.sensor_defs} == {"yearly_scorecards"}


def test_send_needs_a_named_approver(year, smtp, monkeypatch, capsys):
    handler, port = smtp
    _smtp_env(monkeypatch, port)
    assert main(["deliver", "--year", YEAR, "--send", "--out", str(year.out)]) == 2
    assert "--send needs --approved-by NAME" in capsys.readouterr().err
    with pytest.raises(ReleaseRefused, match="a person must approve sending"):
        deliver_year(YEAR, year.year_dir(YEAR), year.warehouse_path, _settings(port), send=True, approved_by="  ")
    assert handler.messages == []

    assert main(["deliver", "--year", YEAR, "--send", "--approved-by", APPROVER, "--out", str(year.out)]) == 0
    assert len(handler.messages) == 2
    with warehouse.connect(year.warehouse_path, read_only=True) as con:
        rows = con.execute(f"SELECT status, approved_by FROM {LEDGER} WHERE status IN ('sending', 'sent')").fetchall()
    assert rows and set(rows) <= {("sending", APPROVER), ("sent", APPROVER)}
    assert f"sent, approved by {APPROVER}" in capsys.readouterr().out


def test_dry_run_shows_exactly_what_would_be_sent(year, smtp, monkeypatch, capsys):
    handler, port = smtp
    _smtp_env(monkeypatch, port)
    assert main(["deliver", "--year", YEAR, "--out", str(year.out)]) == 0
    out = capsys.readouterr().out
    assert "dry run: what --send would send" in out and "ana.alvarez@district.example.org" in out
    assert "scorecard.en.pdf, scorecard.es.pdf" in out and handler.messages == []
    outbox = year.year_dir(YEAR) / "outbox"
    drafts = {p.stem: email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in outbox.glob("*.eml")}
    assert set(drafts) == {A, B}
    assert main(["deliver", "--year", YEAR, "--send", "--approved-by", APPROVER, "--out", str(year.out)]) == 0
    for _, sent in handler.messages:  # the very messages the dry run showed: same id, recipient, subject, files
        cds = sent["Message-ID"].split(".")[2]
        draft = drafts[cds]
        for header in ("Message-ID", "To", "Subject", "From"):
            assert sent[header] == draft[header]
        assert [p.get_content() for p in sent.iter_attachments()] == [p.get_content() for p in draft.iter_attachments()]


def test_only_a_validated_rendered_year_and_its_own_pdfs_are_sent(year, smtp):
    handler, port = smtp

    def send():
        return deliver_year(YEAR, year.year_dir(YEAR), year.warehouse_path, _settings(port), send=True,
                            approved_by=APPROVER, retry_delay=0)

    manifest = year.year_dir(YEAR) / "manifest.json"
    kept = manifest.read_bytes()
    manifest.unlink()
    with pytest.raises(ReleaseRefused, match="it was never rendered"):
        send()
    manifest.write_bytes(kept)
    with warehouse.connect(year.warehouse_path) as con:
        con.execute("UPDATE ingest_files SET provided = false WHERE source = 'attendance'")
        con.execute("UPDATE ingest_files SET rows_read = rows_read + 1 WHERE source = 'directory'")
    with pytest.raises(ReleaseRefused) as refused:
        send()
    assert refused.value.problems == [
        "required source attendance or calpads_stas is missing (check required_source_present)",
        "directory: rows read 5 != kept 4 + quarantined 0 (check rows_reconcile)"]
    dry = deliver_year(YEAR, year.year_dir(YEAR), year.warehouse_path, _settings(port), send=False)
    assert dry.release_problems == refused.value.problems  # the dry run says why nothing would go
    assert handler.messages == []

    release_year(year.out, YEAR)
    (year.year_dir(YEAR) / "schools" / A / "scorecard.es.pdf").write_bytes(b"%PDF-1.4\n% edited by hand\n%%EOF\n")
    summary = send()
    assert [o.cds for o in summary.sent] == [B]
    assert [(o.cds, o.error) for o in summary.no_pdf if o.cds == A] == [
        (A, "missing scorecard.es.pdf (not the rendered file: differs from manifest.json)")]
    assert len(handler.messages) == 1


def _deliver_run(year, port, tags=None, send="1", config=None):
    resources = {"files": ScorecardFiles(out_dir=str(year.out)), "mailer": _mailer(port, send=send)}
    job = build_defs(resources).resolve_job_def("deliver_scorecards")
    return job.execute_in_process(partition_key=YEAR, raise_on_error=False, tags=tags or {},
                                  run_config={"ops": {"deliver": {"config": config or {}}}})


def _failure(result) -> str:
    """The step's one-line reason; a refusal is a handled stop: no Python stack under it."""
    error = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE").step_failure_data.error
    assert error.stack == [], error.stack
    return error.message


def test_delivery_job_sends_only_when_a_person_approves_it(year, smtp):
    handler, port = smtp
    approved = {"send": True, "approved_by": APPROVER}
    dry = _deliver_run(year, port)
    assert dry.success and handler.messages == []  # the default is a dry run, even with sending switched on
    started = _deliver_run(year, port, tags={"dagster/schedule_name": "nightly_refresh"}, config=approved)
    assert not started.success and "started by nightly_refresh: schedules and sensors never send" in _failure(started)
    off = _deliver_run(year, port, send=None, config=approved)
    assert not off.success and "sending is switched off on this deployment" in _failure(off)
    nobody = _deliver_run(year, port, config={"send": True})
    assert not nobody.success and "set approved_by to your name" in _failure(nobody)
    assert handler.messages == []
    sent = _deliver_run(year, port, config=approved)
    assert sent.success and len(handler.messages) == 2
    meta = sent.asset_materializations_for_node("deliver")[0].metadata
    assert meta["mode"].value == f"send, approved by {APPROVER}" and meta["messages_sent"].value == 2


@pytest.mark.slow
def test_nightly_run_with_sending_switched_on_sends_nothing(tiny_raw, tmp_path, smtp, dagster_home):
    """The schedule's own run request, through the job it names, on the tiny sample: everything
    rendered, SCORECARDS_SMTP_SEND=1 and a real SMTP server, and not one message."""
    handler, port = smtp
    raw = tmp_path / "raw"
    shutil.copytree(tiny_raw, raw)
    context = dg.build_schedule_context(scheduled_execution_time=__import__("datetime").datetime(2024, 3, 5, 2),
                                        repository_def=defs.get_repository_def())
    request = nightly_refresh.evaluate_tick(context).run_requests[0]
    resources = {"files": ScorecardFiles(raw_dir=str(raw), out_dir=str(tmp_path / "out")),
                 "mailer": Mailer(host="127.0.0.1", port=str(port), starttls="0", sender=SENDER, send="1")}
    job = build_defs(resources).resolve_job_def(nightly_refresh.job_name)
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(partition_key=request.partition_key, instance=instance,
                                        tags={**request.tags, "dagster/schedule_name": nightly_refresh.name})
    assert result.success
    assert list((tmp_path / "out" / request.partition_key / "schools").glob("*/scorecard.en.pdf"))
    assert handler.messages == []
    assert not (tmp_path / "out" / request.partition_key / "outbox").exists()
