"""CDE's 95 % participation rule on ELA and math, measured on the real Monterey rows of the 2022-2024
Dashboard files (``../shared/realdata/ca_dashboard/monterey``; skipped, saying why, when absent) and
kept in ``config/participation_rule.csv`` (:mod:`pipeline.participation`).

Each row publishes the students enrolled and tested, the students added (``currnumprloss``;
``num_prloss`` in 2022), and the status with and without them. From the two statuses (each rounded
to 0.1) the mean distance X CDE gave the added students is known within
``0.05 x (denom + denom_without) / added``:
``currstatus x currdenom - currstatus_withoutprloss x currdenom_withoutprloss = added x X``.
"""
from __future__ import annotations

import pandas as pd
import pytest

from pipeline.participation import load_participation_rule, students_added

# Smarter Balanced lowest obtainable scale score (2020-21 on) and Level 3 minimum per grade
# (/work/shared/reference/state-files.md 3.2: CDE threshold charts, TOMS Appendix A): the candidates
# "lowest obtainable score of grade g" for the imputed students
LOSS_L3 = {
    "ELA": {3: (2115, 2432), 4: (2140, 2473), 5: (2200, 2502), 6: (2230, 2531), 7: (2260, 2552), 8: (2290, 2567),
            11: (2300, 2583)},
    "MATH": {3: (2190, 2436), 4: (2205, 2485), 5: (2220, 2528), 6: (2235, 2552), 7: (2250, 2567), 8: (2265, 2586),
             11: (2280, 2628)},
}
YEARS = (2022, 2023, 2024)
NAMES_2022 = {"prate_enrolled": "currprate_enrolled", "prate_tested": "currprate_tested", "prate": "currprate",
              "num_prloss": "currnumprloss"}
NUMBERS = ["currdenom", "currstatus", "currdenom_withoutprloss", "currstatus_withoutprloss", "currnumprloss",
           "currprate_enrolled", "currprate_tested"]


@pytest.fixture
def rows(realdata) -> pd.DataFrame:
    folder = realdata / "monterey"
    if not folder.is_dir():
        pytest.skip(f"the real Monterey Dashboard files are not present at {folder}")
    frames = []
    for year in YEARS:
        for subject in ("ela", "math"):
            f = pd.read_csv(folder / str(year) / f"{subject}download{year}.txt", sep="\t", dtype=str)
            f = f.rename(columns=NAMES_2022).assign(year=year, subject=subject.upper())
            frames.append(f)
    f = pd.concat(frames, ignore_index=True)
    for col in NUMBERS:
        f[col] = pd.to_numeric(f[col], errors="coerce")
    f["added"] = f["currnumprloss"].fillna(0).astype(int)
    return f


def _rule(year: int, subject: str) -> pd.Series:
    rule = load_participation_rule()
    return rule[(rule["dashboard_year"] == year) & (rule["subject"] == subject)].iloc[0]


def test_the_students_added_are_those_that_bring_the_rate_to_95_percent_once_rounded(rows):
    counted = rows[rows["currprate_enrolled"].notna()]  # SBA and CAA rows publish no participation
    assert len(counted) == 2555 and counted["added"].gt(0).sum() == 354
    target = [_rule(y, s)["target_per_mille"] for y, s in zip(counted["year"], counted["subject"])]
    enrolled, tested = counted["currprate_enrolled"].astype(int), counted["currprate_tested"].astype(int)
    ours = [students_added(e, t, p) for e, t, p in zip(enrolled, tested, target)]
    wrong = counted[[o != a for o, a in zip(ours, counted["added"])]]
    assert wrong.empty, wrong[["year", "subject", "cds", "studentgroup", "currprate_enrolled", "currprate_tested",
                               "added"]].to_string()
    # 95 % before rounding gives another count on 102 rows (e.g. 106 of 112 tested: 94.6 %, CDE added none)
    strict = sum(students_added(e, t, 950) != a for e, t, a in zip(enrolled, tested, counted["added"]))
    assert strict == 102
    added = rows[rows["added"] > 0]
    assert (added["currdenom"] == added["currdenom_withoutprloss"] + added["added"]).all()


def test_each_added_student_counts_at_one_distance_per_year_and_subject_whatever_the_grades(rows):
    added = rows[(rows["added"] > 0) & rows["currstatus"].notna() & rows["currstatus_withoutprloss"].notna()]
    shift = added["currstatus"] * added["currdenom"] - added["currstatus_withoutprloss"] * added["currdenom_withoutprloss"]
    slack = 0.05 * (added["currdenom"] + added["currdenom_withoutprloss"]) + 1e-6
    low, high = (shift - slack) / added["added"], (shift + slack) / added["added"]
    measured = {}
    for (year, subject), part in added.groupby(["year", "subject"]):
        x = _rule(year, subject)["imputed_distance"]
        fits = (low[part.index] <= x) & (x <= high[part.index])
        assert fits.all(), part.loc[~fits, ["cds", "studentgroup", "currdenom", "currstatus", "added"]].to_string()
        # no other grade's lowest obtainable distance fits every row of the year and subject
        fitting = [g for g, (loss, l3) in LOSS_L3[subject].items()
                   if ((low[part.index] <= loss - l3) & (loss - l3 <= high[part.index])).all()]
        measured[(year, subject)] = (len(part), x, fitting)
    assert measured == {
        (2022, "ELA"): (34, -277, [8]), (2022, "MATH"): (36, -246, [3]),
        (2023, "ELA"): (27, -333, [4]), (2023, "MATH"): (34, -348, [11]),
        (2024, "ELA"): (29, -333, [4]), (2024, "MATH"): (27, -348, [11]),
    }, measured
    # not the lowest score of the school's grades: a school testing grade 11 only (hscutpoints Y) got
    # grade 3's distance in math 2022, and grade 3-8 rows got grade 11's in math 2023
    only_11 = added[added["hscutpoints"].eq("Y") & added["rtype"].eq("S") & added["year"].eq(2022)
                    & added["subject"].eq("MATH")]
    assert len(only_11) == 4


def test_the_rule_configuration_is_checked(tmp_path):
    import shutil

    from pipeline.config import CONFIG_DIR, ConfigError

    shutil.copy(CONFIG_DIR / "participation_rule.csv", tmp_path / "participation_rule.csv")
    path = tmp_path / "participation_rule.csv"
    path.write_text(path.read_text().replace("ELA,2023,945,-333", "ELA,2023,945,333"))
    with pytest.raises(ConfigError, match=r"participation_rule.csv: line 4, column imputed_distance"):
        load_participation_rule(tmp_path)
    assert students_added(112, 106, 945) == 0 and students_added(111, 103, 945) == 2
    assert students_added(pd.Series([56, 10]), pd.Series([42, 10]), 945).tolist() == [11, 0]


def test_the_el_group_of_the_academic_files_is_elo_plus_rfp_on_every_real_row(rows):
    """Without the students added for participation (each group's own), EL = ELO + RFP: the academic EL
    group is English learners plus students reclassified within four years (config/state_codes.yaml)."""
    measured = {}
    for (year, subject), part in rows[rows["year"] < 2024].groupby(["year", "subject"]):
        n = part.pivot_table(index="cds", columns="studentgroup", values="currdenom_withoutprloss", aggfunc="first")
        n = n.dropna(subset=["EL", "ELO", "RFP"])
        measured[(year, subject)] = (int((n["EL"] == n["ELO"] + n["RFP"]).sum()), len(n))
    assert measured == {(2022, "ELA"): (29, 29), (2022, "MATH"): (30, 30), (2023, "ELA"): (29, 29),
                        (2023, "MATH"): (29, 29)}, measured
    # the 2024 files publish no ELO, RFP or EO row
    assert not rows[rows["year"].eq(2024)]["studentgroup"].isin(["ELO", "RFP", "EO"]).any()
