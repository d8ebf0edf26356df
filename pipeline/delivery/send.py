"""Sending a school year's scorecards to the principals: the delivery loop and its guarantees.

What each message holds is ``compose.py``; what was sent is the ledger and its journal
(``ledger.py``); the SMTP connection is ``smtp.py``. This module decides, school by school,
what to send, sends it and records it.

- A school whose latest ``sent`` row has the same recipient and checksum is skipped: an
  unchanged scorecard is never sent twice. A changed PDF (new checksum) or a new principal
  address is sent again. Dry runs never count as sent.
- Failures are recorded with the server's reply (never a password) and retried on the next
  run; within a run a message is tried at most ``attempts_per_run`` times, and only for
  temporary failures (4xx, network). A 5xx refusal is not retried within the run.
- If the connection, TLS or login fails for good, the run stops (``summary.aborted``): the
  remaining schools are left untouched for the next run rather than each marked failed.
- Schools without a valid address are recorded as ``no_address`` and listed, never skipped
  silently; schools missing any configured PDF are ``no_pdf`` (no partial set is sent).

Exactly once, when killed at any point
    Each message passes these records, the journal (``ledger.py``, fsynced) always before the
    warehouse ledger: ``sending`` (attempts + 1) before the SMTP transaction; ``unconfirmed`` in
    the journal just before the end-of-data mark (``CRLF . CRLF``) goes to the server; ``sent``
    (or ``failed``) after its reply. Before anything is sent, the journal is reconciled into the
    ledger (its latest line per version wins over an older ledger row). So a killed run is
    followed by a run that knows where it stopped:

    - ``sending`` (killed before connecting, or before the end of the message): the server
      dropped the incomplete transaction, so the message is sent (once) now;
    - ``sent`` in the journal, whatever the ledger says (killed after the journal line, or inside
      the ledger's transaction): reconciled, never sent again;
    - ``unconfirmed`` (killed after the end of the message, before its reply was recorded; or
      the connection broke there): the server has, or may have, the message. It is not sent
      again automatically: it is listed (status ``unconfirmed``, exit status 1) until a person
      checks the mail server's log and either leaves it or sends it with ``--resend CDS``.

    The one moment no program can settle is between the journal's ``unconfirmed`` and the
    end-of-data mark leaving the socket: a kill exactly there leaves a message the server dropped
    listed as ``unconfirmed``, never a second copy. That moment is kept to microseconds: the
    ``unconfirmed`` line is written, not fsynced, before the mark (a SIGKILL cannot undo a
    completed write; only a power cut in the next instant could lose it, and then the message is
    sent again as ``sending``); the line of the server's reply is fsynced and carries it to disk. Every copy of a version
    carries the same ``Message-ID`` (year, school, recipient, checksum). One delivery per year
    runs at a time (lock file ``delivery/.lock``): a second one waits, then skips what the first
    sent. ``stops.py`` names these points for the tests that kill a real process at each.

Dry run
    ``send=False`` writes ``<out>/<year>/outbox/<cds>.eml`` (atomically) for every message a real
    send would send now, records ``written``, and sends nothing; an unchanged scorecard already
    sent is skipped as in a real run. Older ``.eml`` files are not deleted.

The warehouse is opened briefly for each ledger write, not held for the whole SMTP run, so
other processes reading the warehouse are blocked for milliseconds, not for the whole delivery.
"""
from __future__ import annotations

import contextlib
import logging
import re
import time
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from pipeline import warehouse
from pipeline.delivery.compose import (
    checksum,
    collect_attachments,
    compose,
    address_problem,
    message_id,
    one_line,
    school_languages,
    valid_address,
)
from pipeline.delivery.ledger import (
    DELIVERY_DIR,
    JOURNAL,
    JOURNALED,
    append_journal,
    ensure_ledger,
    read_ledger,
    record,
    reconcile_journal,
    utcnow,
)
from pipeline.delivery.release import ReleaseRefused, release_problems, rendered_checksums
from pipeline.delivery.stops import checkpoint
from pipeline.delivery.smtp import MailerError, MessageRefused, SessionError, SmtpSession, SmtpSettings
from pipeline.delivery.summary import DeliverySummary, Outcome
from pipeline.outputs import exclusive, school_dir, write_atomic
from pipeline.render.i18n import SUPPORTED_LANGUAGES

logger = logging.getLogger(__name__)

DRY_RUN_SENDER = "scorecards@district.example.org"
UNCONFIRMED = ("the end of this message reached the mail server but its reply did not come back (the run stopped "
               "or the connection broke): the principal may have it. Not sent again automatically: check the "
               "mail server's log, then `scorecards deliver --resend CDS` if it is not there")
LEDGER_WRITE_TRIES = 6  # waits 0.5 + 1 + ... + 2.5 s at most for a locked warehouse
YEAR_RE = re.compile(r"^\d{4}-\d{2}$")


def deliver_directory(
    directory: pd.DataFrame,
    school_year: str,
    year_dir: Path,
    warehouse_path: Path,
    settings: SmtpSettings,
    send: bool,
    attempts_per_run: int = 3,
    retry_delay: float = 5.0,
    log=None,
    sleep: Callable[[float], None] = time.sleep,
    approved_by: str | None = None,
    rendered: dict[str, str] | None = None,
    resend: frozenset[str] | set[str] = frozenset(),
) -> DeliverySummary:
    """Deliver (or, with ``send=False``, write to the outbox) every school of ``directory``.

    The ledger is in the warehouse at ``warehouse_path``, opened briefly for each write. A real
    send needs ``approved_by`` (recorded in the ledger). With ``rendered`` (the manifest's
    checksums, :func:`release.rendered_checksums`) a school's PDFs go only when they are the files
    rendered; :func:`deliver_year` always passes it. ``resend``: the CDS codes whose
    ``unconfirmed`` message a person checked and wants sent again.
    """
    log = log or logger
    if not YEAR_RE.match(school_year or ""):
        raise ValueError(f"refusing school year {school_year!r}: expected e.g. 2023-24")
    year_dir = Path(year_dir)
    outbox = year_dir / "outbox"
    summary = DeliverySummary(school_year, send, outbox)
    if directory.empty:
        return summary
    directory = directory.sort_values("cds")
    # Refuse a bad directory before anything is sent or written: every path comes from a CDS code.
    for cds in directory["cds"]:
        school_dir(year_dir, cds)
    dupes = sorted(set(directory.loc[directory["cds"].duplicated(), "cds"]))
    if dupes:
        raise ValueError(f"directory lists CDS {', '.join(dupes)} more than once; refusing to guess the principal")
    approved_by = one_line(approved_by, 120) or None
    if send and not approved_by:
        raise ReleaseRefused(school_year, ["a person must approve sending: give --approved-by NAME "
                                           "(the delivery job's approved_by)"])
    if send:
        settings.check()
        sender = settings.sender
    else:
        sender = settings.sender or DRY_RUN_SENDER

    journal = year_dir / DELIVERY_DIR / JOURNAL
    with exclusive(journal.with_name(".lock"), f"another delivery of {school_year}", log):
        return _deliver_locked(directory, school_year, year_dir, journal, warehouse_path, settings,
                               send, sender, attempts_per_run, retry_delay, log, sleep, summary,
                               approved_by if send else None, rendered, frozenset(resend))


def _deliver_locked(directory, school_year, year_dir, journal, warehouse_path, settings, send, sender,
                    attempts_per_run, retry_delay, log, sleep, summary, approved_by, rendered, resend) -> DeliverySummary:
    with warehouse.connect(warehouse_path) as con:
        ensure_ledger(con)
        # first the journal into the ledger: what a killed run recorded as sent is never sent again
        restored = reconcile_journal(con, journal, school_year) if journal.exists() else 0
        if restored:
            log.warning(f"the delivery ledger of {school_year} lagged behind its journal (a run stopped before "
                        f"writing the warehouse, or a rebuilt warehouse): {restored} row(s) brought up to date "
                        f"from {journal}, so nothing already sent is sent again")
        ledger = read_ledger(con, school_year)

    def write(row: dict, journal_only: bool = False) -> None:
        row = {"school_year": school_year, **row, "updated_at": utcnow(), "approved_by": approved_by}
        if row["status"] in JOURNALED:
            # first: the journal survives a warehouse that does not. The 'unconfirmed' line, written
            # just before the end-of-data mark, is not fsynced there: a killed process cannot lose a
            # completed write, and the milliseconds of an fsync would widen the one moment no program
            # can settle (the line written, the mark not sent); the reply's line flushes it.
            append_journal(journal, row, durable=not journal_only)
            checkpoint({"sent": "after_journal", "unconfirmed": "end_of_data"}.get(row["status"], ""))
        if journal_only:
            return
        # Another process may hold the warehouse file for a moment (DuckDB allows one writer):
        # wait a little rather than lose the record of a message that has just gone out.
        for attempt in range(LEDGER_WRITE_TRIES):
            try:
                with warehouse.connect(warehouse_path) as con:
                    record(con, row, keep_time=True, stop_point="before_ledger" if row["status"] == "sent" else None)
                return
            except duckdb.IOException as e:
                if "lock" not in str(e).lower() or attempt == LEDGER_WRITE_TRIES - 1:
                    raise
                sleep(0.5 * (attempt + 1))

    session = SmtpSession(settings) if send else None
    with session or contextlib.nullcontext():
        for _, school in directory.iterrows():
            if summary.aborted:
                summary.not_attempted.append(school["cds"])
                continue
            outcome = _deliver_school(school, school_year, year_dir, ledger, sender, session, write,
                                      max(1, attempts_per_run), retry_delay, log, sleep, summary, rendered,
                                      resend)
            summary.outcomes.append(outcome)

    c = summary.counts()
    log.info(f"delivery {school_year} ({'send' if send else 'dry run'}): {c['messages_sent']} sent, "
             f"{c['messages_written']} written, {c['messages_skipped_unchanged']} unchanged, "
             f"{c['messages_failed']} failed, {c['schools_without_address']} without address, "
             f"{c['schools_without_pdf']} without PDF")
    if summary.no_address:
        log.warning(f"No valid principal e-mail for {len(summary.no_address)} school(s): "
                    f"{', '.join(o.cds for o in summary.no_address)}")
    if summary.failed:
        log.warning(f"{len(summary.failed)} message(s) failed and will be retried on the next run: "
                    f"{', '.join(o.cds for o in summary.failed)}")
    if summary.aborted:
        log.error(f"delivery stopped early: {summary.aborted}")
    return summary


def _deliver_school(school, school_year, year_dir, ledger, sender, session, write, attempts_per_run,
                    retry_delay, log, sleep, summary, rendered=None, resend=frozenset()) -> Outcome:
    cds = school["cds"]
    name = one_line(school.get("school_name"), 120)
    raw_address = one_line(school.get("principal_email"), 254) or None
    recipient = valid_address(school.get("principal_email"))
    asked = school_languages(school.get("languages"))
    langs = [lang for lang in asked if lang in SUPPORTED_LANGUAGES]
    if len(langs) < len(asked):
        # a language with no catalog has no scorecard: say so, and send the ones that exist
        log.warning(f"{cds}: no scorecard in {', '.join(x for x in asked if x not in langs)} "
                    f"(no catalog under templates/locale/); sending {', '.join(langs) or 'nothing'}")
    attachments, missing = collect_attachments(year_dir, cds, langs)
    if rendered is not None:  # only the files the pipeline rendered: never a PDF changed by hand since
        changed = [a.name for a in attachments if rendered.get(f"schools/{cds}/{a.name}") != a.sha256]
        attachments = [a for a in attachments if a.name not in changed]
        missing += [f"{n} (not the rendered file: differs from manifest.json)" for n in changed]
    digest = checksum(attachments) if attachments else None
    names = [a.name for a in attachments]
    base = {"cds": cds, "attachments": ";".join(names) or None, "checksum": digest}

    if recipient is None:
        error = address_problem(school.get("principal_email"))
        write({**base, "recipient": raw_address, "status": "no_address", "attempts": 0, "error": error})
        return Outcome(cds, name, raw_address, "no_address", names, digest, error=error)
    if missing or not langs:
        error = ("missing " + ", ".join(missing)) if missing else "no languages configured"
        write({**base, "recipient": recipient, "status": "no_pdf", "attempts": 0, "error": error})
        return Outcome(cds, name, recipient, "no_pdf", names, digest, error=error)

    mine = ledger[ledger["cds"] == cds]
    last_sent = mine[mine["status"] == "sent"].tail(1)
    if len(last_sent) and last_sent["recipient"].iat[0] == recipient and last_sent["checksum"].iat[0] == digest:
        return Outcome(cds, name, recipient, "skipped_unchanged", names, digest,
                       attempts=int(last_sent["attempts"].iat[0]))
    same = mine[(mine["recipient"] == recipient) & (mine["checksum"] == digest)]
    attempts = int(same["attempts"].iat[-1]) if len(same) else 0
    interrupted = bool(len(same)) and same["status"].iat[-1] == "sending"
    if session is not None and len(same) and same["status"].iat[-1] == "unconfirmed" and cds not in resend:
        error = same["error"].iat[-1] or UNCONFIRMED
        return Outcome(cds, name, recipient, "unconfirmed", names, digest, attempts, error=error)

    msg_id = message_id(school_year, cds, recipient, digest, sender)
    msg = compose(school, recipient, attachments, school_year, sender, msg_id)
    base = {**base, "recipient": recipient, "message_id": msg_id}

    if session is None:  # dry run: the outbox, never counted as sent
        if len(same) and same["status"].iat[-1] == "written" and (year_dir / "outbox" / f"{cds}.eml").exists():
            # this very message is in the outbox already: a nightly dry run rewrites nothing
            return Outcome(cds, name, recipient, "skipped_unchanged", names, digest, attempts=attempts)
        eml = write_atomic(year_dir / "outbox" / f"{cds}.eml", msg.as_bytes())
        previous = same["status"].iat[-1] if len(same) else None
        if previous not in ("sending", "unconfirmed"):  # keep the marker of an interrupted real send
            write({**base, "status": "written", "attempts": attempts, "error": None})
        return Outcome(cds, name, recipient, "written", names, digest, attempts, eml=eml)

    if interrupted:
        log.warning(f"{cds}: the previous run stopped before the end of this message (the server dropped it); "
                    f"sending it now")
    error = None
    for attempt in range(1, attempts_per_run + 1):
        attempts += 1
        write({**base, "status": "sending", "attempts": attempts, "error": error})
        unconfirmed = {**base, "status": "unconfirmed", "attempts": attempts, "error": UNCONFIRMED}
        try:
            session.send(msg, recipient, before_end=lambda: write(unconfirmed, journal_only=True))
        except MessageRefused as e:
            error = one_line(e, 500)
            if e.permanent or attempt == attempts_per_run:
                break
        except SessionError as e:
            error = one_line(e, 500)
            if e.maybe_delivered:  # the server may have it: never again without a person
                error = f"{UNCONFIRMED} ({error})"
                write({**unconfirmed, "error": error})
                log.warning(f"{cds}: {error}")
                return Outcome(cds, name, recipient, "unconfirmed", names, digest, attempts, error=error)
            if not e.transient or attempt == attempts_per_run:
                summary.aborted, summary.abort_transient = error, e.transient
                break
        except MailerError as e:  # any other refusal from the mailer: record, go on
            error = one_line(e, 500)
            break
        else:
            checkpoint("after_data")
            write({**base, "status": "sent", "attempts": attempts, "error": None})
            log.info(f"{cds}: sent {len(names)} attachment(s) to the principal")
            return Outcome(cds, name, recipient, "sent", names, digest, attempts,
                           resent_after_interruption=interrupted)
        log.warning(f"{cds}: attempt {attempt} failed: {error}")
        if attempt < attempts_per_run:
            sleep(retry_delay)
    write({**base, "status": "failed", "attempts": attempts, "error": error})
    return Outcome(cds, name, recipient, "failed", names, digest, attempts, error=error,
                   resent_after_interruption=interrupted)


def deliver_year(school_year: str, year_dir: Path, warehouse_path: Path, settings: SmtpSettings, send: bool,
                 attempts_per_run: int = 3, retry_delay: float = 5.0, log=None,
                 approved_by: str | None = None, required_sources: tuple[str, ...] | None = None,
                 resend: frozenset[str] | set[str] = frozenset()) -> DeliverySummary:
    """The whole delivery of one school year (for the delivery job and ``scorecards deliver``).

    The schools and their principals are the year's ``validated_directory`` in the warehouse at
    ``warehouse_path``; their PDFs are under ``year_dir`` (``<out>/<year>``). ``send=False`` is a
    dry run: ``.eml`` files in ``<out>/<year>/outbox/``, ledger status ``written``; it shows what
    a send would do now (and ``summary.release_problems`` why nothing would go). ``send=True``
    needs ``approved_by`` and a year that was validated and rendered (``release.py``), else it
    raises :class:`ReleaseRefused` before anything is sent; only the rendered PDFs are attached.
    """
    if not YEAR_RE.match(school_year or ""):
        raise ValueError(f"refusing school year {school_year!r}: expected e.g. 2023-24")
    if required_sources is None:
        from pipeline.config import load_settings

        required_sources = load_settings().required_sources
    with warehouse.connect(warehouse_path, read_only=True) as con:
        problems = release_problems(con, school_year, year_dir, required_sources)
        directory = warehouse.read_table(con, "validated_directory", {"school_year": school_year})
    if send and (problems or not one_line(approved_by)):
        raise ReleaseRefused(school_year, problems or ["a person must approve sending: give --approved-by NAME"])
    summary = deliver_directory(
        directory, school_year, year_dir, warehouse_path,
        settings=settings,
        send=send,
        attempts_per_run=int(attempts_per_run or 1),
        retry_delay=float(retry_delay),
        log=log,
        approved_by=approved_by,
        rendered=rendered_checksums(year_dir) or {},
        resend=resend,
    )
    summary.release_problems = problems
    if problems:
        (log or logger).warning(f"{school_year} may not be sent yet: {'; '.join(problems)}")
    return summary
