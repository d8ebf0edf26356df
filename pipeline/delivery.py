"""Deliver each principal their own school's scorecard PDFs, once per version, with a ledger.

Who gets what
    One message per school of the year's directory (``validated_directory``), addressed to
    exactly that school's ``principal_email`` (the only envelope recipient), carrying only
    ``<out>/<year>/schools/<cds>/scorecard.<lang>.pdf`` for the languages of the school's
    ``languages`` column (``en;es``). Paths are built with ``school_dir``, which refuses anything
    but a 14-digit CDS code; nothing is globbed. The text is in the school's first language
    (English or Spanish; other languages get English) and holds no student data.

The ledger (warehouse table ``delivery_ledger``)
    One row per school year x school x recipient x checksum (the version of the attachments):
    ``school_year, cds, recipient, attachments, checksum, status, attempts, error, message_id,
    updated_at`` (UTC). Status is ``sent``, ``written`` (dry run), ``failed``, ``no_address``,
    ``no_pdf``, or ``sending`` (a send was under way when the run stopped; see below).

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
    school, recipient and checksum), which many mail systems use to drop duplicates.

The journal (``<out>/<year>/delivery/ledger.jsonl``)
    Every ledger row of a real send (``sending``, ``sent``) is also appended, as one JSON line and
    before the warehouse is written, to this append-only file, which lives outside the warehouse.
    When the warehouse was damaged and rebuilt (``warehouse.repair``), the year's ledger is empty:
    the next delivery restores it from the journal (the latest line per school, recipient and
    version) before deciding what to send, so a rebuilt warehouse never makes principals receive
    their scorecards again. A line cut short by a crash is skipped. One delivery per year runs at
    a time (lock file ``delivery/.lock``): a second one waits, then skips what the first sent.

Dry run
    ``send=False`` writes ``<out>/<year>/outbox/<cds>.eml`` (atomically) for every message a real
    send would send now, records ``written``, and sends nothing; an unchanged scorecard already
    sent is skipped as in a real run. Older ``.eml`` files are not deleted.

The warehouse is opened briefly for each ledger write, not held for the whole SMTP run, so
other processes reading the warehouse are blocked for milliseconds, not for the whole delivery.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from pathlib import Path
from typing import Callable, ContextManager

import duckdb
import pandas as pd

from pipeline import warehouse
from pipeline.mailer import (
    MailerError,
    MessageRefused,
    SessionError,
    SmtpSession,
    SmtpSettings,
)
from pipeline.outputs import exclusive, output_error, school_dir, write_atomic
from pipeline.render.i18n import SUPPORTED_LANGUAGES

logger = logging.getLogger(__name__)

LEDGER = "delivery_ledger"
LEDGER_COLUMNS = ["school_year", "cds", "recipient", "attachments", "checksum", "status", "attempts",
                  "error", "message_id", "updated_at"]
DRY_RUN_SENDER = "scorecards@district.example.org"
DELIVERY_DIR = "delivery"  # under <out>/<year>/: the journal and the lock
JOURNAL = "ledger.jsonl"
JOURNALED = {"sending", "sent"}  # what must survive a rebuilt warehouse: what went (or may have gone) out
LEDGER_WRITE_TRIES = 6  # waits 0.5 + 1 + ... + 2.5 s at most for a locked warehouse
YEAR_RE = re.compile(r"^\d{4}-\d{2}$")
LANG_RE = re.compile(r"^[a-z]{2}$")
# One plain address: no display name, no list separators, no quotes or angle brackets.
EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")

TEXTS = {
    "en": {
        "subject": "School scorecard {year}: {school}",
        "greeting": "Dear {name},",
        "nobody": "Principal",
        "and": "and",
        "body": (
            "Attached is the {year} scorecard for {school} (CDS {cds}), in {languages}.\n"
            "It shows the school's California School Dashboard indicators, student groups and trends.\n"
            "No figure about fewer than 11 students is shown.\n\n"
            "This message was sent only to you, with your school's scorecard.\n\n"
            "District data office\n"
        ),
    },
    "es": {
        "subject": "Informe de resultados escolares {year}: {school}",
        "greeting": "Estimado/a {name}:",
        "nobody": "director/a",
        "and": "y",
        "body": (
            "Le enviamos adjunto el informe de resultados escolares {year} de {school} "
            "(código CDS {cds}), en {languages}.\n"
            "Muestra los indicadores del California School Dashboard, los grupos de estudiantes y las "
            "tendencias de la escuela.\nNo se muestra ninguna cifra sobre menos de 11 estudiantes.\n\n"
            "Este mensaje se le envía solo a usted, con el informe de su escuela.\n\n"
            "Oficina de datos del distrito\n"
        ),
    },
}


# ---------------------------------------------------------------------------------------------
# What one school gets


@dataclass
class Attachment:
    name: str
    data: bytes = field(repr=False)
    sha256: str


@dataclass
class Outcome:
    """What this run did for one school (``status`` adds ``skipped_unchanged`` to the ledger's)."""

    cds: str
    school: str
    recipient: str | None
    status: str
    attachments: list[str] = field(default_factory=list)
    checksum: str | None = None
    attempts: int = 0
    error: str | None = None
    eml: Path | None = None
    resent_after_interruption: bool = False


def _one_line(value: object, limit: int = 200) -> str:
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return " ".join(text.split())[:limit]


def valid_address(value: object) -> str | None:
    """The principal's address when it is exactly one plain e-mail address, else None."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if EMAIL_RE.match(value) and len(value) <= 254 else None


def school_languages(value: object) -> list[str]:
    """``en;es`` -> ['en', 'es']; refuses anything that is not a two-letter code (it names a file)."""
    langs = [x.strip() for x in _one_line(value).split(";") if x.strip()]
    for lang in langs:
        if not LANG_RE.match(lang):
            raise ValueError(f"refusing language code {lang!r}: expected two lower-case letters")
    return list(dict.fromkeys(langs))


def collect_attachments(year_dir: Path, cds: str, langs: list[str]) -> tuple[list[Attachment], list[str]]:
    """The school's PDFs, read once (what is hashed is what is attached), and the missing names."""
    folder = school_dir(year_dir, cds)
    found, missing = [], []
    for lang in langs:
        path = folder / f"scorecard.{lang}.pdf"
        if path.is_file():
            data = path.read_bytes()
            found.append(Attachment(path.name, data, hashlib.sha256(data).hexdigest()))
        else:
            missing.append(path.name)
    return found, missing


def checksum(attachments: list[Attachment]) -> str:
    """One SHA-256 over the names and contents of all attachments, in order."""
    h = hashlib.sha256()
    for a in attachments:
        h.update(f"{a.name}\0{a.sha256}\n".encode())
    return h.hexdigest()


def message_id(school_year: str, cds: str, recipient: str, digest: str, sender: str) -> str:
    """The same id for the same version to the same person, so a repeat can be recognised."""
    domain = sender.rsplit("@", 1)[-1].strip(" >") or "localhost"
    key = hashlib.sha256(f"{school_year}|{cds}|{recipient.lower()}|{digest}".encode()).hexdigest()[:24]
    return f"<scorecard.{school_year}.{cds}.{key}@{domain}>"


def compose(school: pd.Series, recipient: str, attachments: list[Attachment], school_year: str,
            sender: str, msg_id: str | None = None) -> EmailMessage:
    """One message to one principal in the school's first language, carrying only its PDFs."""
    langs = school_languages(school.get("languages"))
    lang = langs[0] if langs and langs[0] in TEXTS else "en"
    t = TEXTS[lang]
    name = _one_line(school.get("school_name"), 120)
    principal = _one_line(school.get("principal_name"), 120)
    attached_langs = [a.name.split(".")[1] for a in attachments]
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = formataddr((principal, recipient)) if principal else recipient
    msg["Subject"] = t["subject"].format(year=school_year, school=name)
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = msg_id or message_id(school_year, school["cds"], recipient, checksum(attachments), sender)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(
        t["greeting"].format(name=principal or t["nobody"]) + "\n\n"
        + t["body"].format(year=school_year, school=name, cds=school["cds"],
                           languages=_language_names(attached_langs, lang))
    )
    msg["Content-Language"] = lang  # after set_content, which clears Content-* headers; ends up on the text part
    for a in attachments:
        msg.add_attachment(a.data, maintype="application", subtype="pdf", filename=a.name)
    return msg


def _language_names(codes: list[str], in_lang: str) -> str:
    try:
        from babel import Locale

        names = Locale.parse(in_lang).languages
    except Exception:  # babel is a dependency; this only guards an unknown locale
        names = {}
    words = [names.get(c, c) for c in codes]
    if len(words) <= 1:
        return "".join(words)
    conj = TEXTS[in_lang]["and"]
    last = words[-1].lower()
    if in_lang == "es" and (last.startswith(("i", "í", "hi")) and not last.startswith("hie")):
        conj = "e"  # Spanish: "español e inglés"
    return ", ".join(words[:-1]) + f" {conj} " + words[-1]


# ---------------------------------------------------------------------------------------------
# The ledger


def ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"""
        CREATE TABLE IF NOT EXISTS {LEDGER} (
            school_year VARCHAR NOT NULL,
            cds VARCHAR NOT NULL,
            recipient VARCHAR,
            attachments VARCHAR,
            checksum VARCHAR,
            status VARCHAR NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            error VARCHAR,
            message_id VARCHAR,
            updated_at TIMESTAMP NOT NULL
        )""")


def read_ledger(con: duckdb.DuckDBPyConnection, school_year: str) -> pd.DataFrame:
    if not warehouse.table_exists(con, LEDGER):
        return pd.DataFrame(columns=LEDGER_COLUMNS)
    return con.execute(f"SELECT * FROM {LEDGER} WHERE school_year = ? ORDER BY updated_at", [school_year]).df()


def record(con: duckdb.DuckDBPyConnection, row: dict, keep_time: bool = False) -> None:
    """Upsert one ledger row (key: year, cds, recipient, checksum) in its own transaction.

    ``updated_at`` is now (UTC), or with ``keep_time`` the row's own (as written to the journal).
    """
    ensure_ledger(con)
    row = {**{c: None for c in LEDGER_COLUMNS}, **row}
    if not keep_time or row["updated_at"] is None:
        row["updated_at"] = _utcnow()
    key = "school_year = ? AND cds = ? AND recipient IS NOT DISTINCT FROM ? AND checksum IS NOT DISTINCT FROM ?"
    con.execute("BEGIN")
    try:
        con.execute(f"DELETE FROM {LEDGER} WHERE {key}",
                    [row["school_year"], row["cds"], row["recipient"], row["checksum"]])
        marks = ", ".join("?" * len(LEDGER_COLUMNS))
        con.execute(f"INSERT INTO {LEDGER} ({', '.join(LEDGER_COLUMNS)}) VALUES ({marks})",
                    [row[c] for c in LEDGER_COLUMNS])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def append_journal(path: Path, row: dict) -> None:
    """Append one ledger row to the journal as a JSON line, flushed to disk before returning."""
    line = json.dumps({c: row.get(c) for c in LEDGER_COLUMNS}, default=str, sort_keys=True) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = "\n" + line  # the previous line was cut short by a crash: start a new one
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise output_error(path, exc) from None


def read_journal(path: Path, school_year: str) -> list[dict]:
    """The journal's rows of ``school_year``, oldest first; lines that are not whole rows are skipped."""
    rows = []
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return rows
    for line in lines:
        try:
            row = json.loads(line)
            if not (isinstance(row, dict) and row.get("school_year") == school_year and row.get("cds")
                    and row.get("status")):
                continue
            row["updated_at"] = datetime.fromisoformat(row["updated_at"]) if row.get("updated_at") else None
        except (ValueError, TypeError):  # a line cut short by a crash
            continue
        rows.append(row)
    return rows


def restore_ledger(con: duckdb.DuckDBPyConnection, path: Path, school_year: str) -> int:
    """Put the journal's rows of ``school_year`` back into an empty ledger; returns how many."""
    latest: dict[tuple, dict] = {}
    for row in read_journal(path, school_year):
        latest[(row["cds"], row.get("recipient"), row.get("checksum"))] = row
    for row in sorted(latest.values(), key=lambda r: r["updated_at"] or datetime.min):
        record(con, row, keep_time=True)
    return len(latest)


def delivery_status(con: duckdb.DuckDBPyConnection, school_year: str) -> pd.DataFrame:
    """Per school: its latest ledger row, and when its current recipient last got a message."""
    cols = ["cds", "recipient", "status", "attempts", "attachments", "error", "updated_at", "last_sent_at"]
    if not warehouse.table_exists(con, LEDGER):
        return pd.DataFrame(columns=cols)
    return con.execute(f"""
        WITH y AS (SELECT * FROM {LEDGER} WHERE school_year = ?),
        latest AS (
            SELECT *, row_number() OVER (PARTITION BY cds ORDER BY updated_at DESC) AS rn FROM y
        )
        SELECT l.cds, l.recipient, l.status, l.attempts, l.attachments, l.error, l.updated_at,
               (SELECT max(s.updated_at) FROM y s WHERE s.cds = l.cds AND s.status = 'sent'
                  AND s.recipient IS NOT DISTINCT FROM l.recipient) AS last_sent_at
        FROM latest l WHERE rn = 1 ORDER BY l.cds
    """, [school_year]).df()[cols]


# ---------------------------------------------------------------------------------------------
# A run


@dataclass
class DeliverySummary:
    school_year: str
    send: bool
    outbox: Path
    outcomes: list[Outcome] = field(default_factory=list)
    aborted: str | None = None         # why the run stopped early (connection, TLS, login)
    abort_transient: bool = False      # True when retrying later may help (network), False for login/TLS
    not_attempted: list[str] = field(default_factory=list)

    def _with(self, status: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def sent(self) -> list[Outcome]:
        return self._with("sent")

    @property
    def written(self) -> list[Outcome]:
        return self._with("written")

    @property
    def skipped_unchanged(self) -> list[Outcome]:
        return self._with("skipped_unchanged")

    @property
    def failed(self) -> list[Outcome]:
        return self._with("failed")

    @property
    def no_address(self) -> list[Outcome]:
        return self._with("no_address")

    @property
    def no_pdf(self) -> list[Outcome]:
        return self._with("no_pdf")

    @property
    def resent_after_interruption(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.resent_after_interruption]

    def counts(self) -> dict[str, int]:
        return {
            "messages_sent": len(self.sent),
            "messages_written": len(self.written),
            "messages_skipped_unchanged": len(self.skipped_unchanged),
            "messages_failed": len(self.failed),
            "schools_without_address": len(self.no_address),
            "schools_without_pdf": len(self.no_pdf),
            "not_attempted": len(self.not_attempted),
            "resent_after_interruption": len(self.resent_after_interruption),
        }

    def table(self) -> pd.DataFrame:
        """One row per school: no student data, only the school, its status and the server's reply."""
        return pd.DataFrame([{
            "cds": o.cds, "school": o.school, "status": o.status,
            "attachments": ", ".join(o.attachments), "attempts": o.attempts,
            "note": _one_line(o.error, 300)
            + (" (resent: previous run stopped mid-send)" if o.resent_after_interruption else ""),
        } for o in self.outcomes], columns=["cds", "school", "status", "attachments", "attempts", "note"])

    def markdown(self) -> str:
        t = self.table()
        if t.empty:
            return "(no schools)"
        t = t.assign(**{c: t[c].astype(str).str.replace("|", "/", regex=False) for c in ("school", "note")})
        lines = ["| " + " | ".join(t.columns) + " |", "|" + "---|" * len(t.columns)]
        lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in t.itertuples(index=False)]
        if self.aborted:
            skipped = ", ".join(self.not_attempted) or "none"
            lines.append(f"\n**Stopped early:** {self.aborted}; not attempted: {skipped}")
        return "\n".join(lines)


OpenWarehouse = Callable[[], ContextManager[duckdb.DuckDBPyConnection]]


def deliver_directory(
    directory: pd.DataFrame,
    school_year: str,
    year_dir: Path,
    open_warehouse: OpenWarehouse,
    settings: SmtpSettings,
    send: bool,
    attempts_per_run: int = 3,
    retry_delay: float = 5.0,
    log=None,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliverySummary:
    """Deliver (or, with ``send=False``, write to the outbox) every school of ``directory``."""
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
        return _deliver_locked(directory, school_year, year_dir, journal, open_warehouse, settings, send,
                               sender, attempts_per_run, retry_delay, log, sleep, summary)


def _deliver_locked(directory, school_year, year_dir, journal, open_warehouse, settings, send, sender,
                    attempts_per_run, retry_delay, log, sleep, summary) -> DeliverySummary:
    with open_warehouse() as con:
        ensure_ledger(con)
        ledger = read_ledger(con, school_year)
        if ledger.empty and journal.exists():
            restored = restore_ledger(con, journal, school_year)
            if restored:
                log.warning(f"the delivery ledger of {school_year} was empty (a rebuilt warehouse?): restored "
                            f"{restored} row(s) from {journal}, so nothing already sent is sent again")
                ledger = read_ledger(con, school_year)

    def write(row: dict) -> None:
        row = {"school_year": school_year, **row, "updated_at": _utcnow()}
        if row["status"] in JOURNALED:
            append_journal(journal, row)  # first: the journal survives a warehouse that does not
        # Another process may hold the warehouse file for a moment (DuckDB allows one writer):
        # wait a little rather than lose the record of a message that has just gone out.
        for attempt in range(LEDGER_WRITE_TRIES):
            try:
                with open_warehouse() as con:
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
    name = _one_line(school.get("school_name"), 120)
    raw_address = _one_line(school.get("principal_email"), 254) or None
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
            error = _one_line(e, 500)
            if e.permanent or attempt == attempts_per_run:
                break
        except SessionError as e:
            error = _one_line(e, 500)
            if not e.transient or attempt == attempts_per_run:
                summary.aborted, summary.abort_transient = error, e.transient
                break
        except MailerError as e:  # any other refusal from the mailer: record, go on
            error = _one_line(e, 500)
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


def _settings_of(mailer_like) -> SmtpSettings:
    if isinstance(mailer_like, SmtpSettings):
        return mailer_like
    if hasattr(mailer_like, "smtp_settings"):
        return mailer_like.smtp_settings()
    fields = ("host", "port", "starttls", "user", "password", "sender", "timeout")
    return SmtpSettings(**{f: getattr(mailer_like, f) for f in fields if getattr(mailer_like, f, None) is not None})


def deliver_year(files_like, mailer_like, school_year: str, send: bool, log=None) -> DeliverySummary:
    """The whole delivery of one school year (for the asset and ``scorecards deliver``).

    ``files_like`` has ``warehouse()`` and ``year_dir(year)`` (``ScorecardFiles``); ``mailer_like``
    is a ``Mailer``, an ``SmtpSettings`` or anything with the same attributes. ``send=False`` is a
    dry run: ``.eml`` files in ``<out>/<year>/outbox/``, ledger status ``written``.
    """
    if not YEAR_RE.match(school_year or ""):
        raise ValueError(f"refusing school year {school_year!r}: expected e.g. 2023-24")
    with files_like.warehouse(read_only=True) as con:
        directory = warehouse.read_table(con, "validated_directory", {"school_year": school_year})
    return deliver_directory(
        directory, school_year, files_like.year_dir(school_year),
        open_warehouse=files_like.warehouse,
        settings=_settings_of(mailer_like),
        send=send,
        attempts_per_run=int(getattr(mailer_like, "attempts_per_run", 3) or 1),
        retry_delay=float(getattr(mailer_like, "retry_delay", 5.0)),
        log=log,
    )
