"""Malformed exports, generated: no traceback reaches the user, every row is kept or quarantined."""
from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from pipeline.config import load_settings
from pipeline.ingest import ingest
from pipeline.readers import LINE, SourceFileError
from pipeline.sources import SOURCES

pytestmark = pytest.mark.slow  # hypothesis: hundreds of malformed files

HEADER = ["school_year", "ssid", "cds", "grade", "days_enrolled", "days_absent", "ethnicity", "el", "ltel",
          "sed", "swd", "foster", "homeless"]


def good_rows(n: int) -> list[list[str]]:
    return [["2023-24", f"{5550000000 + i}", "19754160000001", "5", "180", str(i % 30), "HI", "N", "N",
             "Y", "N", "N", "N"] for i in range(n)]


MUTATIONS = ["wrong_type", "out_of_range", "drop_column", "extra_column", "shuffle_columns", "duplicate_row",
             "truncate", "stray_quote", "huge_field", "blank_lines", "formula", "cp1252", "bom_crlf",
             "short_row", "long_row", "empty_cell"]


def mutate(rows: list[list[str]], header: list[str], kinds: list[str], rnd: random.Random) -> bytes:
    header = list(header)
    rows = [list(r) for r in rows]
    encoding, newline, bom = "utf-8", "\n", False
    for kind in kinds:
        filled = [i for i, row in enumerate(rows) if row]
        if not filled:
            break
        r, c = rnd.choice(filled), rnd.randrange(len(header))
        if kind == "wrong_type":
            if "days_enrolled" in header and header.index("days_enrolled") < len(rows[r]):
                rows[r][header.index("days_enrolled")] = rnd.choice(["abc", "1.5", "", "NaN", "-"])
        elif kind == "out_of_range":
            if "days_absent" in header and header.index("days_absent") < len(rows[r]):
                rows[r][header.index("days_absent")] = rnd.choice(["-1", "999", "100000000000000000000"])
        elif kind == "drop_column" and len(header) > 1:
            del header[c]
            for row in rows:
                if c < len(row):
                    del row[c]
        elif kind == "extra_column":
            header.append("extra")
            for row in rows:
                row.append("x")
        elif kind == "shuffle_columns":
            order = list(range(len(header)))
            rnd.shuffle(order)
            header = [header[i] for i in order]
            rows = [[row[i] if i < len(row) else "" for i in order] for row in rows]
        elif kind == "duplicate_row":
            rows.insert(r, list(rows[r]))
        elif kind == "stray_quote":
            rows[r][c % len(rows[r])] = 'a"b' if rnd.random() < 0.5 else '"open'
        elif kind == "huge_field":
            rows[r][c % len(rows[r])] = "x" * 100_000
        elif kind == "blank_lines":
            rows.insert(r, [])
        elif kind == "formula":
            rows[r][c % len(rows[r])] = '=HYPERLINK("http://evil.example","click")'
        elif kind == "cp1252":
            rows[r][c % len(rows[r])] = "Niños"
            encoding = "cp1252"
        elif kind == "bom_crlf":
            bom, newline = True, "\r\n"
        elif kind == "short_row":
            rows[r] = rows[r][: max(1, len(rows[r]) // 2)]
        elif kind == "long_row":
            rows[r] = rows[r] + ["1", "2"]
        elif kind == "empty_cell":
            rows[r][c % len(rows[r])] = ""

    def line(cells):
        return ",".join(f'"{x}"' if "," in x else x for x in cells)

    text = newline.join([line(header)] + [line(r) for r in rows]) + newline
    data = text.encode(encoding, errors="replace")
    if "truncate" in kinds and len(data) > 10:
        data = data[: rnd.randrange(len(data) // 2, len(data))]
    return (b"\xef\xbb\xbf" if bom else b"") + data


def intact_lines(data: bytes, header: list[str], rows: list[list[str]], key: list[str],
                 delimiter: str = ",") -> list[int]:
    """The physical lines of ``data`` that hold one of the good ``rows`` as it was (under whatever
    header the file ended with), the first of its key, with no quote anywhere before it (a stray
    quote may swallow the lines after it). Whatever else the file suffered, these rows must be kept."""
    import csv

    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    final = next(csv.reader([lines[0]], delimiter=delimiter)) if lines and '"' not in lines[0] else []
    good = [dict(zip(header, row)) for row in rows]
    shared = [c for c in final if c in header]
    found, seen = [], set()
    for number, line in enumerate(lines[1:], start=2):
        if '"' in line or not final:
            break
        if not line.strip(f" \t{delimiter}\u00a0"):
            continue
        cells = next(csv.reader([line], delimiter=delimiter))
        row = dict(zip(final, cells))
        ident = tuple(row.get(c) for c in key)
        if len(cells) == len(final) and ident not in seen \
                and any(all(row[c] == g[c] for c in shared) for g in good):
            found.append(number)
        seen.add(ident)
    return found


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(1, 30), kinds=st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=4),
       seed=st.integers(0, 10_000))
@example(n=12, kinds=["wrong_type", "out_of_range"], seed=2)  # "abc" enrolled on one line, 10**20 absent on another
def test_malformed_attendance_is_quarantined_or_refused(tmp_path, n, kinds, seed):
    folder = tmp_path / f"{seed}-{n}" / "2023-24"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "attendance.csv").write_bytes(mutate(good_rows(n), HEADER, kinds, random.Random(seed)))
    try:
        result = ingest(SOURCES["attendance"], folder.parent, "2023-24", load_settings())
    except SourceFileError as exc:
        # a file-level problem: one sentence naming the file, never a traceback
        assert str(exc).startswith(f"{folder.parent.name}/2023-24/attendance.csv: ")
        assert "\n" not in str(exc) and "Traceback" not in str(exc)
        return
    v = result.validated
    assert v.rows_read == v.rows_kept + v.rows_quarantined
    assert v.quarantine["reason"].str.len().gt(0).all()
    assert not v.quarantine["value"].str.contains("555000", regex=False).fillna(False).any()  # no student id
    # a malformed cell quarantines its own row: every row the mutations left as it was is kept
    data = (folder / "attendance.csv").read_bytes()
    intact = intact_lines(data, HEADER, good_rows(n), ["ssid", "cds"])
    assert set(intact) <= set(v.kept[LINE]), (sorted(set(intact) - set(v.kept[LINE])), v.quarantine.to_string())


# --- every source: real-looking rows from the sample generator, then the same mutations ----------

_SAMPLE_RAW = None


def sample_raw():
    """The 'tiny' sample, generated once per test session (real column sets of every source)."""
    global _SAMPLE_RAW
    if _SAMPLE_RAW is None:
        import tempfile
        from pathlib import Path

        from pipeline.sample import generate

        _SAMPLE_RAW = Path(tempfile.mkdtemp(prefix="bad-input-sample-"))
        generate(_SAMPLE_RAW, scale="tiny", seed=3)
    return _SAMPLE_RAW


def sample_rows(source, n: int) -> tuple[list[str], list[list[str]], str]:
    """Header, the first ``n`` rows and the delimiter of ``source``'s sample file."""
    import csv
    import io

    text = source.path(sample_raw(), "2023-24").read_text(encoding="utf-8-sig")
    delimiter = source.delimiters[0]
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    return rows[0], rows[1:n + 1], delimiter


def mutate_any(header, rows, kinds, rnd, delimiter) -> bytes:
    """:func:`mutate` for any source: type and range damage go to a random column."""
    rows = [list(r) for r in rows]
    for kind in kinds:
        if kind in ("wrong_type", "out_of_range") and rows:
            r, c = rnd.randrange(len(rows)), rnd.randrange(len(header))
            if c < len(rows[r]):
                rows[r][c] = rnd.choice(["abc", "1.5", "NaN", "-"] if kind == "wrong_type"
                                        else ["-1", "999", "100000000000000000000"])
    data = mutate(rows, header, [k for k in kinds if k not in ("wrong_type", "out_of_range")], rnd)
    if delimiter != ",":  # mutate() writes commas; the Dashboard files are tab-delimited
        data = data.replace(b",", delimiter.encode())
    return data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(SOURCES)), n=st.integers(1, 25),
       kinds=st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=4), seed=st.integers(0, 10_000))
def test_every_source_malformed_is_quarantined_or_refused(tmp_path_factory, name, n, kinds, seed):
    import csv
    import io
    import shutil

    from tests.test_quarantine import number_columns

    source = SOURCES[name]
    assume(source.path(sample_raw(), "2023-24").exists())  # the tiny sample has no college/career file
    header, rows, delimiter = sample_rows(source, n)
    raw = tmp_path_factory.mktemp("raw")
    if name == "survey_responses":  # answers are checked against the codebook
        codebook = SOURCES["survey_codebook"]
        shutil.copy(codebook.path(sample_raw(), "2023-24"), codebook.path(raw, "2023-24"))
    path = source.path(raw, "2023-24")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(mutate_any(header, rows, kinds, random.Random(seed), delimiter))
    ids = {row[header.index(c)] for c in source.identifier_columns if c in header
           for row in rows if header.index(c) < len(row) and len(row[header.index(c)]) >= 5}
    try:
        result = ingest(source, raw, "2023-24", load_settings())
    except SourceFileError as exc:
        shown = path.relative_to(raw.parent).as_posix()
        assert str(exc).startswith(f"{shown}: "), str(exc)
        assert "\n" not in str(exc) and "Traceback" not in str(exc)
        assert not any(i in str(exc) for i in ids)
        return
    v = result.validated
    assert v.rows_read == v.rows_kept + v.rows_quarantined
    assert v.quarantine["reason"].str.len().gt(0).all()
    assert (v.quarantine["line"].dropna() >= 2).all()
    values = " ".join(v.quarantine["value"].fillna("").astype(str))
    assert not any(i in values for i in ids), "a student identifier reached the quarantine"
    intact = intact_lines(path.read_bytes(), header, rows, source.key, delimiter)
    assert set(intact) <= set(v.kept[LINE]), (sorted(set(intact) - set(v.kept[LINE])), v.quarantine.to_string())


# --- a value that is not a number, or not allowed, in a column read as a number ---------------------

BAD_NUMBERS = ["abc", "G5", "n/a", "1.5", "-", "NaN", "-1", "999", "100000000000000000000", "", "1_0", "٣", " 7 "]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(SOURCES)), n=st.integers(2, 30), reference=st.booleans(),
       damage=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 10_000), st.sampled_from(BAD_NUMBERS)),
                       min_size=1, max_size=4))
@example(name="assessment", n=12, reference=False, damage=[(4, 0, "G5")])  # grade, allowed 3-8 and 11
@example(name="assessment", n=12, reference=True, damage=[(4, 0, "G5")])
@example(name="attendance", n=12, reference=False, damage=[(2, 0, "n/a"), (7, 1, "n/a")])  # enrolled, absent
@example(name="attendance", n=12, reference=True, damage=[(2, 0, "n/a"), (7, 1, "n/a")])
def test_a_bad_number_quarantines_its_own_row_and_no_other(tmp_path_factory, name, n, reference, damage):
    """Whatever lands in the columns a contract reads as numbers (text, a fraction, out of range, a
    blank, digits Python reads), in any rows of an otherwise good file: those rows may be
    quarantined, every other row is kept, in either engine. Text in one row once made pandera
    check a whole column's allowed values, or a row check, on text, quarantining most of the file."""
    import csv
    import io
    import shutil

    from tests.test_quarantine import number_columns

    source = SOURCES[name]
    assume(source.path(sample_raw(), "2023-24").exists())
    header, rows, delimiter = sample_rows(source, n)
    numbers = number_columns(source, header)
    assume(numbers)
    damaged = [list(r) for r in rows]
    lines = set()
    for r, c, value in damage:
        r, column = r % len(rows), numbers[c % len(numbers)]
        damaged[r][header.index(column)] = value
        lines.add(r + 2)
    raw = tmp_path_factory.mktemp("raw")
    if name == "survey_responses":
        shutil.copy(SOURCES["survey_codebook"].path(sample_raw(), "2023-24"), raw / "survey_codebook.csv")
    path = source.path(raw, "2023-24")
    path.parent.mkdir(parents=True, exist_ok=True)
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\n").writerows([header, *damaged])
    path.write_text(text.getvalue(), encoding="utf-8")
    v = ingest(source, raw, "2023-24", load_settings(), reference=reference).validated
    assert v.rows_read == len(rows) == v.rows_kept + v.rows_quarantined
    assert set(v.quarantine["line"]) <= lines, v.quarantine.to_string()
    assert set(v.kept[LINE]) >= set(range(2, len(rows) + 2)) - lines
