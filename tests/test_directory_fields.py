"""Bad directory fields stay small: a bad principal e-mail or an over-long name is that field's
problem (the school keeps its row and scorecard, and is listed as having no valid address with the
reason); no input adds an e-mail header or recipient; names lose line breaks, control characters
and bidi overrides; a school listed twice is refused; rows for a school not in the directory are
quarantined."""
from __future__ import annotations

import csv
import email
import email.policy
import shutil

import pandas as pd
import pytest
from pypdf import PdfReader

from pipeline import warehouse
from pipeline.cli import _run_warnings
from pipeline.config import load_settings
from pipeline.delivery import deliver_directory, deliver_year
from pipeline.delivery.compose import compose
from pipeline.directory_fields import address_problem, field_problems
from pipeline.ingest import file_frame, ingest, kept_table
from pipeline.readers import SourceFileError
from pipeline.render.pdf import render_pdf_one
from pipeline.sources import SOURCES
from pipeline.validation_report import write_report
from tests.test_delivery import SENDER, YEAR, _settings, server, smtp  # noqa: F401

HEADER = ["cds", "school_name", "district_name", "county_name", "school_type", "low_grade", "high_grade", "charter",
          "principal_name", "principal_email", "languages", "address", "city", "zip"]
GOOD = {"district_name": "Sample USD", "county_name": "Los Angeles", "school_type": "ES", "low_grade": "K",
        "high_grade": "5", "charter": "N", "languages": "en;es", "address": "1 Main St", "city": "Town", "zip": "90001"}
INJECTED = "ana@district.example.org\r\nBcc: everyone@elsewhere.example.com"
LONG_SCHOOL = "Escuela " + "Muy Larga " * 50
SCHOOLS = [  # (cds, school_name, principal_name, principal_email)
    ("01100170000001", "Alder Elementary", "Ana Alvarez", INJECTED),
    ("01100170000002", "Birch Middle", "Beto Baca", "beto@district.example.org, boss@district.example.org"),
    ("01100170000003", "Cedar High", "C" * 500, "carla@district.example.org"),
    ("01100170000004", LONG_SCHOOL, "Dan Diaz", "dan@district.example.org"),
    ("01100170000005", "\u202eloohcS\u202c Elm\x07", "Eva\nEvans", "eva@district.example.org"),
]


def write_directory(raw, rows):
    raw.mkdir(parents=True, exist_ok=True)
    with open(raw / "directory.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, HEADER)
        w.writeheader()
        for cds, school, principal, address in rows:
            w.writerow({**GOOD, "cds": cds, "school_name": school, "principal_name": principal,
                        "principal_email": address})


@pytest.fixture
def directory(tmp_path):
    write_directory(tmp_path / "raw", SCHOOLS)
    result = ingest(SOURCES["directory"], tmp_path / "raw", YEAR, load_settings())
    return result, kept_table(result)


def test_bad_contact_fields_keep_the_school_and_say_why(directory, tmp_path):
    result, kept = directory
    assert result.validated.rows_quarantined == 0 and len(kept) == len(SCHOOLS)  # every school keeps its row
    problems = field_problems(kept)
    assert problems[["cds", "column", "reason"]].values.tolist() == [
        ["01100170000001", "principal_email",
         "principal_email contains a line break: not used, so no header can be added"],
        ["01100170000002", "principal_email",
         "principal_email lists several addresses: one principal address is expected"],
        ["01100170000003", "principal_name", "principal_name is 500 characters (over 120): not used"],
        ["01100170000004", "school_name", "school_name was 507 characters: cut to 120"],
    ]
    long = kept.set_index("cds").loc["01100170000004", "school_name"]
    assert len(long) == 120 and long.endswith("…") and long.startswith("Escuela Muy Larga")
    summary = deliver_directory(kept, YEAR, tmp_path / "out" / YEAR, tmp_path / "w.duckdb", _settings(1), send=False)
    assert [(o.cds, o.error) for o in summary.no_address] == [
        ("01100170000001", "principal_email contains a line break: not used, so no header can be added"),
        ("01100170000002", "principal_email lists several addresses: one principal address is expected")]
    assert address_problem("not-an-address") == "principal_email is not a valid address"
    assert address_problem("") == "principal_email is empty"
    assert address_problem("a" * 250 + "@x.org") == "principal_email is 256 characters (over 254)"


def test_names_lose_line_breaks_controls_and_bidi_overrides(directory):
    _, kept = directory
    elm = kept.set_index("cds").loc["01100170000005"]
    assert elm["school_name"] == "loohcS Elm" and elm["principal_name"] == "Eva Evans"


def test_no_input_adds_a_header_or_recipient(smtp):
    handler, port = smtp
    from pipeline.delivery import SmtpSettings
    from pipeline.delivery.smtp import SmtpSession

    school = pd.Series({"cds": "01100170000001", "languages": "es;en",
                        "school_name": "Escuela Ñandú\u202e\r\nBcc: spy@elsewhere.example.com",
                        "principal_name": "José Núñez\r\nBcc: spy@elsewhere.example.com, otro@elsewhere.example.com:"})
    msg = compose(school, "jose@district.example.org", [], YEAR, SENDER)
    raw = msg.as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert [a.addr_spec for a in parsed["To"].addresses] == ["jose@district.example.org"]
    assert parsed["To"].groups[0].display_name is None  # not a group
    assert parsed["Bcc"] is None and parsed["Cc"] is None
    assert sorted(k for k in parsed.keys()) == sorted(
        ["From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted", "MIME-Version", "Content-Type",
         "Content-Transfer-Encoding", "Content-Language"])
    assert "\u202e" not in parsed["Subject"] and "\n" not in parsed["Subject"]
    assert parsed["To"].addresses[0].display_name.startswith("José Núñez Bcc:")
    with SmtpSession(SmtpSettings(host="127.0.0.1", port=port, starttls=False, sender=SENDER, timeout=5)) as s:
        s.send(msg, "jose@district.example.org")
    assert [r for r, _ in handler.messages] == [["jose@district.example.org"]]


def test_pdf_metadata_has_no_control_or_bidi_characters(tmp_path):
    html = "<!doctype html><html lang='en'><head><title>x</title></head><body><p>x</p></body></html>"
    out = render_pdf_one(html, tmp_path / "x.pdf", "\u202eloohcS\u202c Elm\r\nTitle: x — School Scorecard", "en")
    reader = PdfReader(out)
    xmp = reader.xmp_metadata.stream.get_data().decode("utf-8")
    assert reader.metadata["/Title"] == "loohcS Elm Title: x — School Scorecard"
    assert "\u202e" not in xmp and "loohcS Elm Title: x" in xmp


def test_a_school_listed_twice_is_refused_naming_both_rows(tmp_path):
    rows = [("01100170000001", "Alder Elementary", "Ana", "ana@district.example.org"), ("01100170000002", "Birch Middle", "Beto", "beto@district.example.org"),
            ("01100170000002", "Birch Middle", "Bea", "bea@district.example.org")]
    write_directory(tmp_path / "raw", rows)
    with pytest.raises(SourceFileError) as refused:
        ingest(SOURCES["directory"], tmp_path / "raw", YEAR, load_settings())
    assert refused.value.problem == ("CDS 01100170000002 is listed twice, on lines 3 and 4: refusing to guess "
                                     "which row is right; keep one row per school")


def test_rows_for_a_school_not_in_the_directory_are_quarantined(tiny_raw, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(tiny_raw, raw)
    path = raw / YEAR / "attendance.csv"
    lines = path.read_text().splitlines()
    phantom = [line.split(",") for line in lines[1:482]]
    for row in phantom:
        row[2] = "99999999999999"
    path.write_text("\n".join(lines + [",".join(r) for r in phantom]) + "\n")
    result = ingest(SOURCES["attendance"], raw, YEAR, load_settings())
    q = result.validated.quarantine
    reason = "CDS code not in the school directory (directory.csv): the row is not scored"
    assert (q["reason"] == reason).sum() == 481 and set(q.loc[q["reason"] == reason, "column_name"]) == {"cds"}
    assert "99999999999999" not in set(result.validated.kept["cds"])
    assert result.validated.rows_read == len(result.validated.kept) + q["line"].nunique()


def test_validation_report_and_run_output_list_the_field_problems(directory, tmp_path):
    _, kept = directory
    db = tmp_path / "out" / "scorecards.duckdb"
    db.parent.mkdir(parents=True)
    with warehouse.connect(db) as con:
        warehouse.replace_rows(con, "validated_directory", kept, {"school_year": YEAR})
        warehouse.replace_rows(con, "ingest_files", file_frame(source="directory", file="raw/directory.csv", provided=True,
                                                               rows_read=len(kept), rows_kept=len(kept), rows_quarantined=0),
                               {"school_year": YEAR, "source": "directory"})
        paths = write_report(con, YEAR, tmp_path / "out" / YEAR)
    report = paths["report_html"].read_text()
    assert "Directory fields with a problem" in report
    assert "principal_email lists several addresses: one principal address is expected" in report
    warnings = _run_warnings(db, YEAR, load_settings())
    assert ("01100170000001 (Alder Elementary): no valid address: principal_email contains a line break: not used, "
            "so no header can be added") in warnings
    assert any("school_name was 507 characters: cut to 120" in w for w in warnings)
