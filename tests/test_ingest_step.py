"""The ingest step: every export in one Dagster step, a rejected file named, the others kept."""
from __future__ import annotations

import dagster as dg
import pytest

from assets.ingest import ingest_assets
from assets.resources import ScorecardFiles
from pipeline.warehouse import connect

pytestmark = pytest.mark.slow  # ingest through Dagster, three times over

YEAR = "2023-24"


def materialize(raw, out, instance):
    return dg.materialize(ingest_assets, partition_key=YEAR, instance=instance, raise_on_error=False,
                          resources={"files": ScorecardFiles(raw_dir=str(raw), out_dir=str(out))})


def test_every_source_is_one_asset_of_one_step(tiny_raw, tmp_path, dagster_home):
    from pipeline.sources import SOURCES

    with dg.instance_for_test() as instance:
        result = materialize(tiny_raw, tmp_path / "out", instance)
    assert result.success
    done = {e.asset_key.path[-1] for e in result.get_asset_materialization_events()
            for e in [e.event_specific_data.materialization]}
    assert done == {f"validated_{name}" for name in SOURCES}
    assert len({e.step_key for e in result.all_events if e.step_key}) == 1
    checks = [e for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert checks and all(e.event_specific_data.passed for e in checks
                          if e.event_specific_data.check_name == "rows_reconcile")


def test_a_rejected_file_fails_the_step_by_name_and_the_others_are_stored(tiny_raw, tmp_path, dagster_home):
    import shutil

    raw = tmp_path / "raw"
    shutil.copytree(tiny_raw, raw)
    (raw / YEAR / "attendance.csv").write_bytes("ssid,cds\n1,2\n".encode("utf-16"))
    with dg.instance_for_test() as instance:
        result = materialize(raw, tmp_path / "out", instance)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    description = failure.event_specific_data.error.message  # a handled stop: the sentence, no stack
    assert failure.event_specific_data.error.stack == []
    assert "attendance.csv" in description and "UTF-16" in description
    with connect(tmp_path / "out" / "scorecards.duckdb", read_only=True) as con:
        files = dict(con.execute("SELECT source, problem FROM ingest_files WHERE school_year = ?", [YEAR]).fetchall())
        directory_rows = con.execute("SELECT count(*) FROM validated_directory").fetchall()[0][0]
    from pipeline.sources import SOURCES

    assert "UTF-16" in files["attendance"]
    # every other file, before and after attendance in the order of reading, is stored
    assert {k for k, v in files.items() if v is None} == set(SOURCES) - {"attendance"}
    assert directory_rows > 0


def test_an_unchanged_export_is_not_read_again_and_a_changed_one_is(tiny_raw, tmp_path, dagster_home):
    import shutil

    raw = tmp_path / "raw"
    shutil.copytree(tiny_raw, raw)
    out = tmp_path / "out"

    def unchanged(result):
        return {e.event_specific_data.materialization.asset_key.path[-1]
                for e in result.get_asset_materialization_events()
                if e.event_specific_data.materialization.metadata.get("unchanged")}

    def stored(source):
        with connect(out / "scorecards.duckdb", read_only=True) as con:
            return con.execute(f"SELECT count(*) FROM validated_{source} WHERE school_year = ?", [YEAR]).fetchall()[0][0]

    with dg.instance_for_test() as instance:
        first = materialize(raw, out, instance)
        kept = stored("attendance")
        second = materialize(raw, out, instance)
        path = raw / YEAR / "attendance.csv"
        lines = path.read_text().splitlines(keepends=True)
        path.write_text("".join(lines[:-3]))  # three students fewer
        third = materialize(raw, out, instance)
    assert first.success and second.success and third.success
    assert unchanged(first) == set()
    assert "validated_attendance" in unchanged(second) and "validated_directory" in unchanged(second)
    assert "validated_attendance" not in unchanged(third) and "validated_directory" in unchanged(third)
    assert stored("attendance") == kept - 3
    checks = [e for e in second.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert checks and all(e.event_specific_data.passed for e in checks
                          if e.event_specific_data.check_name == "rows_reconcile")


def test_the_unchanged_cache_covers_every_module_that_reads_and_validates():
    """A nightly run skips a file when neither its bytes nor the rules changed: every project module
    that ingest imports (and the settings it reads) must be in the rules' fingerprint, or a change to
    it would leave yesterday's rows standing."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    from pipeline.config import PROJECT_ROOT
    from pipeline.ingest_store import RULES_FILES

    code = ("import json, sys, pipeline.ingest; print(json.dumps(sorted(m.__file__ for n, m in sys.modules.items() "
            "if n.split('.')[0] in ('pipeline', 'schemas') and getattr(m, '__file__', None))))")
    used = json.loads(subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True,
                                     text=True, check=True).stdout)
    covered = {p.resolve() for pattern in RULES_FILES for p in PROJECT_ROOT.glob(pattern)}
    assert all(any(PROJECT_ROOT.glob(pattern)) for pattern in RULES_FILES), "a pattern matches no file"
    assert [f for f in used if Path(f).resolve() not in covered] == []
    assert (PROJECT_ROOT / "config" / "student_groups.csv").resolve() in covered  # labels and aliases


def test_unrecognised_files_are_listed_and_do_not_fail_the_step(tiny_raw, tmp_path, dagster_home):
    """A file that matches no source is named in the step's log and metadata, the warehouse and the
    validation report, with a hint; a file that keeps CDE's published status for want of its counts
    says so with its row count. Neither fails the run."""
    import shutil

    raw = tmp_path / "raw"
    shutil.copytree(tiny_raw, raw)
    dashboard = raw / YEAR / "dashboard"
    (dashboard / "chronicdownload2024.txt").rename(dashboard / "chronicdownload2023.txt")  # the wrong year
    (raw / YEAR / "notes.txt").write_text("to do\n")
    ela = dashboard / "eladownload2024.txt"  # the counts column taken out
    lines = [line.split("\t") for line in ela.read_text().splitlines()]
    i = lines[0].index("currdenom")
    ela.write_text("".join("\t".join(line[:i] + line[i + 1:]) + "\n" for line in lines))
    with dg.instance_for_test() as instance:
        result = materialize(raw, tmp_path / "out", instance)
        logs = [e.message for e in instance.all_logs(result.run_id) if e.level >= 30]  # warnings
    assert result.success
    wrong_year = f"raw/{YEAR}/dashboard/chronicdownload2023.txt"
    assert any(wrong_year in m and "belongs in raw/2022-23/dashboard/" in m for m in logs), logs
    assert any(f"raw/{YEAR}/notes.txt" in m for m in logs)
    metadata = {e.event_specific_data.materialization.asset_key.path[-1]: e.event_specific_data.materialization.metadata
                for e in result.get_asset_materialization_events()}
    listed = metadata["validated_dashboard_chronic"]["unrecognised_files"].value
    assert wrong_year in listed and "notes.txt" in listed
    rows = len(lines) - 1
    assert metadata["validated_dashboard_ela"]["status_as_published"].value.startswith(
        f"{rows} rows: the file has no currdenom column")
    with connect(tmp_path / "out" / "scorecards.duckdb", read_only=True) as con:
        notes = con.execute("SELECT kind, file, rows FROM ingest_notes WHERE school_year = ? ORDER BY kind, file",
                            [YEAR]).fetchall()
    assert notes == [("cde_status", f"raw/{YEAR}/dashboard/eladownload2024.txt", rows),
                     ("unrecognised", wrong_year, None),
                     ("unrecognised", f"raw/{YEAR}/notes.txt", None)]


def test_a_wrong_year_holding_a_line_break_is_named_on_one_line(tiny_raw, tmp_path):
    """A stray quote can carry a line break into the year column (found by the property test):
    the wrong-year message still fits one line, the value cut to 40 characters."""
    import shutil

    from pipeline.config import load_settings
    from pipeline.ingest import ingest
    from pipeline.readers import SourceFileError
    from pipeline.sources import SOURCES

    raw = tmp_path / "raw"
    shutil.copytree(tiny_raw, raw)
    path = raw / YEAR / "community.csv"
    header, first = path.read_text().splitlines()[:2]
    cells = first.split(",")
    year_at = header.split(",").index("school_year")
    cells[year_at] = '"open\n' + "19754164893941,56.4,72.8,14.1,2023-24" * 3 + '"'
    path.write_text(header + "\n" + ",".join(cells) + "\n")
    with pytest.raises(SourceFileError) as exc:
        ingest(SOURCES["community"], raw, YEAR, load_settings())
    message = str(exc.value)
    assert "wrong year" in message and "\n" not in message
    assert "school_year open 19754164893941,56.4,72.8,14.1,2023-, but the file" in message
