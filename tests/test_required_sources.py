"""A required source is satisfied by either of its forms (config/settings.yaml ``required_sources``:
a list inside the list names sources that stand in for one another): the district's attendance.csv
or the state's CALPADS STAS extract. A run with neither stops, naming both files."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline import warehouse
from pipeline.config import ConfigError, load_settings
from pipeline.delivery.release import release_problems
from pipeline.ingest import file_frame
from pipeline.sources import missing_sentence, required_groups

REPO = Path(__file__).resolve().parent.parent
YEAR = "2023-24"


def _settings_with(tmp_path: Path, line: str):
    config = tmp_path / "config"
    shutil.copytree(REPO / "config", config)
    text = (config / "settings.yaml").read_text()
    start = text.index("required_sources:")
    end = text.index("\n", start)
    (config / "settings.yaml").write_text(text[:start] + line + text[end:])
    return load_settings(config)


def test_the_shipped_configuration_takes_attendance_or_the_stas_extract():
    assert load_settings().required_sources == (("directory",), ("enrollment",), ("attendance", "calpads_stas"))
    groups = required_groups(load_settings().required_sources)
    assert groups["attendance"] == groups["calpads_stas"] == ("attendance", "calpads_stas")
    assert groups["directory"] == ("directory",)


def test_a_wrong_required_entry_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"required_sources: each entry .* got \[\]"):
        _settings_with(tmp_path / "a", "required_sources: [directory, []]")
    with pytest.raises(ConfigError, match=r"required_sources: 'attendence' is not a source"):
        required_groups(_settings_with(tmp_path / "b", "required_sources: [directory, [attendence, calpads_stas]]")
                        .required_sources)


def test_the_missing_sentence_names_every_file_that_would_do():
    assert missing_sentence(("directory",), YEAR) == "directory.csv is missing: no scorecard can be made"
    sentence = missing_sentence(("attendance", "calpads_stas"), YEAR)
    assert sentence.startswith("neither attendance.csv nor calpads_stas.txt is in the 2023-24 folder")


@pytest.mark.parametrize("provided, missing", [
    ({"attendance"}, False), ({"calpads_stas"}, False), ({"attendance", "calpads_stas"}, False), (set(), True)])
def test_delivery_takes_either_form_as_the_required_attendance(tmp_path, provided, missing):
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        for source in ("directory", "enrollment", "attendance", "calpads_stas"):
            on = source in provided or source in ("directory", "enrollment")
            warehouse.replace_rows(con, "ingest_files", file_frame(
                source=source, file=f"{source}.csv", provided=on, rows_read=0,
                rows_kept=0, rows_quarantined=0), {"school_year": YEAR, "source": source})
        problems = release_problems(con, YEAR, tmp_path, load_settings().required_sources)
    assert ("required source attendance or calpads_stas is missing (check required_source_present)"
            in problems) == missing
    assert not any("directory" in p or "enrollment" in p or "rejected" in p for p in problems)


@pytest.mark.slow
def test_a_run_with_neither_attendance_nor_stas_stops_naming_both(tmp_path, dagster_home, capsys, tiny_raw):
    from pipeline.cli import main

    shutil.copytree(tiny_raw, tmp_path / "raw")
    assert not list((tmp_path / "raw" / YEAR).glob("calpads_*"))  # the tiny sample: the district's own files
    (tmp_path / "raw" / YEAR / "attendance.csv").unlink()
    code = main(["run", "--year", YEAR, "--raw", str(tmp_path / "raw"), "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    assert ("failed: check required_source_present failed on validated_attendance: neither attendance.csv nor "
            "calpads_stas.txt is in the 2023-24 folder: no scorecard of 2023-24 can be made without one of them") in err
    assert not (tmp_path / "out" / YEAR / "schools").exists()
