"""Compose each principal's e-mail with their own school's PDFs, and keep the outbox.

The default is a dry run: messages are written as ``.eml`` files under ``<out>/<year>/outbox/``
so nobody is e-mailed by accident.
"""
from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pandas as pd

from pipeline.outputs import school_dir, sha256, write_atomic


@dataclass
class Delivery:
    cds: str
    to: str | None
    attachments: list[Path]
    status: str  # "written", "no_address", "no_pdf"
    eml: Path | None = None


def compose(school: pd.Series, pdfs: list[Path], school_year: str, sender: str) -> EmailMessage:
    """One message to one principal, carrying only that school's PDFs."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = school["principal_email"]
    msg["Subject"] = f"School scorecard {school_year}: {school['school_name']}"
    msg.set_content(
        f"Dear {school.get('principal_name') or 'Principal'},\n\n"
        f"Attached is the {school_year} scorecard for {school['school_name']} (CDS {school['cds']}).\n"
        "It shows the school's Dashboard indicators, student groups and trends. Figures for fewer than\n"
        "11 students are not shown.\n\nDistrict data office\n"
    )
    for pdf in pdfs:
        msg.add_attachment(pdf.read_bytes(), maintype="application", subtype="pdf", filename=pdf.name)
    return msg


def write_outbox(directory: pd.DataFrame, school_year: str, year_dir: Path, sender: str) -> list[Delivery]:
    """Write one ``.eml`` per school with a principal address and rendered PDFs."""
    out = []
    for _, school in directory.sort_values("cds").iterrows():
        folder = school_dir(year_dir, school["cds"])
        langs = [x for x in str(school["languages"]).split(";") if x]
        pdfs = [folder / f"scorecard.{lang}.pdf" for lang in langs if (folder / f"scorecard.{lang}.pdf").exists()]
        email = school.get("principal_email")
        if not isinstance(email, str) or "@" not in email:
            out.append(Delivery(school["cds"], None, pdfs, "no_address"))
            continue
        if not pdfs:
            out.append(Delivery(school["cds"], email, [], "no_pdf"))
            continue
        msg = compose(school, pdfs, school_year, sender)
        eml = write_atomic(year_dir / "outbox" / f"{school['cds']}.eml", msg.as_bytes())
        out.append(Delivery(school["cds"], email, pdfs, "written", eml))
    return out


def attachment_checksums(delivery: Delivery) -> str:
    return ";".join(f"{p.name}:{sha256(p)[:16]}" for p in delivery.attachments)
