"""Quarantine without disclosure (issue #19): in student-level and survey files a quarantined value
is shown by its kind and length, never verbatim; a symbolic link that leaves the raw folder is
refused with one line naming it."""
from __future__ import annotations

import os

import pytest

from pipeline.config import load_settings
from pipeline.ingest import ingest
from pipeline.quarantine import mask
from pipeline.raw_files import locate
from pipeline.readers import SourceFileError
from pipeline.sources import SOURCES

HEADER = "school_year,ssid,cds,grade,days_enrolled,days_absent,ethnicity,el,ltel,sed,swd,foster,homeless\n"
ROW = "2023-24,{ssid},19754160000001,{grade},180,3,HI,Y,N,Y,N,N,N\n"
SURVEY = "school_year,response_id,cds,respondent_group,grade,ST01,ST02\n"
CODEBOOK = ("item_id,respondent_group,domain,item_text_en,item_text_es,reverse_coded,scale_points,domain_es\n"
            "ST01,student,Caring adults,a,a,N,4,A\nST02,student,Caring adults,b,b,N,4,A\n")


def test_an_identifier_typed_into_another_column_is_masked(tmp_path):
    """An SSID typed into ``grade`` of the attendance export reaches the quarantine as its kind and length."""
    folder = tmp_path / "2023-24"
    folder.mkdir()
    (folder / "attendance.csv").write_text(HEADER + ROW.format(ssid="1000000001", grade="3")
                                           + ROW.format(ssid="1000000002", grade="1987654321"))
    q = ingest(SOURCES["attendance"], tmp_path, "2023-24", load_settings()).validated.quarantine
    assert len(q) and (q["column_name"] == "grade").any()
    assert not q["value"].str.contains("1987654321").any(), q.to_dict("records")
    assert set(q.loc[q["column_name"].eq("grade"), "value"]) == {"(hidden: 10 digits)"}


def test_a_name_and_a_birth_date_typed_into_a_survey_answer_are_masked(tmp_path):
    folder = tmp_path / "2023-24"
    folder.mkdir()
    (tmp_path / "survey_codebook.csv").write_text(CODEBOOK)
    (folder / "survey_responses.csv").write_text(
        SURVEY + "2023-24,202400000001,19754160000001,student,4,3,4\n"
        "2023-24,202400000002,19754160000001,student,4,Maria Lopez Garcia,2011-04-17\n")
    result = ingest(SOURCES["survey_responses"], tmp_path, "2023-24", load_settings())
    q = result.validated.quarantine
    assert len(q), "the bad answers must be quarantined"
    text = " ".join(q["value"].astype(str))
    assert "Maria" not in text and "Lopez" not in text and "2011" not in text, q.to_dict("records")
    assert "(hidden: text, 18 characters)" in set(q["value"]) and "(hidden: date-like, 10 characters)" in set(q["value"])


def test_mask_says_kind_and_length_only():
    assert mask("1987654321") == "(hidden: 10 digits)"
    assert mask("Ana") == "(hidden: text, 3 characters)"
    assert mask("04/17/2011") == "(hidden: date-like, 10 characters)"
    assert mask("-3.5") == "-3.5" and mask("5") == "5" and mask("200") == "200"  # short numbers tell nobody
    assert mask("-1234.5") == "(hidden: number, 7 characters)"
    assert mask("12345") == "(hidden: 5 digits)"
    assert mask("A12 b!") == "(hidden: mixed, 6 characters)"
    assert mask("") == ""


def test_a_symbolic_link_leaving_the_raw_folder_is_refused(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "attendance.csv").write_text(HEADER + ROW.format(ssid="1000000001", grade="3"))
    raw = tmp_path / "raw"
    (raw / "2023-24").mkdir(parents=True)
    os.symlink(outside / "attendance.csv", raw / "2023-24" / "attendance.csv")
    with pytest.raises(SourceFileError) as err:
        locate(SOURCES["attendance"], raw, "2023-24")
    message = str(err.value)
    assert "attendance.csv" in message and "symbolic link" in message and "\n" not in message


def test_a_symbolic_link_inside_the_raw_folder_is_followed(tmp_path):
    raw = tmp_path / "raw"
    (raw / "2023-24").mkdir(parents=True)
    (raw / "exports").mkdir()
    (raw / "exports" / "attendance.csv").write_text(HEADER + ROW.format(ssid="1000000001", grade="3"))
    os.symlink(raw / "exports" / "attendance.csv", raw / "2023-24" / "attendance.csv")
    assert locate(SOURCES["attendance"], raw, "2023-24") is not None
