"""What one principal receives: the message's texts, the address, the PDFs, the Message-ID.

One message per school of the year's directory (``validated_directory``), addressed to exactly
that school's ``principal_email`` (the only envelope recipient), carrying only
``<out>/<year>/schools/<cds>/scorecard.<lang>.pdf`` for the languages of the school's
``languages`` column (``en;es``). Paths are built with ``school_dir``, which refuses anything
but a 14-digit CDS code; nothing is globbed. The text is in the school's first language
(English or Spanish; other languages get English) and holds no student data.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from pathlib import Path

import pandas as pd

from pipeline.outputs import school_dir

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


@dataclass
class Attachment:
    name: str
    data: bytes = field(repr=False)
    sha256: str


def one_line(value: object, limit: int = 200) -> str:
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
    langs = [x.strip() for x in one_line(value).split(";") if x.strip()]
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
    name = one_line(school.get("school_name"), 120)
    principal = one_line(school.get("principal_name"), 120)
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
