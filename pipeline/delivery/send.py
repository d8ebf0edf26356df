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

Crash safety and the one remaining window
    Before each SMTP transaction the row is written as ``sending`` (attempts + 1), and right after
    the server's reply it is written as ``sent`` or ``failed``; each write is its own committed
    transaction. A run killed between messages therefore never resends what was sent. The window
    left is the SMTP transaction itself, from the end of DATA to the commit of ``sent``: if the
    process dies there, the connection breaks before the server's reply arrives, or the ledger
    cannot be written (warehouse locked for more than ~8 s), the server may have accepted a
    message the ledger does not show as sent. That one message is then sent again (within the
    run for a broken connection, on the next run otherwise): at least once, never silently lost.
    A repeat after a stopped run is reported (``summary.resent_after_interruption``, a warning in
    the log), and every copy of a version carries the same ``Message-ID`` (derived from year,
    school, recipient and checksum), which many mail systems use to drop duplicates. Before
    deciding what to send, an empty ledger is restored from the journal (``ledger.py``). One
    delivery per year runs at a time (lock file ``delivery/.lock``): a second one waits, then
    skips what the first sent.

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
    restore_ledger,
    utcnow,
)
from pipeline.delivery.smtp import MailerError, MessageRefused, SessionError, SmtpSession, SmtpSettings
from pipeline.delivery.summary import DeliverySummary, Outcome
from pipeline.outputs import exclusive, school_dir, write_atomic
from pipeline.render.i18n import SUPPORTED_LANGUAGES

logger = logging.getLogger(__name__)

DRY_RUN_SENDER = "scorecards@district.example.org"
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
) -> DeliverySummary:
    """Deliver (or, with ``send=False``, write to the outbox) every school of ``directory``.

    The ledger is in the warehouse at ``warehouse_path``, opened briefly for each write.
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
    if send:
        settings.check()
        sender = settings.sender
    else:
        sender = settings.sender or DRY_RUN_SENDER

    journal = year_dir / DELIVERY_DIR / JOURNAL
    with exclusive(journal.with_name(".lock"), f"another delivery of {school_year}", log):
        return _deliver_locked(directory, school_year, year_dir, journal, warehouse_path, settings,
                               send, sender, attempts_per_run, retry_delay, log, sleep, summary)


def _deliver_locked(directory, school_year, year_dir, journal, warehouse_path, settings, send, sender,
                    attempts_per_run, retry_delay, log, sleep, summary) -> DeliverySummary:
    with warehouse.connect(warehouse_path) as con:
        ensure_ledger(con)
        ledger = read_ledger(con, school_year)
        if ledger.empty and journal.exists():
            restored = restore_ledger(con, journal, school_year)
            if restored:
                log.warning(f"the delivery ledger of {school_year} was empty (a rebuilt warehouse?): restored "
                            f"{restored} row(s) from {journal}, so nothing already sent is sent again")
                ledger = read_ledger(con, school_year)

    def write(row: dict) -> None:
        row = {"school_year": school_year, **row, "updated_at": utcnow()}
        if row["status"] in JOURNALED:
            append_journal(journal, row)  # first: the journal survives a warehouse that does not
        # Another process may hold the warehouse file for a moment (DuckDB allows one writer):
        # wait a little rather than lose the record of a message that has just gone out.
        for attempt in range(LEDGER_WRITE_TRIES):
            try:
                with warehouse.connect(warehouse_path) as con:
                    record(con, row, keep_time=True)
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
                                      max(1, attempts_per_run), retry_delay, log, sleep, summary)
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
                    retry_delay, log, sleep, summary) -> Outcome:
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
    digest = checksum(attachments) if attachments else None
    names = [a.name for a in attachments]
    base = {"cds": cds, "attachments": ";".join(names) or None, "checksum": digest}

    if recipient is None:
        error = "principal_email is empty" if raw_address is None else "principal_email is not one valid address"
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

    msg_id = message_id(school_year, cds, recipient, digest, sender)
    msg = compose(school, recipient, attachments, school_year, sender, msg_id)
    base = {**base, "recipient": recipient, "message_id": msg_id}

    if session is None:  # dry run: the outbox, never counted as sent
        if len(same) and same["status"].iat[-1] == "written" and (year_dir / "outbox" / f"{cds}.eml").exists():
            # this very message is in the outbox already: a nightly dry run rewrites nothing
            return Outcome(cds, name, recipient, "skipped_unchanged", names, digest, attempts=attempts)
        eml = write_atomic(year_dir / "outbox" / f"{cds}.eml", msg.as_bytes())
        previous = same["status"].iat[-1] if len(same) else None
        if previous != "sending":  # keep the marker of an interrupted real send for the next real run
            write({**base, "status": "written", "attempts": attempts, "error": None})
        return Outcome(cds, name, recipient, "written", names, digest, attempts, eml=eml)

    if interrupted:
        log.warning(f"{cds}: the previous run stopped while sending this message; sending it again "
                    f"(same Message-ID)")
    error = None
    for attempt in range(1, attempts_per_run + 1):
        attempts += 1
        write({**base, "status": "sending", "attempts": attempts, "error": error})
        try:
            session.send(msg, recipient)
        except MessageRefused as e:
            error = one_line(e, 500)
            if e.permanent or attempt == attempts_per_run:
                break
        except SessionError as e:
            error = one_line(e, 500)
            if not e.transient or attempt == attempts_per_run:
                summary.aborted, summary.abort_transient = error, e.transient
                break
        except MailerError as e:  # any other refusal from the mailer: record, go on
            error = one_line(e, 500)
            break
        else:
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
                 attempts_per_run: int = 3, retry_delay: float = 5.0, log=None) -> DeliverySummary:
    """The whole delivery of one school year (for the asset and ``scorecards deliver``).

    The schools and their principals are the year's ``validated_directory`` in the warehouse at
    ``warehouse_path``; their PDFs are under ``year_dir`` (``<out>/<year>``). ``send=False`` is a
    dry run: ``.eml`` files in ``<out>/<year>/outbox/``, ledger status ``written``.
    """
    if not YEAR_RE.match(school_year or ""):
        raise ValueError(f"refusing school year {school_year!r}: expected e.g. 2023-24")
    with warehouse.connect(warehouse_path, read_only=True) as con:
        directory = warehouse.read_table(con, "validated_directory", {"school_year": school_year})
    return deliver_directory(
        directory, school_year, year_dir, warehouse_path,
        settings=settings,
        send=send,
        attempts_per_run=int(attempts_per_run or 1),
        retry_delay=float(retry_delay),
        log=log,
    )
