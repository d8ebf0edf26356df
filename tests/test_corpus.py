"""A regression corpus of worst-case input files (tests/corpus/), each ingested through
``pipeline.ingest.ingest`` as the pipeline does.

Every ``tests/corpus/<source>/<case>.<ext>`` has its expected outcome beside it in
``<case>.json``: either ``"outcome": "refused"`` with the ``error`` the one-line
:class:`SourceFileError` must hold, or ``"outcome": "rows"`` with the counts read, kept and
quarantined, each quarantine entry as ``[line, column, words of its reason]``, the blank lines and
the ignored columns. A change of behaviour on any file fails here; change the JSON only when the
new behaviour is the better one. ``known_issue`` marks an expectation that states the right
behaviour but fails today (the test is an expected failure, strict: fixing it makes it pass,
which fails until the mark goes). ``tests/corpus/make_corpus.py`` writes the input files.

Whatever the file, these hold too: no traceback (a result, or a SourceFileError naming the file
and the problem in one line), rows read = rows kept + rows quarantined, every quarantine entry
names the row's line (and that line holds the value it shows) and a column of the file, and no
student id of the file appears in a quarantined value or an error.
"""
from __future__ import annotations

import gzip
import json
import re
import shutil
from pathlib import Path

import pytest

from pipeline.config import load_settings
from pipeline.ingest import ingest
from pipeline.readers import SourceFileError
from pipeline.sources import SOURCES

CORPUS = Path(__file__).parent / "corpus"
YEAR = "2023-24"
SOURCES_IN_CORPUS = ("attendance", "assessment", "survey_responses", "directory", "dashboard_chronic")
KINDS = ("wrong_types", "out_of_range", "missing_column", "extra_column", "shuffled_columns", "duplicated_rows",
         "truncated_last_line", "stray_quotes", "huge_field", "mixed_encodings", "blank_lines", "formula_cells",
         "multiline_ids", "utf16", "header_only", "empty")
# fake ids the corpus uses (ssid 99900000xx, response id R9990xx), including those planted in multi-line values
FAKE_ID = re.compile(rb"\b(?:999\d{7}|R999\d{3})\b")
CASES = sorted(p for p in CORPUS.glob("*/*") if p.is_file() and p.suffix != ".json")


def case_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name.split('.')[0]}"


def expected(path: Path) -> dict:
    return json.loads(path.with_name(path.name.split(".")[0] + ".json").read_text(encoding="utf-8"))


def file_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def run(path: Path, tmp_path: Path):
    """Place the file where its source lives in a raw folder and ingest it: (result or error, display path)."""
    source = SOURCES[path.parent.name]
    raw = tmp_path / "raw"
    dest = source.path(raw, YEAR)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(file_bytes(path))
    if source.name == "survey_responses":
        shutil.copy(CORPUS / "survey_codebook.csv", raw / "survey_codebook.csv")
    shown = f"raw/{dest.relative_to(raw).as_posix()}"
    try:
        return ingest(source, raw, YEAR, load_settings()), shown
    except SourceFileError as exc:
        return exc, shown


def marked(test: str) -> list:
    """The corpus cases as pytest params, a known issue of ``test`` marked as a strict expected failure."""
    params = []
    for path in CASES:
        issue = expected(path).get("known_issue")
        marks = [pytest.mark.xfail(strict=True, reason=issue["why"])] if issue and test in issue["fails"] else []
        params.append(pytest.param(path, id=case_id(path), marks=marks))
    return params


def test_every_file_has_an_expectation_and_every_kind_is_there():
    assert {p.name.split(".")[0] for p in CORPUS.glob("*/*.json")} == {p.name.split(".")[0] for p in CASES}
    for source in SOURCES_IN_CORPUS:
        kinds = {p.name.split(".")[0] for p in (CORPUS / source).iterdir() if p.suffix != ".json"}
        assert set(KINDS) <= kinds, f"{source}: missing {set(KINDS) - kinds}"
        assert all(len(file_bytes(p)) < 200_000 for p in (CORPUS / source).iterdir())
    for path in CASES:  # no ten-digit number but the fake ids (a CDS code has 14 digits)
        assert not re.search(rb"\b\d{10}\b", FAKE_ID.sub(b"", file_bytes(path))), f"{path}: a real-looking id"


@pytest.mark.parametrize("path", marked("outcome"))
def test_outcome_is_as_expected(path, tmp_path):
    want = expected(path)
    got, shown = run(path, tmp_path)
    if want["outcome"] == "refused":
        assert isinstance(got, SourceFileError), f"expected the file to be refused, got {got.validated.rows_read} rows"
        message = str(got)
        assert message.startswith(f"{shown}: "), message
        assert want["error"] in got.problem, message
        return
    assert not isinstance(got, SourceFileError), f"refused: {got}"
    v = got.validated
    assert (v.rows_read, v.rows_kept, v.rows_quarantined) == (want["rows_read"], want["rows_kept"],
                                                              want["rows_quarantined"])
    entries = sorted((int(q.line), q.column_name, q.reason) for q in v.quarantine.itertuples())
    assert [(line, col) for line, col, _ in entries] == sorted((line, col) for line, col, _ in want["quarantined"]), \
        entries
    for (line, col, reason), (_, _, words) in zip(entries, sorted(want["quarantined"])):
        assert words in reason, f"line {line} {col}: {reason!r} does not say {words!r}"
    assert got.raw.blank_lines == want["blank_lines"]
    assert got.raw.ignored_columns == want["ignored_columns"]


@pytest.mark.parametrize("path", marked("line_and_column"))
def test_no_traceback_every_row_accounted_for_and_named(path, tmp_path):
    data = file_bytes(path)
    ids = {m.decode() for m in FAKE_ID.findall(data)}
    got, shown = run(path, tmp_path)
    if isinstance(got, SourceFileError):
        message = str(got)
        assert message.startswith(f"{shown}: ") and got.problem, message
        assert "\n" not in message and "Traceback" not in message, message
        assert not any(i in message for i in ids), message
        return
    v = got.validated
    assert v.rows_read == v.rows_kept + v.rows_quarantined
    text = data.decode("utf-8-sig", errors="replace")
    lines = text.split("\n")
    header = [h.strip().strip('"').lower() for h in lines[0].split("\t" if "\t" in lines[0] else ",")]
    for q in v.quarantine.itertuples():
        where = f"quarantine entry line {q.line} column {q.column_name!r}: {q.reason!r}"
        assert q.reason and q.file == shown, where
        assert 2 <= q.line <= len(lines) and lines[q.line - 1].strip(), f"{where}: no such data line"
        columns = [c.strip() for c in q.column_name.split(",")]
        if q.column_name == "(row)":
            # a problem with the row as a whole: its reason must say which (field count, or the columns it compares)
            named = [c for c in header if re.search(rf"\b{re.escape(c)}\b", q.reason)]
            assert q.reason.startswith("row has ") or len(named) >= 2, \
                f"{where}: the reason names no column"
        else:
            assert all(c in header for c in columns), f"{where}: not a column of the file"
        if q.value and not q.value.startswith("(hidden") and len(q.value) < 200:
            row = lines[q.line - 1]
            assert q.value in row or q.value.replace('"', '""') in row, f"{where}: line {q.line} does not hold {q.value!r}"
        assert not any(i in q.value for i in ids), f"{where}: a student id in the value {q.value!r}"
