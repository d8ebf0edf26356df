"""The bundled demo set (``data/raw``, what ``make demo`` runs on): the preview's ELA and math from the
state's CAASPP files (with CALPADS's Cumulative Enrollment Extract for long-term English learners)
equal the sample's CDE files on every school row of every year, language groups (ELO, RFP, EO),
LTEL from 2023-24 and rows with students added for the 95 % participation rule included. Compared
before any disclosure step, as the rules alone give them (the scorecards and the validation
report's preview then hide small and complementary figures on both sides)."""
from __future__ import annotations

import pandas as pd
import pytest

from pipeline.scoring.preview import side_by_side
from tests.conftest import REPO
from tests.preview_setup import SOURCES_READ, preview_of, real_student_n_size

DEMO = REPO / "data" / "raw"
DEMO_YEARS = ("2021-22", "2022-23", "2023-24")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    if not all((DEMO / year / "caaspp_student_score_data.txt").exists() for year in DEMO_YEARS):
        pytest.skip(f"the demo's CAASPP files are not in {DEMO} (make sample writes them)")
    return preview_of(DEMO, tmp_path_factory.mktemp("demo") / "scorecards.duckdb", DEMO_YEARS,
                      [*SOURCES_READ, "calpads_senr"])


@pytest.mark.slow
def test_every_ela_and_math_school_row_of_the_demo_agrees_with_the_samples_cde_files(demo):
    measured, wrong, only, stricter = {}, [], [], {}
    for year, results in demo.items():
        sbs = side_by_side(results)
        school = sbs[sbs["indicator"].isin(["ela", "math"]) & sbs["rtype"].eq("S")]
        n_size = real_student_n_size(school)
        stricter[year] = int(n_size.sum())
        school = school[~n_size]
        for ind, part in school.groupby("indicator"):
            both = part[part["compared"]]
            measured[(year, ind)] = (len(both), int(both["differs"].eq("").sum()))
        language = set(school.loc[school["compared"], "student_group"]) & {"ELO", "RFP", "EO"}
        assert language == ({"ELO", "RFP", "EO"} if year < "2023-24" else set()), (year, language)
        wrong.append(school[school["compared"] & school["differs"].ne("")].assign(year=year))
        only.append(school[school["only"].ne("")].assign(year=year))
    # rows where our n-size, counting real students only, hides a figure (or the prior one behind the
    # change) that CDE's n-size, counting the students added for participation, shows
    assert stricter == {"2021-22": 0, "2022-23": 0, "2023-24": 1}, stricter
    # compared / agree, per year and subject (those rows left out)
    assert measured == {
        ("2021-22", "ela"): (294, 294), ("2021-22", "math"): (294, 294),
        ("2022-23", "ela"): (298, 298), ("2022-23", "math"): (298, 298),
        ("2023-24", "ela"): (244, 244), ("2023-24", "math"): (245, 245),
    }, measured
    differing = pd.concat(wrong)
    assert differing.empty, differing[["year", "indicator", "cds", "student_group", "differs"]].to_string()
    # no row only one side has: CDE's long-term English learners of 2023-24 come from the CENR's
    # Provisional LTEL Start Date (field 45), and earlier years have no LTEL row on either side
    one_side = pd.concat(only)
    assert one_side.empty, one_side[["year", "indicator", "only", "student_group"]].to_string()
    ltel = {year: int((side_by_side(r)["student_group"].eq("LTEL") & side_by_side(r)["compared"]).sum())
            for year, r in demo.items()}
    assert ltel == {"2021-22": 0, "2022-23": 0, "2023-24": 29}, ltel  # 25 school rows (chronic 4, ELA, math, ELPI 7 each), 4 LEA


@pytest.mark.slow
def test_the_demos_remaining_ela_and_math_school_rows_have_their_reason(demo):
    from pipeline.preview_report import explained

    why = explained(demo["2023-24"], rule_applied=True)
    school = why[why["indicator"].isin(["ela", "math"]) & why["rtype"].eq("S")]
    assert set(school["reason"]) == {"one side's figure is hidden by disclosure control (n_lt_11)"}
