"""The bundled demo as ``make demo`` runs it: the state's student files under ``data/raw`` (CAASPP,
ELPAC, CALPADS STAS, SELA, SPRG, SINF; ``make sample`` writes them with ``--student-files state``),
every year, 19 schools in both languages, and the Dashboard preview equal to the demo's CDE files
on every compared row: each difference the run lists in ``preview_differences.csv`` has its reason.

The demo's schools are a network inside a larger district, so CDE's LEA rows count the whole
district: the preview's LEA rows differ on every figure and say so (an LEA with schools outside the
directory). School rows are where the preview is proved; the counts compared are pinned below.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipeline.sample.state_files import STATE_FILES
from pipeline.scoring.preview import preview_summary, side_by_side
from pipeline.warehouse import read_table

pytestmark = pytest.mark.slow  # the demo's three years, end to end

REPO = Path(__file__).resolve().parent.parent
YEARS = ("2021-22", "2022-23", "2023-24")
# per year, indicator and level: (rows compared, rows that agree on every figure)
COMPARED = {
    "2021-22": {("chronic", "S"): (180, 180), ("ela", "S"): (294, 293), ("math", "S"): (294, 292),
                ("elpi", "S"): (19, 19), ("chronic", "D"): (12, 0), ("ela", "D"): (17, 0), ("math", "D"): (17, 0),
                ("elpi", "D"): (1, 0)},
    "2022-23": {("chronic", "S"): (180, 172), ("ela", "S"): (298, 293), ("math", "S"): (298, 291),
                ("elpi", "S"): (19, 19), ("chronic", "D"): (12, 0), ("ela", "D"): (17, 0), ("math", "D"): (17, 0),
                ("elpi", "D"): (1, 0)},
    "2023-24": {("chronic", "S"): (176, 169), ("ela", "S"): (238, 231), ("math", "S"): (238, 232),
                ("elpi", "S"): (19, 19), ("chronic", "D"): (12, 0), ("ela", "D"): (14, 0), ("math", "D"): (14, 0),
                ("elpi", "D"): (1, 0)},
}


@pytest.fixture(scope="module")
def demo(demo_run):
    root, codes = demo_run
    assert codes == [0, 0, 0]
    return root


def test_the_demos_raw_files_are_the_states():
    for year in YEARS:
        names = {p.name for p in (REPO / "data" / "raw" / year).iterdir()}
        assert set(STATE_FILES) <= names and not names & {"assessment.csv", "attendance.csv"}, year


def test_every_year_gives_19_schools_in_both_languages(demo):
    for year in YEARS:
        schools = [p for p in (demo / "out" / year / "schools").iterdir() if p.is_dir()]
        assert len(schools) == 19, year
        for school in schools:
            assert all((school / f"scorecard.{lang}.{ext}").stat().st_size > 1000
                       for lang in ("en", "es") for ext in ("html", "pdf")), school


def test_the_preview_equals_the_demos_cde_files_on_every_compared_row(demo):
    with duckdb.connect(str(demo / "out" / "scorecards.duckdb"), read_only=True) as con:
        results = {year: read_table(con, "indicator_results", {"school_year": year}) for year in YEARS}
    for year in YEARS:
        differences = pd.read_csv(demo / "out" / year / "validation" / "preview_differences.csv", dtype=str,
                                  encoding="utf-8-sig", keep_default_na=False)
        unexplained = differences[differences["reason"].eq("not explained")]
        assert unexplained.empty, unexplained.to_string()
        summary = preview_summary(side_by_side(results[year])).set_index(["indicator", "rtype"])
        found = {key: (int(r["compared"]), int(r["agree"])) for key, r in summary.iterrows()}
        assert found == COMPARED[year], (year, found)
        # every compared row that differs is in the file, with its reason
        assert len(differences[differences["only"].eq("")]) == sum(c - a for c, a in found.values())
        lea = differences[differences["rtype"].eq("D") & differences["only"].eq("")]
        assert len(lea) and lea["reason"].str.startswith(("CDE's LEA row of all students counts",
                                                          "one side's figure is hidden")).all()
        # ELA and math school rows differ only by disclosure control (a figure, or last year's figure
        # behind the change, hidden) or lack a group the files read do not carry (LTEL, 2023-24)
        academic = differences[differences["indicator"].isin(["ela", "math"]) & differences["rtype"].eq("S")]
        assert academic["reason"].str.startswith((
            "one side's figure is hidden by disclosure control",
            "our change is blank where CDE's file publishes one: last year's figure of the group is hidden",
            "no long-term English learner field in the files read")).all(), academic.to_string()


def test_the_validation_report_links_to_the_preview(demo):
    for year in YEARS:
        folder = demo / "out" / year / "validation"
        assert 'href="preview.html"' in (folder / "report.html").read_text(encoding="utf-8")
        assert "Dashboard preview beside CDE" in (folder / "preview.html").read_text(encoding="utf-8")
