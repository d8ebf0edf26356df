"""What one principal receives: the message's texts, the address, the PDFs, the Message-ID.

One message per school of the year's directory (``validated_directory``), addressed to exactly
that school's ``principal_email`` (the only envelope recipient), carrying only
``<out>/<year>/schools/<cds>/scorecard.<lang>.pdf`` for the languages of the school's
``languages`` column (``en;es``), attached as ``<school>_<year>_<lang>.pdf``. Paths are built
with ``school_dir``, which refuses anything but a 14-digit CDS code; nothing is globbed. The
subject, text and signature are the district's templates ``templates/email/<lang>/`` (see its
README) in the school's first language (English when there is no folder for it); they hold no
student data. Every name in them is one line without control characters or bidi overrides.
"""
from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.headerregistry import Address
from email.utils import formatdate
from pathlib import Path

import jinja2
import pandas as pd

from pipeline.config import PROJECT_ROOT
from pipeline.directory_fields import address_problem, principal_name, valid_address  # noqa: F401
from pipeline.outputs import school_dir
from pipeline.plain_text import plain_line

LANG_RE = re.compile(r"^[a-z]{2}$")

EMAIL_TEMPLATES = PROJECT_ROOT / "templates" / "email"  # <lang>/{subject,body,signature}.txt.j2; see its README
AND = {"en": "and", "es": "y"}


@dataclass
class Attachment:
    name: str
    data: bytes = field(repr=False)
    sha256: str


def one_line(value: object, limit: int = 200) -> str:
    """One safe line: no line break, control character or bidi override (``plain_text.plain_line``)."""
    if value is pd.NA:
        return ""
    return plain_line(value, limit)


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


def attachment_filename(school_name: object, school_year: str, lang: str) -> str:
    """``<school>_<year>_<lang>.pdf``: the school's name in plain ASCII letters, digits and hyphens."""
    folded = unicodedata.normalize("NFKD", plain_line(school_name)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:60].strip("-") or "school"
    return f"{slug}_{school_year}_{lang}.pdf"


@functools.lru_cache(maxsize=None)
def _templates(folder: str) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(folder), autoescape=False,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def email_texts(lang: str, values: dict, folder: Path | None = None) -> dict[str, str]:
    """Subject and text of the message in ``lang`` (English when ``folder`` has no ``lang``)."""
    folder = folder or EMAIL_TEMPLATES
    lang = lang if (Path(folder) / lang).is_dir() else "en"
    env = _templates(str(folder))
    out = {part: env.get_template(f"{lang}/{part}.txt.j2").render(**values)
           for part in ("subject", "body", "signature")}
    return {"lang": lang, "subject": plain_line(out["subject"], 300),
            "text": out["body"].rstrip("\n") + "\n" + out["signature"].rstrip("\n") + "\n"}


def compose(school: pd.Series, recipient: str, attachments: list[Attachment], school_year: str,
            sender: str, msg_id: str | None = None, district: str | None = None) -> EmailMessage:
    """One message to one principal in the school's first language, carrying only its PDFs."""
    langs = school_languages(school.get("languages"))
    name = one_line(school.get("school_name"), 120)
    principal = principal_name(school.get("principal_name"))
    attached_langs = [a.name.split(".")[1] for a in attachments]
    first = langs[0] if langs else "en"
    texts = email_texts(first, {
        "school": name, "year": school_year, "cds": school["cds"], "principal": principal,
        "languages": _language_names(attached_langs, first if first in AND else "en"),
        "district": one_line(district if district is not None else _district(), 200)})
    lang = texts["lang"]
    msg = EmailMessage()
    msg["From"] = sender
    # An Address object, not text: the policy quotes or encodes the name as one display name,
    # so no input (a comma, a colon, a line break, in any script) can add a recipient or a header.
    msg["To"] = Address(display_name=principal, addr_spec=recipient)
    msg["Subject"] = texts["subject"]
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = msg_id or message_id(school_year, school["cds"], recipient, checksum(attachments), sender)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(texts["text"])
    msg["Content-Language"] = lang  # after set_content, which clears Content-* headers; ends up on the text part
    for a in attachments:
        msg.add_attachment(a.data, maintype="application", subtype="pdf",
                           filename=attachment_filename(name, school_year, a.name.split(".")[1]))
    return msg


def _district() -> str:
    from pipeline.config import load_settings

    return load_settings().district_name


def _language_names(codes: list[str], in_lang: str) -> str:
    try:
        from babel import Locale

        names = Locale.parse(in_lang).languages
    except Exception:  # babel is a dependency; this only guards an unknown locale
        names = {}
    words = [names.get(c, c) for c in codes]
    if len(words) <= 1:
        return "".join(words)
    conj = AND.get(in_lang, "and")
    last = words[-1].lower()
    if in_lang == "es" and (last.startswith(("i", "í", "hi")) and not last.startswith("hie")):
        conj = "e"  # Spanish: "español e inglés"
    return ", ".join(words[:-1]) + f" {conj} " + words[-1]
