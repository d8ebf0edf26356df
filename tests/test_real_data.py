"""The real CDE files in ../shared/realdata: every row read, CDE's figures reproduced.

Every Dashboard file there (Monterey County's rows of every indicator for the 2022, 2023 and 2024
Dashboards, the 2024 statewide ELPI file, the 2018 ELA and math subsets) goes through the
pipeline's own ingest and scoring (``tests/realdata_agreement.py``, which also prints the per-file
agreement table) and must give CDE's status, change, status level, change level, colour and box on
every row, except the rows listed here whose published value cannot be reproduced from the file,
each with its reason; for those we give no level (never a guess) and ``matches_published`` reports
them. Skipped, saying why, when the folder is absent: the files are never copied into the repository.
"""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

from pipeline import warehouse
from pipeline.config import load_settings
from pipeline.ingest import ingest, kept_table
from pipeline.scoring.indicators import NOT_REPRODUCIBLE, disagreement_summary, disagreements, score_indicators
from pipeline.sources import SOURCES
from tests.realdata_agreement import agreement_table, real_files, score_files
from tests.empty_tables import empty_attendance

YEAR = "2023-24"


@pytest.fixture(scope="module")
def elpi(tmp_path_factory):
    from tests.conftest import REALDATA

    if not REALDATA.is_dir():
        pytest.skip(f"real CDE files not present at {REALDATA}")
    raw = tmp_path_factory.mktemp("raw")
    (raw / YEAR / "dashboard").mkdir(parents=True)
    # the re-export is comma-delimited; the reader must not care about the file name's .txt
    shutil.copy(REALDATA / "elpidownload2024_via_gsheets.csv", raw / YEAR / "dashboard" / "elpidownload2024.txt")
    result = ingest(SOURCES["dashboard_elpi"], raw, YEAR, load_settings())
    with warehouse.connect(raw / "w.duckdb") as con:
        warehouse.replace_rows(con, "validated_dashboard_elpi", kept_table(result), {"school_year": YEAR})
        warehouse.replace_rows(con, "validated_directory", pd.DataFrame({"cds": ["00000000000000"], "school_type": ["ES"]}), {"school_year": YEAR})
        warehouse.replace_rows(con, "attendance", empty_attendance(), {"school_year": YEAR})
        scored = score_indicators(con, YEAR, load_settings())
    return result, scored


def test_every_elpi_row_is_read_and_kept(elpi):
    result, _ = elpi
    v = result.validated
    data = result.path.read_bytes()
    physical_lines = data.count(b"\n") + (not data.endswith(b"\n"))
    assert v.rows_read == physical_lines - 1 == 17926  # every line after the header is a record
    # (state 2 + LEA 1,779 + school 16,145; the folder's README total of 17,925 is one short)
    assert v.rows_quarantined == 0 and v.rows_kept == v.rows_read
    kept = v.kept
    assert kept["cds"].str.len().eq(14).all()
    assert set(kept["studentgroup"]) == {"EL", "LTEL"}
    assert result.raw.ignored_columns == ["ImageURL"]


def test_zero_disagreements_with_cde(elpi):
    _, scored = elpi
    assert len(scored) == elpi[0].validated.rows_kept
    diffs = disagreements(scored)
    assert diffs.empty, diffs.head().to_string()
    assert scored["published_status_level"].notna().sum() > 17000


def test_disclosure_keeps_every_status_cde_published(elpi):
    """Figures CDE itself publishes are public already (issue #19): after disclosure control every
    one of the file's 12,869 published statuses is still shown, as CDE publishes it (before: 596
    blanked by complementary suppression, then 25 small groups' extremes top/bottom coded)."""
    from pipeline.scoring.disclosure import disclose

    _, scored = elpi
    out = disclose("indicator_results", scored, load_settings().privacy)
    published = pd.to_numeric(scored["published_status"], errors="coerce")
    assert published.notna().sum() == 12869
    shown = pd.to_numeric(out["published_status"], errors="coerce")
    status = pd.to_numeric(out["status"], errors="coerce")
    lost = published.notna() & (shown.isna() | status.isna())
    assert not lost.any(), out[lost][["cds", "student_group", "n", "published_status", "note"]].head().to_string()
    assert (status[published.notna()] == published[published.notna()]).all()
    # and every change CDE published (12,543; 795 were cleared by the prior-year coding before)
    change = pd.to_numeric(scored["published_change"], errors="coerce")
    assert change.notna().sum() == 12543
    kept = pd.to_numeric(out["published_change"], errors="coerce")
    assert (kept[change.notna()] == change[change.notna()]).all()
    assert pd.to_numeric(out["change"], errors="coerce")[change.notna()].notna().all()


@pytest.mark.parametrize("cds, group, status, change, color, box", [
    ("19647330000000", "EL", 47.5, -0.9, 3, 130),   # LAUSD: Yellow
    ("19647330000000", "LTEL", 50.4, -2.1, 2, 120),  # LAUSD LTEL: Orange (LEA n-size 15)
    ("00000000000000", "EL", 45.7, -3.0, 2, 120),   # State: Orange
    ("19647330100669", "EL", 50.4, 2.2, 4, 140),    # Stella Middle Charter: Green, change from unrounded rates
])
def test_golden_values(elpi, cds, group, status, change, color, box):
    _, scored = elpi
    row = scored[(scored.cds == cds) & (scored.student_group == group)].iloc[0]
    assert (float(row.status), float(row.change), row.color, row.box) == (status, change, color, box)


def test_lausd_el_counts(elpi):
    result, _ = elpi
    kept = result.validated.kept
    row = kept[(kept.cds == "19647330000000") & (kept.studentgroup == "EL")].iloc[0]
    assert (row.currnumer, row.currdenom) == (27219, 57347)


@pytest.mark.parametrize("name, indicator", [
    ("ela_2018_academic_indicator_ALL_subset.csv", "ela"),
    ("math_2018_academic_indicator_ALL_subset.csv", "math"),
])
def test_2018_academic_subsets_ingest_every_row(realdata, tmp_path, name, indicator):
    folder = tmp_path / "2017-18" / "dashboard"
    folder.mkdir(parents=True)
    shutil.copy(realdata / name, folder / f"{indicator}download2018.txt")
    result = ingest(SOURCES[f"dashboard_{indicator}"], tmp_path, "2017-18", load_settings())
    v = result.validated
    assert (v.rows_read, v.rows_kept, v.rows_quarantined) == (9801, 9801, 0)
    assert result.raw.ignored_columns == []
    assert v.kept["hscutpoints"].isna().all() if "hscutpoints" in v.kept else True


def test_2018_status_levels_reproduced_where_the_cut_set_is_known(realdata, tmp_path):
    """The 2018 subsets carry no hscutpoints flag and no directory knows their schools: a level is
    decided wherever the grade 3-8 and grade-11 cut points agree, and equals CDE's; the rest is
    reported as undecided, never guessed."""
    settings = load_settings()
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        for name, indicator in [("ela_2018_academic_indicator_ALL_subset.csv", "ela"),
                                ("math_2018_academic_indicator_ALL_subset.csv", "math")]:
            folder = tmp_path / "2017-18" / "dashboard"
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy(realdata / name, folder / f"{indicator}download2018.txt")
            result = ingest(SOURCES[f"dashboard_{indicator}"], tmp_path, "2017-18", settings)
            warehouse.replace_rows(con, f"validated_dashboard_{indicator}", kept_table(result), {"school_year": "2017-18"})
        warehouse.replace_rows(con, "validated_directory", pd.DataFrame({"cds": ["0"], "school_type": ["ES"]}),
                               {"school_year": "2017-18"})
        warehouse.replace_rows(con, "attendance", empty_attendance(), {"school_year": "2017-18"})
        scored = score_indicators(con, "2017-18", settings)
    published = scored["published_status_level"].fillna(0) > 0
    decided = scored[published & ~scored["cut_set_undecided"]]
    undecided = scored[published & scored["cut_set_undecided"]]
    assert len(decided) > 11000 and (decided["status_level"] == decided["published_status_level"]).all()
    assert len(undecided) > 0 and (undecided["status_level"] == 0).all()
    assert len(decided) + len(undecided) == published.sum()


# The real rows whose published value cannot be reproduced from the file: (file, cds, group) -> reason.
# 2022 ELPI rows flagged below 95 % participation (flag95pct = Y): CDE's status level is lower than
# the published status gives (58.8 % and 71.4 % at level 2) by a rule whose counts the file lacks.
_FLAG95 = NOT_REPRODUCIBLE["elpi"]
NOT_REPRODUCIBLE_ROWS = {
    ("monterey/2022/elpidownload2022.txt", "27102720000000", "EL"): _FLAG95,
    ("monterey/2022/elpidownload2022.txt", "27102722730232", "EL"): _FLAG95,
    ("monterey/2022/elpidownload2022.txt", "27661670000000", "EL"): _FLAG95,
    ("monterey/2022/elpidownload2022.txt", "27662250000000", "EL"): _FLAG95,
    ("monterey/2022/elpidownload2022.txt", "27662330000000", "EL"): _FLAG95,
}
# The 2018 subsets have no hscutpoints column and no directory knows their schools: where the grades
# 3-8 and grade-11 cut points give different levels, the level is undecided (rows of each file).
UNDECIDED_2018 = {"ela_2018_academic_indicator_ALL_subset.csv": 3601,
                  "math_2018_academic_indicator_ALL_subset.csv": 3275}


@pytest.fixture(scope="module")
def every_file(tmp_path_factory):
    from tests.conftest import REALDATA

    if not REALDATA.is_dir():
        pytest.skip(f"real CDE files not present at {REALDATA}")
    files = real_files(REALDATA)
    return files, score_files(files, tmp_path_factory.mktemp("every"))


def test_every_real_file_is_scored(every_file):
    files, scored = every_file
    monterey = [f for f in files if f.label.startswith("monterey/")]
    assert len(monterey) == 20 and len(files) == 23
    assert scored.groupby("file").size().to_dict() == scored.groupby("file")["rows_read"].first().to_dict()
    assert scored["file"].str.startswith("monterey/").sum() == 5983
    assert (scored["file"] == "elpidownload2024_via_gsheets.csv").sum() == 17926


def test_every_real_row_equals_cde_or_is_listed(every_file):
    """0 disagreements on status, change, both levels, colour and box; the rows CDE's value cannot be
    reproduced for are exactly those listed, each with its reason, and get no level of ours."""
    _, scored = every_file
    diffs = disagreements(scored).join(scored[["file"]])
    table = agreement_table(scored)
    print("\n" + table.to_string())
    assert diffs["reason"].notna().all(), diffs[diffs["reason"].isna()].head(20).to_string()
    listed = diffs[~diffs["file"].isin(UNDECIDED_2018)]
    assert {(r.file, r.cds, r.student_group): r.reason for r in listed.itertuples()} == NOT_REPRODUCIBLE_ROWS
    assert (listed["status_level"] == 0).all() and (listed["differs"] == "status_level").all()
    assert diffs[diffs["file"].isin(UNDECIDED_2018)].groupby("file").size().to_dict() == UNDECIDED_2018
    monterey = table[table.index.str.startswith("monterey/")]
    assert monterey["rows"].sum() == 5983
    assert (monterey["all"] + monterey["not_reproducible"]).sum() == 5983
    assert table.loc["elpidownload2024_via_gsheets.csv", "all"] == 17926


def test_matches_published_reports_per_indicator(every_file):
    _, scored = every_file
    monterey_2022 = scored[scored["file"].str.startswith("monterey/2022/")]
    diffs = disagreements(monterey_2022)
    summary = disagreement_summary(monterey_2022, diffs).set_index("indicator")
    assert summary.loc["elpi"].to_dict() == {"rows_compared": 32, "disagreements": 0, "not_reproducible": 5}
    assert summary["disagreements"].sum() == 0 and summary["rows_compared"].sum() == 1936
