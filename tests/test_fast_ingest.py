"""The fast path (pyarrow reader, validation on distinct values) gives exactly what the slow path gives.

The slow path is the csv-module reader and pandera over the whole frame (``ingest(...,
reference=True)``): the definition of the result. Every file here is ingested both ways and the
kept rows (values and dtypes), the quarantine entries and the counts must be equal. Files the
fast reader cannot vouch for (quotes, ...) are read by the csv module either way; the fast
validation still runs on them and is compared too.
"""
from __future__ import annotations

import random

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pipeline.quarantine.columns as validation_columns
import pipeline.quarantine.encoded as validation_encoded
from pipeline.config import load_settings
from pipeline.ingest import ingest
from pipeline.readers import LINE, read_delimited
from pipeline.sources import SOURCES
from tests.test_bad_input_properties import HEADER, MUTATIONS, good_rows, mutate

YEAR = "2023-24"
ATTENDANCE = ",".join(HEADER)
ROW = "2023-24,{ssid},19754160000001,5,180,{absent},HI,N,N,Y,N,N,N"
CODEBOOK = (
    "item_id,respondent_group,domain,domain_es,item_text_en,item_text_es,reverse_coded,scale_points\n"
    "s1,student,Safety,Seguridad,I feel safe,Me siento seguro,N,4\n"
    "p1,parent,Engagement,Participación,I am welcome,Soy bienvenido,N,5\n"
)


def outcome(raw, source: str, reference: bool):
    """What an ingest gives, in comparable form (or the error it raises)."""
    try:
        result = ingest(SOURCES[source], raw, YEAR, load_settings(), reference=reference)
    except Exception as exc:  # noqa: BLE001 - the same error either way is part of the contract
        return ("error", type(exc).__name__, str(exc)), None
    v, r = result.validated, result.raw
    q = v.quarantine.sort_values(list(v.quarantine.columns), kind="stable").reset_index(drop=True)
    summary = (v.rows_read, v.rows_kept, v.rows_quarantined, r.blank_lines, r.ignored_columns, r.encoding,
               r.delimiter, r.checksum, [(b.line, b.problem, b.text) for b in r.bad_records])
    return summary, (v.kept, q, result)


def assert_same(raw, source: str):
    """The fast and the slow path agree on ``source`` in ``raw``; returns the fast path's result."""
    fast, fast_frames = outcome(raw, source, reference=False)
    slow, slow_frames = outcome(raw, source, reference=True)
    assert fast == slow
    if fast_frames is None:
        return None
    pd.testing.assert_frame_equal(fast_frames[0], slow_frames[0], check_dtype=True)  # kept rows
    pd.testing.assert_frame_equal(fast_frames[1], slow_frames[1], check_dtype=True)  # quarantine
    return fast_frames[2]


def write(raw, name: str, data: bytes, shared: bool = False):
    folder = raw if shared else raw / YEAR
    if name.endswith(".txt"):
        folder = folder / "dashboard"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


@pytest.fixture(params=["default", "arrow_everywhere"])
def thresholds(request, monkeypatch):
    """Run each case twice: as configured, and with every column taking the Arrow kernels and the
    identifier encoding, which big files take (the small files here would not reach them)."""
    if request.param == "arrow_everywhere":
        monkeypatch.setattr(validation_columns, "ARROW_DISTINCT", 0)
        monkeypatch.setattr(validation_encoded, "DIGITS_MIN_ROWS", 0)
    return request.param


def attendance(*rows: str, newline: str = "\n", encoding: str = "utf-8", bom: bool = False, end: bool = True) -> bytes:
    text = newline.join([ATTENDANCE, *rows]) + (newline if end else "")
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


GOOD = [ROW.format(ssid=5550000000 + i, absent=i % 20) for i in range(12)]

ATTENDANCE_CASES = {
    "plain": attendance(*GOOD),
    "crlf_bom_no_final_newline": attendance(*GOOD, newline="\r\n", bom=True, end=False),
    "windows_1252": attendance(*GOOD[:3], GOOD[3].replace("HI", "Ñ"), *GOOD[4:], encoding="cp1252"),
    "blank_lines": attendance(GOOD[0], "", "   ", ",,,,,,,,,,,,", " , ,\t", *GOOD[1:], "", ""),
    "ragged_rows": attendance(GOOD[0], "2023-24,5550000100,19754160000001", GOOD[1] + ",x,y", GOOD[2] + ",,",
                              GOOD[3] + ", ,\t", "just one field", *GOOD[4:]),
    "spaces_around_values": attendance(*[" " + r.replace(",", " , ") + "\t" for r in GOOD[:4]], *GOOD[4:]),
    "unicode_spaces": attendance(GOOD[0].replace("HI", "\u00a0HI\u3000"), GOOD[1].replace(",N,", ",\u2003,", 1),
                                 "\u00a0,\u00a0", *GOOD[2:]),
    "quotes": attendance('2023-24,"5550000100",19754160000001,5,180,1,"HI",N,N,Y,N,N,N',
                         '2023-24,5550000101,"1975416\n0000001",5,180,1,HI,N,N,Y,N,N,N', *GOOD),
    "bad_values": attendance(
        *GOOD,
        ROW.format(ssid=5550000000, absent=1),  # duplicate key
        ROW.format(ssid=12, absent="x"),  # bad id, not a number
        ROW.format(ssid=5550000201, absent=200),  # absent > enrolled
        ROW.format(ssid=5550000202, absent="-1"),
        ROW.format(ssid=5550000203, absent="1.5"),
        ROW.format(ssid=5550000204, absent="100000000000000000000"),
        ROW.format(ssid=5550000205, absent="+3"),
        ROW.format(ssid=5550000206, absent="1_0"),
        ROW.format(ssid="١٢٣٤٥٦٧٨٩٠", absent="٣"),  # Arabic-Indic digits: Python's \d and int() take them
        ROW.format(ssid="", absent=2), ROW.format(ssid="", absent=3),  # missing ids (and so "duplicates")
        ROW.format(ssid=5550000207, absent=1).replace(",5,", ",13,"),
        ROW.format(ssid=5550000208, absent=1).replace("HI", ""),
        ROW.format(ssid=5550000209, absent=1).replace("2023-24", "2022-23"),
        ROW.format(ssid=5550000210, absent=1).replace("19754160000001", "1975416000000"),
        ROW.format(ssid=5550000211, absent=1).replace(",180,", ",,"),
        ROW.format(ssid="5550000212 ", absent=" 4 "),
    ),
    # days_enrolled and days_absent both hold text in some row: those rows only are quarantined, and
    # the row check runs on the numbers of the others (pandera on the whole frame would compare text)
    "both_counts_text": attendance(*GOOD, ROW.format(ssid=5550000300, absent="y"),
                                   ROW.format(ssid=5550000301, absent=2).replace(",180,", ",x,"),
                                   ROW.format(ssid=5550000302, absent=181)),
    "every_row_bad": attendance(*[ROW.format(ssid=5550000000 + i, absent="x") for i in range(5)]),
    "only_bad_records": attendance("a,b", "c"),
    "header_only": attendance(),
    "other_year": attendance(*[r.replace("2023-24", "2022-23") for r in GOOD]),
}


@pytest.mark.parametrize("case", ATTENDANCE_CASES)
def test_attendance_fast_equals_slow(tmp_path, thresholds, case):
    write(tmp_path, "attendance.csv", ATTENDANCE_CASES[case])
    assert_same(tmp_path, "attendance")


def require_pyarrow():
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        pytest.fail("pyarrow is not installed: every file takes the slow csv-module reader and the reference "
                    "engine; it is a dependency of the fast path")


def test_plain_file_takes_the_fast_path(tmp_path):
    """The speed comes from pyarrow and the distinct-value engine: a plain file must take both.

    Fails (does not skip) without pyarrow: add it to the project's dependencies.
    """
    require_pyarrow()
    for name in ("plain", "crlf_bom_no_final_newline", "windows_1252", "blank_lines", "ragged_rows",
                 "spaces_around_values", "bad_values"):
        write(tmp_path / name, "attendance.csv", ATTENDANCE_CASES[name])
        result = ingest(SOURCES["attendance"], tmp_path / name, YEAR, load_settings())
        assert result.raw.reader == "pyarrow", (name, result.raw.notes)
        assert result.validated.engine == "fast", name
    # the csv module still reads what only it can read, and says why
    write(tmp_path / "quotes", "attendance.csv", ATTENDANCE_CASES["quotes"])
    result = ingest(SOURCES["attendance"], tmp_path / "quotes", YEAR, load_settings())
    assert result.raw.reader == "csv" and "quote" in result.raw.notes[0]
    assert result.validated.engine == "fast"


def test_fast_reader_lines_and_records(tmp_path):
    """Physical line numbers survive blank lines, CRLF and ragged rows in the fast reader."""
    require_pyarrow()
    path = tmp_path / "directory.csv"
    path.write_bytes(b"cds,school_name\r\n1,a\r\n\r\n  \r\n2,b\r\n3,c,extra\r\n4\r\n5,e,,\r\n,\r\n6,f")
    table = read_delimited(path, required=["cds", "school_name"])
    assert table.reader == "pyarrow"
    assert table.frame[LINE].tolist() == [2, 5, 8, 10]
    assert table.frame["school_name"].tolist() == ["a", "b", "e", "f"]
    assert table.blank_lines == 3
    assert [(b.line, b.problem) for b in table.bad_records] == [
        (6, "row has 3 fields; the header has 2"), (7, "row has 1 fields; the header has 2")]


DASHBOARD_COLS = ["cds", "rtype", "schoolname", "districtname", "countyname", "charter_flag", "coe_flag",
                  "dass_flag", "studentgroup", "currnumer", "currdenom", "currstatus", "priornumer",
                  "priordenom", "priorstatus", "change", "statuslevel", "changelevel", "color", "box",
                  "smalldenom", "currnsizemet", "priornsizemet", "accountabilitymet", "indicator",
                  "reportingyear"]
DASHBOARD_ROW = ["19754160000001", "S", "Escuela Niños del Valle", "Sample Unified", "Los Angeles", "N", "N", "N",
                 "ALL", "40", "200", "20.0", "50", "200", "25.0", "-5.0", "2", "5", "3", "200", "N", "Y", "Y", "Y",
                 "CHRONIC", "2024"]


def dashboard(rows: list[dict], sep: str = "\t", cols=DASHBOARD_COLS, encoding="utf-8", newline="\n") -> bytes:
    base = dict(zip(DASHBOARD_COLS, DASHBOARD_ROW))
    lines = [sep.join(cols)] + [sep.join(str({**base, **r}.get(c, "")) for c in cols) for r in rows]
    return (newline.join(lines) + newline).encode(encoding)


DASHBOARD_CASES = {
    "published": dashboard([{}, {"studentgroup": "EL"}, {"studentgroup": "SED", "currnumer": "*", "currstatus": "*"}]),
    "re_export": dashboard([{"cds": "1975416000000", "studentgroup": "Long-Term English Learner", "ImageURL": "x"},
                            {"cds": "0", "rtype": "X", "studentgroup": "LT EL"},
                            {"studentgroup": "English Learner", "currdenom": "*"}],
                           sep=",", cols=["ImageURL", *reversed(DASHBOARD_COLS)], encoding="cp1252",
                           newline="\r\n"),
    "problems": dashboard([{}, {}, {"studentgroup": "XX"}, {"studentgroup": "EO", "currnumer": "300"},
                           {"studentgroup": "RFP", "priornumer": "201"}, {"color": "9"},
                           {"studentgroup": "HI", "currstatus": "abc"}, {"studentgroup": "AA", "box": ""},
                           {"studentgroup": "AS", "reportingyear": "2023"}, {"cds": "", "studentgroup": "WH"},
                           {"cds": "", "studentgroup": "WH"}, {"studentgroup": "FI", "currstatus": "nan"}]),
    # text where the row check and the allowed values look: those rows only
    "text_in_numbers": dashboard([{}, {"studentgroup": "HI", "currnumer": "n/a"}, {"studentgroup": "EL"},
                                  {"studentgroup": "SED", "currdenom": "--"}, {"studentgroup": "AS", "color": "Red"},
                                  {"studentgroup": "AA", "statuslevel": "x", "priordenom": "y"},
                                  {"studentgroup": "WH", "priornumer": "300"}, {"studentgroup": "FI", "box": "1.5"}]),
}


@pytest.mark.parametrize("case", DASHBOARD_CASES)
def test_dashboard_fast_equals_slow(tmp_path, thresholds, case):
    write(tmp_path, "chronicdownload2024.txt", DASHBOARD_CASES[case])
    assert_same(tmp_path, "dashboard_chronic")


SURVEY = "school_year,response_id,cds,respondent_group,grade,s1,p1,x9\n"
SURVEY_CASES = {
    "rules_and_items": SURVEY + (
        "2023-24,r1,19754160000001,student,5,4,,\n"
        "2023-24,r2,19754160000001,student,5,5,,\n"        # 5 on a 4-point item
        "2023-24,r3,19754160000001,student,5,3,2,\n"       # answers a parent item
        "2023-24,r4,19754160000001,parent,,,5,\n"
        "2023-24,r5,19754160000001,,,,5,\n"                # no group: differs from 'parent'
        "2023-24,r6,19754160000001,parent,,,x,\n"          # an item that is not a number
        "2023-24,r7,19754160000001,parent,,,Y,7\n"         # two items that are not numbers / too big
        "2023-24,r8,19754160000001,staff,,,,1.5\n"
        "2023-24,,19754160000001,staff,,,,\n"
        "2023-24,,19754160000001,staff,,,,\n"
        "2023-24,r1,19754160000001,student,5,4,,\n"        # duplicate id
    ),
}


@pytest.mark.parametrize("case", SURVEY_CASES)
def test_survey_fast_equals_slow(tmp_path, thresholds, case):
    write(tmp_path, "survey_codebook.csv", CODEBOOK.encode(), shared=True)
    write(tmp_path, "survey_responses.csv", SURVEY_CASES[case].encode())
    assert_same(tmp_path, "survey_responses")


def test_codebook_with_a_non_number_fast_equals_slow(tmp_path, thresholds):
    """One scale_points that is not a number (a column with allowed values): both paths quarantine
    that row only, and check the allowed values on the numbers of the others."""
    write(tmp_path, "survey_codebook.csv", (CODEBOOK + "s2,student,Safety,S,x,y,N,x\n").encode(), shared=True)
    assert_same(tmp_path, "survey_codebook")


ASSESSMENT = "school_year,ssid,cds,grade,subject,test_type,scale_score,ethnicity,el,ltel,sed,swd,foster,homeless"
SCORE = "2023-24,{ssid},19754160000001,{grade},{subject},SBA,{score},AS,N,N,N,N,N,N"
ASSESSMENT_CASES = {
    # grade has allowed values: text in one row must not make them checked on the text of all
    "grade_text": "\n".join([ASSESSMENT, *[SCORE.format(ssid=5550000000 + i, grade=g, subject="ELA", score=2400 + i)
                                           for i, g in enumerate(["3", "G5", "11", "9", "5", "", "4.0", "x"])]]),
    "grade_and_score_text": "\n".join([ASSESSMENT, *[SCORE.format(ssid=5550000000 + i, grade=g, subject=s, score=sc)
                                                     for i, (g, s, sc) in enumerate([("3", "ELA", "2500"),
                                                                                     ("K", "MATH", "2500"),
                                                                                     ("4", "ELA", "n/a"),
                                                                                     ("5", "SCI", "9999"),
                                                                                     ("6", "MATH", "")])]]),
}


@pytest.mark.parametrize("case", ASSESSMENT_CASES)
def test_assessment_fast_equals_slow(tmp_path, thresholds, case):
    write(tmp_path, "assessment.csv", (ASSESSMENT_CASES[case] + "\n").encode())
    assert_same(tmp_path, "assessment")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(1, 25), kinds=st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=4),
       seed=st.integers(0, 10_000), arrow_everywhere=st.booleans())
@pytest.mark.slow
def test_malformed_attendance_fast_equals_slow(tmp_path, monkeypatch, n, kinds, seed, arrow_everywhere):
    monkeypatch.setattr(validation_columns, "ARROW_DISTINCT", 0 if arrow_everywhere else 50_000)
    monkeypatch.setattr(validation_encoded, "DIGITS_MIN_ROWS", 0 if arrow_everywhere else 100_000)
    rnd = random.Random(seed)
    data = mutate(good_rows(n), HEADER, kinds, rnd)
    lines = data.split(b"\n")
    for _ in range(rnd.randint(0, 3)):  # blank-ish lines the csv module counts as blank
        lines.insert(rnd.randint(1, len(lines)), rnd.choice([b"", b"  ", b",,,", b"\t", b",\xc2\xa0,"]))
    root = tmp_path / f"{seed}-{n}-{arrow_everywhere}"
    write(root, "attendance.csv", b"\n".join(lines))
    assert_same(root, "attendance")


@pytest.mark.parametrize("case", ["bad_values", "spaces_around_values", "ragged_rows"])
def test_reference_engine_on_the_fast_readers_frame(tmp_path, case):
    """Either engine takes either reader's frame (Arrow-backed or str) and gives the same."""
    from pipeline.quarantine import validate

    write(tmp_path, "attendance.csv", ATTENDANCE_CASES[case])
    source = SOURCES["attendance"]
    path = source.path(tmp_path, YEAR)
    results = []
    for reader, engine in [("auto", "reference"), ("csv", "reference"), ("auto", "auto"), ("csv", "auto")]:
        raw = read_delimited(path, required=source.required_columns, optional=source.optional_columns,
                             engine=reader)
        v = validate(raw, source.model, source.name, identifier_columns=source.identifier_columns, engine=engine)
        results.append((v.kept, v.quarantine.sort_values(list(v.quarantine.columns)).reset_index(drop=True)))
    for kept, q in results[1:]:
        pd.testing.assert_frame_equal(kept, results[0][0])
        pd.testing.assert_frame_equal(q, results[0][1])


def test_the_scan_finds_every_value_str_strip_would_change_whatever_the_chunks():
    """The fast reader strips values only when its byte scan finds a byte outside printable ASCII at
    the edge of a field after the header; checked against str.strip() on random text, with chunk
    boundaries anywhere (spaces inside a value are not edges)."""
    import random

    import numpy as np

    from pipeline.readers.fast import _scan

    def changed(body: bytes, delimiter: int) -> bool:
        for line in body.decode("utf-8").split("\n")[1:]:
            for value in line.removesuffix("\r").split(chr(delimiter)):
                if value and (value.strip() != value or not value[0].isascii() or not value[-1].isascii()):
                    return True
        return False

    rng = random.Random(15)
    pieces = ["a", "b", " ", "^", "\t", ",", "é", "\xa0", "x y", "\r\n", "\n"]
    seen = {True: 0, False: 0}
    for _ in range(3000):
        delimiter = rng.choice([ord("^"), ord(","), 9])
        body = ("h 1^h2 \n" + "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))).encode()
        if b"\r" in body.replace(b"\r\n", b""):
            continue
        newlines, returns, edges = _scan(np.frombuffer(body, np.uint8), delimiter, chunk=rng.choice([3, 7, 1 << 22]))
        assert (edges > 0) == changed(body, delimiter), (body, chr(delimiter))
        assert returns == body.count(b"\r") and len(newlines) == body.count(b"\n")
        seen[edges > 0] += 1
    assert min(seen.values()) > 300
