"""Row-level validation: every row kept or quarantined with a reason; counts reconcile."""
from __future__ import annotations

import pytest

from pipeline.config import load_settings
from pipeline.ingest import ingest
from pipeline.quarantine import HIDDEN
from pipeline.readers import SourceFileError
from pipeline.sources import SOURCES

HEADER = "school_year,ssid,cds,grade,days_enrolled,days_absent,ethnicity,el,ltel,sed,swd,foster,homeless\n"
GOOD = "2023-24,{ssid},19754160000001,3,180,{absent},HI,Y,N,Y,N,N,N\n"


def write_attendance(raw, body: str):
    folder = raw / "2023-24"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "attendance.csv").write_text(HEADER + body)


def test_bad_rows_are_quarantined_with_reasons(tmp_path):
    body = (
        GOOD.format(ssid="1000000001", absent=3)           # line 2: kept
        + GOOD.format(ssid="1000000001", absent=3)         # line 3: duplicate key
        + GOOD.format(ssid="12", absent="x")               # line 4: bad id, not a number
        + GOOD.format(ssid="1000000003", absent=200)       # line 5: absent > enrolled
        + "2022-23,1000000004,19754160000001,3,180,1,HI,Y,N,Y,N,N,N\n"  # line 6: other year
        + "2023-24,1000000005,19754160000001\n"             # line 7: short row
    )
    write_attendance(tmp_path, body)
    result = ingest(SOURCES["attendance"], tmp_path, "2023-24", load_settings())
    v = result.validated
    assert (v.rows_read, v.rows_kept, v.rows_quarantined) == (6, 1, 5)
    q = v.quarantine
    reasons = {(r.line, r.column_name): r.reason for r in q.itertuples()}
    assert reasons[(3, "ssid, cds")] == "duplicate key (ssid, cds): same as line 2, which is kept"
    assert reasons[(4, "days_absent")] == "not a whole number (or too large)"
    assert reasons[(4, "ssid")].startswith("does not have the expected format")
    assert reasons[(5, "(row)")] == "days_absent must not exceed days_enrolled"
    assert reasons[(6, "school_year")] == "school_year differs from the folder's year (2023-24)"
    assert reasons[(7, "(row)")] == "row has 3 fields; the header has 13"
    # student identifiers never reach the quarantine's value column
    assert set(q.loc[q["column_name"].eq("ssid"), "value"]) == {HIDDEN}
    assert not q["value"].str.contains("1000000005").any()
    assert set(q["file"]) == {f"{tmp_path.name}/2023-24/attendance.csv"}


def test_missing_optional_file_is_not_provided(tmp_path):
    result = ingest(SOURCES["community"], tmp_path, "2023-24", load_settings())
    assert not result.provided


def test_district_export_of_another_year_is_refused(tmp_path):
    write_attendance(tmp_path, GOOD.format(ssid="1000000001", absent=1).replace("2023-24", "2022-23"))
    with pytest.raises(SourceFileError, match=r"attendance.csv: wrong year: the rows are for school_year 2022-23"):
        ingest(SOURCES["attendance"], tmp_path, "2023-24", load_settings())


def test_header_only_export_is_refused(tmp_path):
    write_attendance(tmp_path, "")
    with pytest.raises(SourceFileError) as info:
        ingest(SOURCES["attendance"], tmp_path, "2023-24", load_settings())
    assert str(info.value) == f"{tmp_path.name}/2023-24/attendance.csv: has a header but no data rows"


def test_survey_answers_checked_against_the_codebook(tmp_path):
    (tmp_path / "survey_codebook.csv").write_text(
        "item_id,respondent_group,domain,domain_es,item_text_en,item_text_es,reverse_coded,scale_points\n"
        "s1,student,Safety,Seguridad,I feel safe,Me siento seguro,N,4\n"
        "p1,parent,Engagement,Participación,I am welcome,Soy bienvenido,N,5\n")
    folder = tmp_path / "2023-24"
    folder.mkdir()
    (folder / "survey_responses.csv").write_text(
        "school_year,response_id,cds,respondent_group,grade,s1,p1\n"
        "2023-24,r1,19754160000001,student,5,4,\n"     # kept
        "2023-24,r2,19754160000001,student,5,5,\n"     # 5 on a 4-point item
        "2023-24,r3,19754160000001,student,5,3,2\n"    # answers a parent item
        "2023-24,r4,19754160000001,parent,,,5\n")      # kept
    v = ingest(SOURCES["survey_responses"], tmp_path, "2023-24", load_settings()).validated
    assert (v.rows_read, v.rows_kept, v.rows_quarantined) == (4, 2, 2)
    assert dict(zip(v.quarantine["line"], v.quarantine["reason"])) == {
        3: "answer outside the item's 4-point scale",
        4: "answer to a parent item from another respondent group",
    }
    assert set(v.quarantine["value"]) == {"5", "2"}


@pytest.mark.parametrize("reference", [False, True], ids=["fast", "reference"])
def test_survey_columns_outside_the_codebook_are_ignored_and_listed(tmp_path, reference):
    (tmp_path / "survey_codebook.csv").write_text(
        "item_id,respondent_group,domain,domain_es,item_text_en,item_text_es,reverse_coded,scale_points\n"
        "S1,student,Safety,Seguridad,I feel safe,Me siento seguro,N,4\n")
    folder = tmp_path / "2023-24"
    folder.mkdir()
    (folder / "survey_responses.csv").write_text(
        "school_year,response_id,cds,respondent_group,grade,S1,ImageURL,notes,X9\n"
        "2023-24,r1,19754160000001,student,5,4,http://x,fine,1\n"
        "2023-24,r2,19754160000001,student,5,often,http://x,ok,2\n")   # line 3: not a number in S1
    result = ingest(SOURCES["survey_responses"], tmp_path, "2023-24", load_settings(), reference=reference)
    v = result.validated
    assert result.raw.ignored_columns == ["ImageURL", "notes", "X9"]
    assert (v.rows_read, v.rows_kept, v.rows_quarantined) == (2, 1, 1)
    # the failing item is named with its value, not as the row's
    assert v.quarantine[["line", "column_name", "value"]].values.tolist() == [[3, "s1", "(hidden: text, 5 characters)"]]  # issue #19: never verbatim
    assert "imageurl" not in v.kept.columns and list(v.kept["s1"]) == [4]


def test_without_a_codebook_every_unknown_survey_column_is_an_item(tmp_path):
    folder = tmp_path / "2023-24"
    folder.mkdir()
    (folder / "survey_responses.csv").write_text(
        "school_year,response_id,cds,respondent_group,grade,s1,s2\n"
        "2023-24,r1,19754160000001,student,5,4,x\n")
    result = ingest(SOURCES["survey_responses"], tmp_path, "2023-24", load_settings())
    assert result.raw.ignored_columns == []
    assert result.validated.quarantine[["column_name", "value"]].values.tolist() == [["s2", "(hidden: text, 1 character)"]]


# --- a value that is not a number quarantines its own row, never the rest of the file ---------------

ENGINES = pytest.mark.parametrize("reference", [False, True], ids=["fast", "reference"])
ASSESSMENT = "school_year,ssid,cds,grade,subject,test_type,scale_score,ethnicity,el,ltel,sed,swd,foster,homeless\n"
SCORE = "2023-24,99900001{i:02d},19754160000001,{grade},ELA,SBA,{score},AS,N,N,N,N,N,N\n"


def entries(v) -> list[tuple]:
    return [tuple(r) for r in v.quarantine[["line", "column_name", "check_name", "value", "reason"]].values.tolist()]


@ENGINES
def test_a_grade_that_is_not_a_number_quarantines_its_own_row_only(tmp_path, reference):
    """One ``G5`` in the integer column ``grade`` (allowed values 3-8, 11): that row is quarantined
    as not a whole number; the allowed values are checked on the numbers of every other row."""
    grades = ["5", "3", "G5", "4", "11", "9", "8"]  # line 4: G5; line 7: 9 is a number, not allowed
    folder = tmp_path / "2023-24"
    folder.mkdir()
    (folder / "assessment.csv").write_text(
        ASSESSMENT + "".join(SCORE.format(i=i, grade=g, score=2400 + i) for i, g in enumerate(grades)))
    v = ingest(SOURCES["assessment"], tmp_path, "2023-24", load_settings(), reference=reference).validated
    assert (v.rows_read, v.rows_kept, v.rows_quarantined) == (7, 5, 2)
    assert entries(v) == [
        (4, "grade", "coerce_dtype('Int64')", "(hidden: mixed, 2 characters)", "not a whole number (or too large)"),
        (7, "grade", "isin([3, 4, 5, 6, 7, 8, 11])", "9", "value not allowed; allowed: 3, 4, 5, 6, 7, 8, 11"),
    ]
    assert set(v.quarantine["file"]) == {f"{tmp_path.name}/2023-24/assessment.csv"}
    assert v.kept["grade"].tolist() == [5, 3, 4, 11, 8] and str(v.kept["grade"].dtype) == "Int64"


@ENGINES
def test_text_in_both_day_columns_quarantines_those_rows_only(tmp_path, reference):
    """Text in days_enrolled on one line and in days_absent on another: those two lines are
    quarantined for the type, and the row check (days absent <= days enrolled) runs on the numbers
    of the others, not on their text ("7" > "180")."""
    body = (
        GOOD.format(ssid="9990000001", absent=7)                                   # line 2: kept
        + GOOD.format(ssid="9990000002", absent=3).replace(",180,", ",one hundred,")  # line 3: text
        + GOOD.format(ssid="9990000003", absent=20)                                # line 4: kept
        + GOOD.format(ssid="9990000004", absent="x")                               # line 5: text
        + GOOD.format(ssid="9990000005", absent=181)                               # line 6: 181 > 180
        + GOOD.format(ssid="9990000006", absent=95).replace(",180,", ",90,")       # line 7: 95 > 90
        + GOOD.format(ssid="9990000007", absent=0)                                 # line 8: kept
    )
    write_attendance(tmp_path, body)
    v = ingest(SOURCES["attendance"], tmp_path, "2023-24", load_settings(), reference=reference).validated
    assert (v.rows_read, v.rows_kept, v.rows_quarantined) == (7, 3, 4)
    assert entries(v) == [
        (3, "days_enrolled", "coerce_dtype('Int64')", "(hidden: text, 11 characters)", "not a whole number (or too large)"),
        (5, "days_absent", "coerce_dtype('Int64')", "(hidden: text, 1 character)", "not a whole number (or too large)"),
        (6, "(row)", "absent_within_enrolled", "", "days_absent must not exceed days_enrolled"),
        (7, "(row)", "absent_within_enrolled", "", "days_absent must not exceed days_enrolled"),
    ]
    assert v.kept["_line"].tolist() == [2, 4, 8]


DASHBOARD_HEADER = "\t".join([
    "cds", "rtype", "schoolname", "districtname", "countyname", "studentgroup", "currnumer", "currdenom", "currstatus",
    "priornumer", "priordenom", "priorstatus", "change", "statuslevel", "changelevel", "color", "box", "reportingyear",
]) + "\n"


@ENGINES
def test_text_in_dashboard_counts_and_colour_quarantines_those_rows_only(tmp_path, reference):
    """The same in a Dashboard file: text in currnumer on one line and in currdenom on another (the
    row check numer_within_denom), a colour written as a word (allowed values 0-5)."""
    def row(group, numer="40", denom="200", color="3"):
        return (f"19754160000001\tS\tTest School\tFake Unified\tLos Angeles\t{group}\t{numer}\t{denom}\t20.0"
                f"\t50\t200\t25.0\t-5.0\t2\t5\t{color}\t200\t2024\n")
    body = (row("ALL") + row("HI", numer="n/a") + row("EL") + row("SED", denom="--") + row("AS", color="Red")
            + row("WH", numer="300") + row("AA", numer="9", denom="60"))
    folder = tmp_path / "2023-24" / "dashboard"
    folder.mkdir(parents=True)
    (folder / "chronicdownload2024.txt").write_text(DASHBOARD_HEADER + body)
    v = ingest(SOURCES["dashboard_chronic"], tmp_path, "2023-24", load_settings(), reference=reference).validated
    assert (v.rows_read, v.rows_kept, v.rows_quarantined) == (7, 3, 4)
    assert entries(v) == [
        (3, "currnumer", "coerce_dtype('Int64')", "n/a", "not a whole number (or too large)"),
        (5, "currdenom", "coerce_dtype('Int64')", "--", "not a whole number (or too large)"),
        (6, "color", "coerce_dtype('Int64')", "Red", "not a whole number (or too large)"),
        (7, "(row)", "numer_within_denom", "", "numerator must not exceed denominator"),
    ]


@ENGINES
def test_a_scale_that_is_not_a_number_quarantines_its_codebook_row_only(tmp_path, reference):
    (tmp_path / "survey_codebook.csv").write_text(
        "item_id,respondent_group,domain,domain_es,item_text_en,item_text_es,reverse_coded,scale_points\n"
        "s1,student,Safety,Seguridad,I feel safe,Me siento seguro,N,4\n"
        "s2,student,Safety,Seguridad,I am heard,Me escuchan,N,four\n"
        "p1,parent,Engagement,Participación,I am welcome,Soy bienvenido,N,5\n")
    v = ingest(SOURCES["survey_codebook"], tmp_path, "2023-24", load_settings(), reference=reference).validated
    assert (v.rows_read, v.rows_kept, v.rows_quarantined) == (3, 2, 1)
    assert entries(v) == [(3, "scale_points", "coerce_dtype('Int64')", "four", "not a whole number (or too large)")]


def number_columns(source, header: list[str]) -> list[str]:
    """The header's columns that the contract reads as numbers (survey items included)."""
    import pandas as pd

    from pipeline.quarantine import concrete_columns
    from pipeline.readers import normalise_name

    names = [normalise_name(h) for h in header]
    schema = concrete_columns(source.schema, pd.DataFrame(columns=names))
    return [h for h, n in zip(header, names)
            if n in schema.columns and str(schema.columns[n].dtype) != "string[python]"]


@ENGINES
@pytest.mark.parametrize("name", sorted(SOURCES))
def test_text_in_every_number_column_quarantines_only_the_rows_that_hold_it(tiny_raw, tmp_path, name, reference):
    """Every contract, every column read as a number: ``n/a`` in each of them (spread over the first
    half of a sample file's rows, each column once) quarantines exactly the rows that hold one, by
    line, column and value; every other row is kept. (The sample has no college/career or growth
    file: their contracts are the chronic file's and DashboardCommon's checks, tested here.)"""
    import csv
    import io
    import shutil

    source = SOURCES[name]
    path = source.path(tiny_raw, "2023-24")
    if not path.exists():
        pytest.skip(f"the tiny sample has no {path.name}")
    delimiter = source.delimiters[0]
    header, *rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=delimiter))
    rows = rows[:40]
    numbers = number_columns(source, header)
    if not numbers:
        pytest.skip(f"{name}: no column read as a number")
    damaged = max(1, min(len(numbers), len(rows) // 2))
    planted = {}  # line -> columns holding n/a
    for k, column in enumerate(numbers):
        r = k % damaged
        rows[r][header.index(column)] = "n/a"
        planted.setdefault(r + 2, []).append(column)
    raw = tmp_path / "raw"
    dest = source.path(raw, "2023-24")
    dest.parent.mkdir(parents=True)
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows([header, *rows])
    dest.write_text(out.getvalue(), encoding="utf-8")
    if name == "survey_responses":
        shutil.copy(tiny_raw / "survey_codebook.csv", raw / "survey_codebook.csv")

    v = ingest(source, raw, "2023-24", load_settings(), reference=reference).validated
    q = v.quarantine
    assert v.rows_read == len(rows)
    assert set(q["line"]) == set(planted), q.to_string()
    assert sorted(v.kept["_line"]) == [line for line in range(2, len(rows) + 2) if line not in planted]
    # each row's entries name one of its n/a by column and value (as not a number, or by a rule that
    # saw it first, such as a survey answer to another group's item); nothing else is said to be no number
    named = set(zip(q["line"], q["column_name"], q["value"]))
    for line, columns in planted.items():
        assert any((line, c.lower(), "n/a") in named for c in columns), (line, columns, q.to_string())
    coerce = q[q["check_name"].str.startswith("coerce_dtype")]
    assert len(coerce) and set(coerce["value"]) == {"n/a"}
    assert coerce["reason"].isin(["not a whole number (or too large)", "not a number"]).all()
