"""Delivery to principals, against a real SMTP server on 127.0.0.1 (aiosmtpd) and a tmp warehouse.

The year folder is hand-made: a directory frame and tiny fake PDFs; nothing is rendered.
"""
from __future__ import annotations

import email
import email.policy
import logging
import socket

import dagster as dg
import duckdb
import pandas as pd
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from pipeline import warehouse
from pipeline.delivery import (
    LEDGER,
    deliver_directory,
    deliver_year,
    delivery_status,
    record,
)
from pipeline.mailer import Mailer, MailerConfigError, SmtpSettings, send_email
from pipeline.resources import ScorecardFiles

YEAR = "2023-24"
A, B, C, D = "01100170000001", "01100170000002", "01100170000003", "01100170000004"
SENDER = "scorecards@district.example.org"
USER, PASSWORD = "scorecards", "S3cret-Pa55w0rd!"


class Collector:
    """Keeps every accepted message; refuses chosen recipients with a chosen reply."""

    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.refuse: dict[str, str] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 Message accepted"


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)  # handled=False: the server replies 535 itself


@pytest.fixture(scope="module")
def server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=port,
                            authenticator=_authenticate, auth_require_tls=False)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def smtp(server):
    handler, port = server
    handler.messages.clear()
    handler.refuse.clear()
    return handler, port


def _pdf(school: str, lang: str, version: int = 1) -> bytes:
    return f"%PDF-1.4\n% fake scorecard {school} {lang} v{version}\n%%EOF\n".encode()


DIRECTORY = pd.DataFrame([
    # A: English first, both PDFs. B: Spanish first, both PDFs. C: no address. D: the es PDF is missing.
    {"cds": A, "school_name": "Alder Elementary", "principal_name": "Ana Alvarez",
     "principal_email": "ana.alvarez@district.example.org", "languages": "en;es"},
    {"cds": B, "school_name": "Birch Middle", "principal_name": "Beto Baca",
     "principal_email": "beto.baca@district.example.org", "languages": "es;en"},
    {"cds": C, "school_name": "Cedar High", "principal_name": "Carla Cruz",
     "principal_email": None, "languages": "en;es"},
    {"cds": D, "school_name": "Dogwood K-8", "principal_name": "Dan Diaz",
     "principal_email": "dan.diaz@district.example.org", "languages": "en;es"},
])


@pytest.fixture
def year(tmp_path):
    out = tmp_path / "out"
    year_dir = out / YEAR
    for cds, langs in ((A, "en es"), (B, "es en"), (C, "en es"), (D, "en")):
        folder = year_dir / "schools" / cds
        folder.mkdir(parents=True)
        for lang in langs.split():
            (folder / f"scorecard.{lang}.pdf").write_bytes(_pdf(cds, lang))
        (folder / "data.csv").write_text("not an attachment\n")
    with warehouse.connect(out / "scorecards.duckdb") as con:
        warehouse.replace_rows(con, "validated_directory", DIRECTORY, {"school_year": YEAR})
    return ScorecardFiles(out_dir=str(out))


def _mailer(port: int, **kw) -> Mailer:
    return Mailer(host="127.0.0.1", port=port, starttls=False, sender=SENDER,
                  attempts_per_run=2, retry_delay=0, timeout=5, **kw)


def _ledger(files: ScorecardFiles) -> pd.DataFrame:
    with files.warehouse(read_only=True) as con:
        return con.execute(f"SELECT * FROM {LEDGER} ORDER BY cds, updated_at").df()


def _attachments(msg) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in msg.iter_attachments()}


def test_each_principal_gets_only_their_schools_pdfs(year, smtp):
    handler, port = smtp
    summary = deliver_year(year, _mailer(port), YEAR, send=True)

    assert [o.cds for o in summary.sent] == [A, B]
    assert len(handler.messages) == 2
    by_rcpt = {tuple(rcpts): msg for rcpts, msg in handler.messages}
    expected = {A: "ana.alvarez@district.example.org", B: "beto.baca@district.example.org"}
    for cds, address in expected.items():
        msg = by_rcpt[(address,)]  # exactly one envelope recipient: that school's principal
        assert msg["To"].addresses[0].addr_spec == address
        assert _attachments(msg) == {f"scorecard.{lang}.pdf": _pdf(cds, lang) for lang in ("en", "es")}
        assert cds in msg.get_body().get_content()
        other = B if cds == A else A
        assert other not in msg.as_string()
    assert by_rcpt[(expected[A],)]["Subject"] == "School scorecard 2023-24: Alder Elementary"
    spanish = by_rcpt[(expected[B],)]
    assert spanish["Subject"] == "Informe de resultados escolares 2023-24: Birch Middle"
    assert "Estimado/a Beto Baca" in spanish.get_body().get_content()
    assert "español e inglés" in spanish.get_body().get_content()
    assert spanish.get_body()["Content-Language"] == "es"

    assert [o.cds for o in summary.no_address] == [C]
    assert [(o.cds, o.error) for o in summary.no_pdf] == [(D, "missing scorecard.es.pdf")]
    ledger = _ledger(year).set_index("cds")
    assert ledger.loc[A, "status"] == "sent" and ledger.loc[A, "attempts"] == 1
    assert ledger.loc[A, "attachments"] == "scorecard.en.pdf;scorecard.es.pdf"
    assert ledger.loc[C, "status"] == "no_address" and ledger.loc[D, "status"] == "no_pdf"
    md = summary.markdown()
    assert "no_address" in md and "Cedar High" in md

    with year.warehouse(read_only=True) as con:
        status = delivery_status(con, YEAR)
    assert status.set_index("cds")["status"].to_dict() == {A: "sent", B: "sent", C: "no_address", D: "no_pdf"}
    assert status.set_index("cds").loc[A, "last_sent_at"] is not pd.NaT


def test_rerun_sends_nothing_and_a_changed_pdf_resends_only_that_school(year, smtp):
    handler, port = smtp
    deliver_year(year, _mailer(port), YEAR, send=True)
    assert len(handler.messages) == 2

    again = deliver_year(year, _mailer(port), YEAR, send=True)
    assert len(handler.messages) == 2
    assert [o.cds for o in again.skipped_unchanged] == [A, B] and not again.sent

    (year.year_dir(YEAR) / "schools" / B / "scorecard.es.pdf").write_bytes(_pdf(B, "es", version=2))
    changed = deliver_year(year, _mailer(port), YEAR, send=True)
    assert [o.cds for o in changed.sent] == [B]
    assert [o.cds for o in changed.skipped_unchanged] == [A]
    rcpts, msg = handler.messages[-1]
    assert rcpts == ["beto.baca@district.example.org"]
    assert _attachments(msg)["scorecard.es.pdf"] == _pdf(B, "es", version=2)
    ledger = _ledger(year)
    assert len(ledger[(ledger.cds == B) & (ledger.status == "sent")]) == 2  # both versions, as history


def test_refused_recipient_is_recorded_and_retried_next_run(year, smtp):
    handler, port = smtp
    handler.refuse["beto.baca@district.example.org"] = "550 5.1.1 Mailbox unavailable"
    first = deliver_year(year, _mailer(port), YEAR, send=True)
    assert [o.cds for o in first.sent] == [A]
    assert [o.cds for o in first.failed] == [B]
    assert first.failed[0].attempts == 1  # a 5xx is not retried within the run
    row = _ledger(year).set_index("cds").loc[B]
    assert row["status"] == "failed" and "550" in row["error"]

    handler.refuse["beto.baca@district.example.org"] = "451 4.3.0 Try again later"
    second = deliver_year(year, _mailer(port), YEAR, send=True)
    assert [o.cds for o in second.failed] == [B]
    assert second.failed[0].attempts == 3  # 1 earlier + 2 tries (attempts_per_run) for a 4xx

    handler.refuse.clear()
    third = deliver_year(year, _mailer(port), YEAR, send=True)
    assert [o.cds for o in third.sent] == [B] and [o.cds for o in third.skipped_unchanged] == [A]
    assert [r for r, _ in handler.messages] == [["ana.alvarez@district.example.org"],
                                                 ["beto.baca@district.example.org"]]
    row = _ledger(year).set_index("cds").loc[B]
    assert row["status"] == "sent" and row["attempts"] == 4 and pd.isna(row["error"])


def test_dry_run_writes_eml_and_sends_nothing(year, smtp):
    handler, port = smtp
    summary = deliver_year(year, _mailer(port), YEAR, send=False)
    assert handler.messages == []
    assert [o.cds for o in summary.written] == [A, B]
    outbox = year.year_dir(YEAR) / "outbox"
    assert sorted(p.name for p in outbox.iterdir()) == [f"{A}.eml", f"{B}.eml"]
    msg = email.message_from_bytes((outbox / f"{A}.eml").read_bytes(), policy=email.policy.default)
    assert msg["To"].addresses[0].addr_spec == "ana.alvarez@district.example.org"
    assert set(_attachments(msg)) == {"scorecard.en.pdf", "scorecard.es.pdf"}
    assert set(_ledger(year).query("status == 'written'").cds) == {A, B}

    # the nightly dry run again, nothing changed: the outbox and the ledger stay as they are
    before = {p.name: p.stat().st_mtime_ns for p in outbox.iterdir()}
    rows = len(_ledger(year))
    again = deliver_year(year, _mailer(port), YEAR, send=False)
    assert [o.cds for o in again.skipped_unchanged] == [A, B] and again.written == []
    assert {p.name: p.stat().st_mtime_ns for p in outbox.iterdir()} == before and len(_ledger(year)) == rows

    real = deliver_year(year, _mailer(port), YEAR, send=True)  # a dry run never counts as sent
    assert [o.cds for o in real.sent] == [A, B] and len(handler.messages) == 2


def test_interrupted_send_is_sent_again_and_reported(year, smtp):
    handler, port = smtp
    deliver_year(year, _mailer(port), YEAR, send=True)
    ledger = _ledger(year)
    a = ledger[ledger.cds == A].iloc[-1].to_dict()
    (year.year_dir(YEAR) / "schools" / A / "scorecard.en.pdf").write_bytes(_pdf(A, "en", version=2))
    # A run that died after 'sending' was committed, before the reply was recorded:
    summary = deliver_year(year, _mailer(port), YEAR, send=False)  # learn the new checksum (dry run)
    new = summary.written[0]
    with year.warehouse() as con:
        record(con, {**a, "checksum": new.checksum, "status": "sending", "attempts": 1})
        record(con, {**a, "checksum": new.checksum, "status": "sending", "attempts": 1})  # upsert, not append
    rerun = deliver_year(year, _mailer(port), YEAR, send=True)
    assert [o.cds for o in rerun.sent] == [A]
    assert [o.cds for o in rerun.resent_after_interruption] == [A]
    eml = email.message_from_bytes(new.eml.read_bytes(), policy=email.policy.default)
    assert handler.messages[-1][1]["Message-ID"] == eml["Message-ID"]  # same version, same id: dedupable
    assert handler.messages[-1][1]["Message-ID"] != handler.messages[0][1]["Message-ID"]
    row = _ledger(year).query("cds == @A and checksum == @new.checksum")
    assert len(row) == 1 and row.iloc[0]["status"] == "sent" and row.iloc[0]["attempts"] == 2


def test_non_local_host_without_starttls_is_refused(year, smtp, caplog):
    handler, _ = smtp
    remote = SmtpSettings(host="smtp.district.example.org", port=25, starttls=False,
                          user=USER, password=PASSWORD, sender=SENDER)
    with pytest.raises(MailerConfigError, match="without STARTTLS") as err:
        remote.check()
    assert PASSWORD not in str(err.value)
    with pytest.raises(MailerConfigError, match="without STARTTLS"):
        deliver_year(year, remote, YEAR, send=True)
    with year.warehouse(read_only=True) as con:
        assert delivery_status(con, YEAR).empty  # refused before anything was recorded or sent
    assert handler.messages == []


def test_starttls_required_but_not_offered_stops_the_run(year, smtp):
    handler, port = smtp
    summary = deliver_year(year, _mailer(port, user=USER, password=PASSWORD).model_copy(update={"starttls": True}),
                           YEAR, send=True)
    assert summary.aborted and "does not offer STARTTLS" in summary.aborted
    assert summary.not_attempted == [B, C, D] and handler.messages == []


def test_password_never_in_logs_errors_or_ledger(year, smtp, caplog):
    handler, port = smtp
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.WARNING, logger="mail.log")  # the test server's own protocol log
    wrong = deliver_year(year, _mailer(port, user=USER, password=PASSWORD + "x"), YEAR, send=True)
    assert wrong.aborted and "login" in wrong.aborted and "535" in wrong.aborted
    assert handler.messages == []
    right = deliver_year(year, _mailer(port, user=USER, password=PASSWORD), YEAR, send=True)
    assert [o.cds for o in right.sent] == [A, B]
    settings = _mailer(port, user=USER, password=PASSWORD).smtp_settings()
    everything = "\n".join([caplog.text, repr(settings), repr(_mailer(port, password=PASSWORD)),
                            wrong.aborted, wrong.markdown(), right.markdown(), _ledger(year).to_csv()])
    assert PASSWORD not in everything
    assert PASSWORD[:-1] not in everything


def test_password_from_environment(monkeypatch):
    monkeypatch.setenv("SCORECARDS_SMTP_HOST", "smtp.district.example.org")
    monkeypatch.setenv("SCORECARDS_SMTP_PORT", "2525")
    monkeypatch.setenv("SCORECARDS_SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("SCORECARDS_SMTP_USER", USER)
    monkeypatch.setenv("SCORECARDS_SMTP_SENDER", SENDER)
    monkeypatch.delenv("SCORECARDS_SMTP_STARTTLS", raising=False)
    monkeypatch.delenv("SCORECARDS_SMTP_SEND", raising=False)
    mailer = Mailer()
    s = mailer.smtp_settings()
    assert (s.host, s.port, s.starttls, s.user, s.password) == ("smtp.district.example.org", 2525, True, USER, PASSWORD)
    assert not mailer.sending and PASSWORD not in repr(s)
    monkeypatch.setenv("SCORECARDS_SMTP_SEND", "true")
    assert Mailer().sending and not Mailer(dry_run=True).sending
    monkeypatch.setenv("SCORECARDS_SMTP_SEND", "yes please")
    assert not Mailer().sending


def test_send_email_works_without_dagster(smtp):
    handler, port = smtp
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = SENDER, "x@district.example.org", "test"
    msg.set_content("hello")
    settings = SmtpSettings(host="localhost", port=port, starttls=False, user=USER, password=PASSWORD, sender=SENDER)
    send_email(settings, msg, "only.this@district.example.org")  # the envelope, not the To header, decides
    assert [r for r, _ in handler.messages] == [["only.this@district.example.org"]]


def test_cds_that_escapes_the_folder_is_refused(tmp_path, smtp):
    handler, port = smtp
    bad = pd.concat([DIRECTORY.head(1), pd.DataFrame([{**DIRECTORY.iloc[1].to_dict(), "cds": "../x"}])])
    db = tmp_path / "w.duckdb"
    with pytest.raises(ValueError, match="refusing"):
        deliver_directory(bad, YEAR, tmp_path / YEAR, lambda: warehouse.connect(db),
                          SmtpSettings(host="127.0.0.1", port=port, starttls=False, sender=SENDER), send=True)
    assert handler.messages == [] and not (tmp_path / YEAR).exists() and not db.exists()
    with pytest.raises(ValueError, match="refusing school year"):
        deliver_year(ScorecardFiles(out_dir=str(tmp_path)), SmtpSettings(), "../2023-24", send=False)


def test_asset_dry_run_in_dagster(year, smtp):
    from assets.deliver import deliver

    handler, port = smtp
    result = dg.materialize([deliver], partition_key=YEAR,
                            resources={"files": year, "mailer": _mailer(port, dry_run=True)})
    assert result.success and handler.messages == []
    meta = result.asset_materializations_for_node("deliver")[0].metadata
    assert meta["messages_written"].value == 2 and meta["schools_without_address"].value == 1
    assert "Cedar High" in meta["schools_without_address_list"].value
    assert meta["outbox"].value.endswith(f"{YEAR}/outbox")
    with duckdb.connect(str(year.warehouse_path), read_only=True) as con:
        assert warehouse.one(con, f"SELECT count(*) FROM {LEDGER} WHERE status = 'written'")[0] == 2


def test_asset_refused_login_fails_without_retry_or_password(year, smtp):
    from assets.deliver import deliver

    handler, port = smtp
    mailer = _mailer(port, user=USER, password=PASSWORD + "x", dry_run=False)
    job = dg.define_asset_job("deliver_only", selection=[deliver], op_retry_policy=dg.RetryPolicy(max_retries=2))
    defs = dg.Definitions(assets=[deliver], jobs=[job], resources={"files": year, "mailer": mailer})
    result = defs.resolve_job_def("deliver_only").execute_in_process(partition_key=YEAR, raise_on_error=False)
    assert not result.success and handler.messages == []
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert len(failures) == 1  # allow_retries=False: a refused login is not tried again
    assert "login" in failures[0].step_failure_data.user_failure_data.description
    events = "\n".join(str(e) for e in result.all_events)
    assert PASSWORD not in events and PASSWORD[:-1] not in events
