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
    assert v.quarantine[["line", "column_name", "value"]].values.tolist() == [[3, "s1", "often"]]
    assert "imageurl" not in v.kept.columns and list(v.kept["s1"]) == [4]


def test_without_a_codebook_every_unknown_survey_column_is_an_item(tmp_path):
    folder = tmp_path / "2023-24"
    folder.mkdir()
    (folder / "survey_responses.csv").write_text(
        "school_year,response_id,cds,respondent_group,grade,s1,s2\n"
        "2023-24,r1,19754160000001,student,5,4,x\n")
    result = ingest(SOURCES["survey_responses"], tmp_path, "2023-24", load_settings())
    assert result.raw.ignored_columns == []
    assert result.validated.quarantine[["column_name", "value"]].values.tolist() == [["s2", "x"]]
