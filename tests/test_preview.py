"""The Dashboard preview from the state's student files equals the sample's CDE Dashboard files,
which the sample computes from the same students by the Dashboard's rules (issue #15).

Compared: every school row (rtype S) that both origins have, for chronic absenteeism, ELA, math and
ELPI, on n, status, change, status level, change level and colour, before any disclosure step.
Not compared, and why (each said in the validation report's preview block):
- LEA rows: the tiny sample's LEA rows are synthetic (only part of a district is generated);
- ELA/math rows where CDE's file added students for the 95 % participation rule (currnumprloss or
  priornumprloss > 0): which lowest obtainable score CDE imputes is unconfirmed, so the preview
  does not apply the rule.
"""
from __future__ import annotations

import pandas as pd
import pytest

from pipeline.scoring.preview import side_by_side
from tests.preview_setup import YEARS, preview_results


@pytest.fixture(scope="module")
def preview(tmp_path_factory):
    root = tmp_path_factory.mktemp("preview")
    results = preview_results(root)
    prloss = set()
    for year in YEARS:
        spring = int(year[:2] + year[-2:])
        for ind in ("ela", "math"):
            f = pd.read_csv(root / "raw" / year / "dashboard" / f"{ind}download{spring}.txt", sep="\t", dtype=str)
            added = pd.to_numeric(f["currnumprloss"], errors="coerce").fillna(0) > 0
            prloss |= {(c, g, ind) for c, g in zip(f.loc[added, "cds"], f.loc[added, "studentgroup"])}
    return side_by_side(results), prloss


@pytest.mark.slow
def test_preview_equals_the_samples_cde_files_on_every_school_row(preview):
    sbs, prloss = preview
    school = sbs[sbs["compared"] & sbs["rtype"].eq("S")]
    participation = pd.Series([(c, g, i) in prloss for c, g, i in
                               zip(school["cds"], school["student_group"], school["indicator"])], index=school.index)
    checked = school[~participation]
    compared = checked.groupby("indicator").size().to_dict()
    # every indicator of the preview is compared on rows of its own (tiny sample, seed 7)
    assert set(compared) == {"chronic", "ela", "math", "elpi"} and min(compared.values()) >= 4, compared
    wrong = checked[checked["differs"].ne("")]
    assert wrong.empty, wrong[["cds", "student_group", "indicator", "differs"]].to_string()


@pytest.mark.slow
def test_the_elpi_preview_counts_every_english_learner_the_sample_counts(preview):
    sbs, _ = preview
    elpi = sbs[sbs["indicator"].eq("elpi") & sbs["rtype"].eq("S") & sbs["student_group"].eq("EL")]
    assert len(elpi) > 0 and elpi["compared"].all()
    assert (elpi["n_district"].astype(int) == elpi["n_cde"].astype(int)).all()
    assert (elpi["status_district"].astype(float) == elpi["status_cde"].astype(float)).all()
