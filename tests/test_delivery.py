"""Delivery to principals, against a real SMTP server on 127.0.0.1 (aiosmtpd) and a tmp warehouse.

The year folder is hand-made: a directory frame and tiny fake PDFs; nothing is rendered.
"""
from __future__ import annotations

import email
import email.policy
import logging
import shutil
import socket

import dagster as dg
import duckdb
import pandas as pd
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from assets.resources import Mailer, ScorecardFiles, resources_from_env
from pipeline import warehouse
from pipeline.delivery import (
    LEDGER,
    MailerConfigError,
    SmtpSettings,
    deliver_directory,
    deliver_year,
    delivery_status,
    record,
    send_email,
    settings_from_env,
)
from pipeline.folders import Folders
from tests.delivery_setup import APPROVER, release_year

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
    release_year(out, YEAR)
    return Folders.of(tmp_path / "raw", out)


def _mailer(port: int, **kw) -> Mailer:
    """The mailer resource as the definitions bind it: every setting is its variable's text."""
    return Mailer(host="127.0.0.1", port=str(port), starttls="0", sender=SENDER,
                  attempts_per_run=2, retry_delay=0, timeout=5, **kw)


def _settings(port: int, **kw) -> SmtpSettings:
    return SmtpSettings(**{"host": "127.0.0.1", "port": port, "starttls": False, "sender": SENDER, "timeout": 5, **kw})


def deliver(folders: Folders, settings: SmtpSettings, send: bool):
    """One delivery of YEAR with plain arguments, as the asset and ``scorecards deliver`` make them."""
    return deliver_year(YEAR, folders.year_dir(YEAR), folders.warehouse_path, settings, send=send,
                        attempts_per_run=2, retry_delay=0, approved_by=APPROVER if send else None)


def _ledger(folders: Folders) -> pd.DataFrame:
    with warehouse.connect(folders.warehouse_path, read_only=True) as con:
        return con.execute(f"SELECT * FROM {LEDGER} ORDER BY cds, updated_at").df()


def _attachments(msg) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in msg.iter_attachments()}


def test_each_principal_gets_only_their_schools_pdfs(year, smtp):
    handler, port = smtp
    summary = deliver(year, _settings(port), send=True)

    assert [o.cds for o in summary.sent] == [A, B]
    assert len(handler.messages) == 2
    by_rcpt = {tuple(rcpts): msg for rcpts, msg in handler.messages}
    expected = {A: "ana.alvarez@district.example.org", B: "beto.baca@district.example.org"}
    for cds, address in expected.items():
        msg = by_rcpt[(address,)]  # exactly one envelope recipient: that school's principal
        assert msg["To"].addresses[0].addr_spec == address
        slug = {A: "alder-elementary", B: "birch-middle"}[cds]  # <school>_<year>_<lang>.pdf
        assert _attachments(msg) == {f"{slug}_{YEAR}_{lang}.pdf": _pdf(cds, lang) for lang in ("en", "es")}
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

    with warehouse.connect(year.warehouse_path, read_only=True) as con:
        status = delivery_status(con, YEAR)
    assert status.set_index("cds")["status"].to_dict() == {A: "sent", B: "sent", C: "no_address", D: "no_pdf"}
    assert status.set_index("cds").loc[A, "last_sent_at"] is not pd.NaT


def test_rerun_sends_nothing_and_a_changed_pdf_resends_only_that_school(year, smtp):
    handler, port = smtp
    deliver(year, _settings(port), send=True)
    assert len(handler.messages) == 2

    again = deliver(year, _settings(port), send=True)
    assert len(handler.messages) == 2
    assert [o.cds for o in again.skipped_unchanged] == [A, B] and not again.sent

    (year.year_dir(YEAR) / "schools" / B / "scorecard.es.pdf").write_bytes(_pdf(B, "es", version=2))
    release_year(year.out, YEAR)  # rendered again
    changed = deliver(year, _settings(port), send=True)
    assert [o.cds for o in changed.sent] == [B]
    assert [o.cds for o in changed.skipped_unchanged] == [A]
    rcpts, msg = handler.messages[-1]
    assert rcpts == ["beto.baca@district.example.org"]
    assert _attachments(msg)[f"birch-middle_{YEAR}_es.pdf"] == _pdf(B, "es", version=2)
    ledger = _ledger(year)
    assert len(ledger[(ledger.cds == B) & (ledger.status == "sent")]) == 2  # both versions, as history


def test_refused_recipient_is_recorded_and_retried_next_run(year, smtp):
    handler, port = smtp
    handler.refuse["beto.baca@district.example.org"] = "550 5.1.1 Mailbox unavailable"
    first = deliver(year, _settings(port), send=True)
    assert [o.cds for o in first.sent] == [A]
    assert [o.cds for o in first.failed] == [B]
    assert first.failed[0].attempts == 1  # a 5xx is not retried within the run
    row = _ledger(year).set_index("cds").loc[B]
    assert row["status"] == "failed" and "550" in row["error"]

    handler.refuse["beto.baca@district.example.org"] = "451 4.3.0 Try again later"
    second = deliver(year, _settings(port), send=True)
    assert [o.cds for o in second.failed] == [B]
    assert second.failed[0].attempts == 3  # 1 earlier + 2 tries (attempts_per_run) for a 4xx

    handler.refuse.clear()
    third = deliver(year, _settings(port), send=True)
    assert [o.cds for o in third.sent] == [B] and [o.cds for o in third.skipped_unchanged] == [A]
    assert [r for r, _ in handler.messages] == [["ana.alvarez@district.example.org"],
                                                 ["beto.baca@district.example.org"]]
    row = _ledger(year).set_index("cds").loc[B]
    assert row["status"] == "sent" and row["attempts"] == 4 and pd.isna(row["error"])


def test_dry_run_writes_eml_and_sends_nothing(year, smtp):
    handler, port = smtp
    summary = deliver(year, _settings(port), send=False)
    assert handler.messages == []
    assert [o.cds for o in summary.written] == [A, B]
    outbox = year.year_dir(YEAR) / "outbox"
    assert sorted(p.name for p in outbox.iterdir()) == [f"{A}.eml", f"{B}.eml"]
    msg = email.message_from_bytes((outbox / f"{A}.eml").read_bytes(), policy=email.policy.default)
    assert msg["To"].addresses[0].addr_spec == "ana.alvarez@district.example.org"
    assert set(_attachments(msg)) == {f"alder-elementary_{YEAR}_en.pdf", f"alder-elementary_{YEAR}_es.pdf"}
    assert set(_ledger(year).query("status == 'written'").cds) == {A, B}

    # the nightly dry run again, nothing changed: the outbox and the ledger stay as they are
    before = {p.name: p.stat().st_mtime_ns for p in outbox.iterdir()}
    rows = len(_ledger(year))
    again = deliver(year, _settings(port), send=False)
    assert [o.cds for o in again.skipped_unchanged] == [A, B] and again.written == []
    assert {p.name: p.stat().st_mtime_ns for p in outbox.iterdir()} == before and len(_ledger(year)) == rows

    real = deliver(year, _settings(port), send=True)  # a dry run never counts as sent
    assert [o.cds for o in real.sent] == [A, B] and len(handler.messages) == 2


def test_interrupted_send_is_sent_again_and_reported(year, smtp):
    handler, port = smtp
    deliver(year, _settings(port), send=True)
    ledger = _ledger(year)
    a = ledger[ledger.cds == A].iloc[-1].to_dict()
    (year.year_dir(YEAR) / "schools" / A / "scorecard.en.pdf").write_bytes(_pdf(A, "en", version=2))
    release_year(year.out, YEAR)
    # A run that died after 'sending' was committed, before the reply was recorded:
    summary = deliver(year, _settings(port), send=False)  # learn the new checksum (dry run)
    new = summary.written[0]
    with warehouse.connect(year.warehouse_path) as con:
        record(con, {**a, "checksum": new.checksum, "status": "sending", "attempts": 1})
        record(con, {**a, "checksum": new.checksum, "status": "sending", "attempts": 1})  # upsert, not append
    rerun = deliver(year, _settings(port), send=True)
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
        deliver(year, remote, send=True)
    with warehouse.connect(year.warehouse_path, read_only=True) as con:
        assert delivery_status(con, YEAR).empty  # refused before anything was recorded or sent
    assert handler.messages == []


def test_starttls_required_but_not_offered_stops_the_run(year, smtp):
    handler, port = smtp
    summary = deliver(year, _settings(port, user=USER, password=PASSWORD, starttls=True), send=True)
    assert summary.aborted and "does not offer STARTTLS" in summary.aborted
    assert summary.not_attempted == [B, C, D] and handler.messages == []


def test_password_never_in_logs_errors_or_ledger(year, smtp, caplog):
    handler, port = smtp
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.WARNING, logger="mail.log")  # the test server's own protocol log
    wrong = deliver(year, _settings(port, user=USER, password=PASSWORD + "x"), send=True)
    assert wrong.aborted and "login" in wrong.aborted and "535" in wrong.aborted
    assert handler.messages == []
    right = deliver(year, _settings(port, user=USER, password=PASSWORD), send=True)
    assert [o.cds for o in right.sent] == [A, B]
    settings = _mailer(port, user=USER, password=PASSWORD).smtp_settings()
    everything = "\n".join([caplog.text, repr(settings), repr(_mailer(port, password=PASSWORD)),
                            wrong.aborted, wrong.markdown(), right.markdown(), _ledger(year).to_csv()])
    assert PASSWORD not in everything
    assert PASSWORD[:-1] not in everything


def test_password_from_environment(monkeypatch):
    env = {"SCORECARDS_SMTP_HOST": "smtp.district.example.org", "SCORECARDS_SMTP_PORT": "2525",
           "SCORECARDS_SMTP_PASSWORD": PASSWORD, "SCORECARDS_SMTP_USER": USER, "SCORECARDS_SMTP_SENDER": SENDER}
    mailer = resources_from_env(env)["mailer"]
    # the resource names the variables (the UI shows `env: SCORECARDS_SMTP_PASSWORD`), never their values
    assert isinstance(mailer.password, dg.EnvVar) and mailer.password == "SCORECARDS_SMTP_PASSWORD"
    assert mailer.starttls is None and mailer.send is None  # unset: the defaults, not an EnvVar of nothing
    assert PASSWORD not in repr(mailer) and PASSWORD not in str(mailer.get_resource_definition().config_schema.default_value)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SCORECARDS_SMTP_STARTTLS", raising=False)
    monkeypatch.delenv("SCORECARDS_SMTP_SEND", raising=False)
    with dg.build_resources({"mailer": mailer}) as resources:  # as a run resolves them when it starts
        s = resources.mailer.smtp_settings()
        assert not resources.mailer.sending
    assert (s.host, s.port, s.starttls, s.user, s.password) == ("smtp.district.example.org", 2525, True, USER, PASSWORD)
    assert PASSWORD not in repr(s)
    assert settings_from_env(env) == s  # `scorecards deliver` reads the same settings the same way

    for send, sending in (("true", True), ("1", True), ("yes please", False), ("0", False)):
        monkeypatch.setenv("SCORECARDS_SMTP_SEND", send)
        with dg.build_resources({"mailer": resources_from_env({"SCORECARDS_SMTP_SEND": send})["mailer"]}) as r:
            assert r.mailer.sending is sending, send


def test_smtp_settings_keep_their_defaults_and_messages():
    assert settings_from_env({}) == SmtpSettings(host=None, port=587, starttls=True, user=None, password=None,
                                                 sender=None)
    assert settings_from_env({"SCORECARDS_SMTP_PORT": "", "SCORECARDS_SMTP_STARTTLS": ""}).port == 587
    with pytest.raises(MailerConfigError, match=r"^SCORECARDS_SMTP_PORT must be a port number, not 'smtp'$"):
        settings_from_env({"SCORECARDS_SMTP_PORT": "smtp"})
    with pytest.raises(MailerConfigError, match=r"^SCORECARDS_SMTP_STARTTLS must be one of 1/true/yes or "
                                                r"0/false/no, not 'maybe'$"):
        settings_from_env({"SCORECARDS_SMTP_STARTTLS": "maybe"})
    assert not settings_from_env({"SCORECARDS_SMTP_STARTTLS": " Off "}).starttls
    with pytest.raises(MailerConfigError, match=r"^no SMTP host: set SCORECARDS_SMTP_HOST"):
        settings_from_env({}).check()
    with pytest.raises(MailerConfigError, match=r"^no valid sender address: set SCORECARDS_SMTP_SENDER"):
        settings_from_env({"SCORECARDS_SMTP_HOST": "localhost"}).check()
    with pytest.raises(MailerConfigError, match=r"^set both SCORECARDS_SMTP_USER and SCORECARDS_SMTP_PASSWORD"):
        settings_from_env({"SCORECARDS_SMTP_HOST": "localhost", "SCORECARDS_SMTP_SENDER": SENDER,
                           "SCORECARDS_SMTP_USER": USER}).check()


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
        deliver_directory(bad, YEAR, tmp_path / YEAR, db, _settings(port), send=True)
    assert handler.messages == [] and not (tmp_path / YEAR).exists() and not db.exists()
    with pytest.raises(ValueError, match="refusing school year"):
        deliver_year("../2023-24", tmp_path / "../2023-24", tmp_path / "scorecards.duckdb", SmtpSettings(), send=False)


def test_asset_dry_run_in_dagster(year, smtp):
    from assets.deliver import deliver

    handler, port = smtp
    result = dg.materialize([deliver], partition_key=YEAR,
                            resources={"files": ScorecardFiles(out_dir=str(year.out)), "mailer": _mailer(port)})
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
    mailer = _mailer(port, user=USER, password=PASSWORD + "x", send="1")
    job = dg.define_asset_job("deliver_only", selection=[deliver], op_retry_policy=dg.RetryPolicy(max_retries=2))
    defs = dg.Definitions(assets=[deliver], jobs=[job],
                          resources={"files": ScorecardFiles(out_dir=str(year.out)), "mailer": mailer})
    result = defs.resolve_job_def("deliver_only").execute_in_process(
        partition_key=YEAR, raise_on_error=False,
        run_config={"ops": {"deliver": {"config": {"send": True, "approved_by": APPROVER}}}})
    assert not result.success and handler.messages == []
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert len(failures) == 1  # allow_retries=False: a refused login is not tried again
    assert "login" in failures[0].step_failure_data.user_failure_data.description
    events = "\n".join(str(e) for e in result.all_events)
    assert PASSWORD not in events and PASSWORD[:-1] not in events


def test_email_texts_are_the_districts_templates(tmp_path, monkeypatch):
    from pipeline.delivery import compose as c

    folder = tmp_path / "email"
    shutil.copytree(c.EMAIL_TEMPLATES, folder)
    (folder / "es" / "subject.txt.j2").write_text("Boleta {{ year }} de {{ school }}\n\nsecond line ignored\n")
    (folder / "es" / "signature.txt.j2").write_text("\n--\nDepartamento de Evaluación, {{ district }}\n")
    monkeypatch.setattr(c, "EMAIL_TEMPLATES", folder)
    school = DIRECTORY.iloc[1]  # Birch Middle, Spanish first
    pdfs = [c.Attachment(f"scorecard.{lang}.pdf", _pdf(B, lang), "x") for lang in ("es", "en")]
    msg = c.compose(school, "beto.baca@district.example.org", pdfs, YEAR, SENDER, district="Sample USD")
    assert msg["Subject"] == "Boleta 2023-24 de Birch Middle second line ignored"
    text = msg.get_body().get_content()
    assert text.startswith("Estimado/a Beto Baca:\n") and "en español e inglés" in text
    assert text.endswith("\n--\nDepartamento de Evaluación, Sample USD\n")
    assert [p.get_filename() for p in msg.iter_attachments()] == [f"birch-middle_{YEAR}_es.pdf",
                                                                  f"birch-middle_{YEAR}_en.pdf"]
    french = c.compose({**school.to_dict(), "languages": "fr;en"}, "b@district.example.org", pdfs[1:], YEAR, SENDER,
                       district="Sample USD")  # no French templates: English
    assert french["Subject"] == f"School scorecard {YEAR}: Birch Middle" and french.get_body()["Content-Language"] == "en"
    assert french.get_body().get_content().endswith("Sample USD\nDistrict data office\n")
    assert c.attachment_filename("\u202eEscuela Ñandú #5\n", YEAR, "es") == f"escuela-nandu-5_{YEAR}_es.pdf"
