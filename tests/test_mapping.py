"""Mapping by configuration: the README's two worked examples (an SIS attendance export, a survey
vendor's wide export) read through their YAML mappings give exactly the rows of the same data in the
pipeline's own layout; a wrong mapping is one line naming the mapping file, the key and the column."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipeline.config import PROJECT_ROOT, load_settings
from pipeline.ingest import ingest
from pipeline.raw_files import unrecognised_files
from pipeline.readers import SourceFileError
from pipeline.sources import SOURCES

EXAMPLES = PROJECT_ROOT / "config" / "mappings" / "examples"
YEAR = "2023-24"


def example(name: str) -> dict:
    return yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))


def inverse(table: dict) -> dict:
    out = {}
    for theirs, ours in table.items():
        out.setdefault(str(ours), str(theirs))  # the first export value of each contract value
    return out


def export_of(own: pd.DataFrame, mapping: dict) -> pd.DataFrame:
    """The pipeline-layout rows ``own`` written as the export the mapping describes."""
    out = pd.DataFrame(index=own.index)
    for ours, theirs in mapping["columns"].items():
        column, table = (theirs["column"], theirs.get("codes")) if isinstance(theirs, dict) else (theirs, None)
        values = own[ours.upper()] if ours.upper() in own and ours not in own else own[ours]
        if table:
            back = inverse(mapping["codes"][table])
            values = values.map(lambda v, b=back: b.get(v, v) if isinstance(v, str) and v != "" else v)
        out[column] = values
    return out


@pytest.fixture
def mapped_raw(tiny_raw, tmp_path, monkeypatch):
    """The tiny sample with attendance and survey answers replaced by the two examples' exports."""
    raw = tmp_path / "raw"
    shutil.copytree(tiny_raw, raw)
    mappings = tmp_path / "mappings"
    mappings.mkdir()
    for name in ("sis_attendance.yaml", "survey_vendor.yaml"):
        shutil.copy(EXAMPLES / name, mappings / name)
    monkeypatch.setenv("SCORECARDS_MAPPINGS_DIR", str(mappings))
    for year_dir in (p for p in raw.iterdir() if p.is_dir()):
        for own_name, mapping_name in (("attendance.csv", "sis_attendance.yaml"),
                                       ("survey_responses.csv", "survey_vendor.yaml")):
            mapping = example(mapping_name)
            own = pd.read_csv(year_dir / own_name, dtype=str, keep_default_na=False)
            export_of(own, mapping).to_csv(year_dir / mapping["file"], index=False)
            (year_dir / own_name).rename(tmp_path / f"{year_dir.name}-{own_name}")
    return raw


def own_rows(tmp_path, raw, name) -> pd.DataFrame:
    """The same year's file in the pipeline's own layout, ingested from a copy of the raw folder."""
    own = tmp_path / "own"
    if not own.exists():
        shutil.copytree(raw, own)
    source = SOURCES[name]
    shutil.copy(tmp_path / f"{YEAR}-{source.filename}", own / YEAR / source.filename)
    (own / YEAR / (example("sis_attendance.yaml" if name == "attendance" else "survey_vendor.yaml")["file"])).unlink()
    return ingest(source, own, YEAR, load_settings()).validated.kept


@pytest.mark.parametrize("name", ["attendance", "survey_responses"])
def test_a_mapped_export_gives_the_rows_of_the_own_layout(mapped_raw, tmp_path, name):
    result = ingest(SOURCES[name], mapped_raw, YEAR, load_settings())
    assert result.provided and result.path.name == example(
        "sis_attendance.yaml" if name == "attendance" else "survey_vendor.yaml")["file"]
    v = result.validated
    assert v.rows_read == v.rows_kept + v.rows_quarantined
    expected = own_rows(tmp_path, mapped_raw, name)
    got = v.kept
    columns = sorted(set(expected.columns) - {"_line"})
    assert sorted(set(got.columns) - {"_line"}) == columns
    pd.testing.assert_frame_equal(got[columns].reset_index(drop=True), expected[columns].reset_index(drop=True),
                                  check_dtype=False)
    assert len(got) > 100
    assert "through the mapping " in result.note_rows[0]["note"]
    assert unrecognised_files(mapped_raw, YEAR) == []


def test_a_value_no_code_table_lists_is_quarantined_with_itself(mapped_raw):
    path = mapped_raw / YEAR / example("sis_attendance.yaml")["file"]
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[3, "Grade Level"] = "Kinder"
    frame.to_csv(path, index=False)
    q = ingest(SOURCES["attendance"], mapped_raw, YEAR, load_settings()).validated.quarantine
    # a student-level file's quarantined value is shown by kind and length, never verbatim (#19)
    assert q[["line", "column_name", "value"]].values.tolist() == [[5, "grade", "(hidden: text, 6 characters)"]]


def test_a_wrong_mapping_is_one_line_naming_the_file_the_key_and_the_column(mapped_raw, tmp_path):
    mapping = Path(tmp_path / "mappings" / "sis_attendance.yaml")
    mapping.write_text(mapping.read_text().replace("days_absent: Days Absent (All)", "days_absent: DaysAbs"))
    with pytest.raises(SourceFileError) as caught:
        ingest(SOURCES["attendance"], mapped_raw, YEAR, load_settings())
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{mapping}: columns.days_absent: column 'DaysAbs' is not in "
                              "raw/2023-24/sis_attendance_export.csv (its columns: ")


@pytest.mark.parametrize("change, key", [
    (("source: attendance", "source: attendence"), "source: 'attendence' is not a source"),
    (("  ssid: State Student ID\n", ""), "columns: no mapping for ssid, which attendance requires"),
    (("codes: grades}", "codes: grade}"), "columns.grade.codes: no code table 'grade'"),
    (('{"Yes": Y, "No": N, "": N}', "{Yes: Y, No: N}"), "codes.yes_no: True: 'Y' is not text"),
    (("  sed:", "  sedd:"), "columns.sedd: attendance has no column 'sedd'"),
])
def test_each_wrong_mapping_names_its_key(mapped_raw, tmp_path, change, key):
    mapping = Path(tmp_path / "mappings" / "sis_attendance.yaml")
    mapping.write_text(mapping.read_text().replace(*change))
    with pytest.raises(SourceFileError, match="^" + re.escape(f"{mapping}: {key}")):
        ingest(SOURCES["attendance"], mapped_raw, YEAR, load_settings())


def test_a_wrong_mapping_of_another_source_does_not_stop_this_one(mapped_raw, tmp_path):
    mapping = Path(tmp_path / "mappings" / "sis_attendance.yaml")
    mapping.write_text(mapping.read_text().replace("  ssid: State Student ID\n", ""))
    assert ingest(SOURCES["survey_responses"], mapped_raw, YEAR, load_settings()).provided
