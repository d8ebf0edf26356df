"""Conformance: the framework engine run on New York City's official 2010-11 Progress Report values
of middle schools reproduces every school's official overall score and letter grade (issue #18).

tests/fixtures/nyc_2011/ (source in its README): 140 middle-school rows, 129 with a grade. The engine
is given each school's published category scores (School Environment, Student Performance, Student
Progress) and additional credit, sums them and grades the sum on the middle-school scale printed on
the 2010-11 reports (A 58.2 or higher, B 41.5-58.1, C 23.8-41.4, D 14.0-23.7, F 13.9 or lower).
Every grade is compared; every overall score too, and a score that differs must differ for the one
reason the file explains (the published category scores are rounded to one decimal, the official
overall is not their rounded sum). No cut point is inferred from the grades.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from tests.official_results import rate_official_values

FIXTURE = Path(__file__).parent / "fixtures" / "nyc_2011"
FILE = FIXTURE / "progress_reports_2010_11_middle.csv"
YEAR = "2010-11"
# the file's category columns -> the indicator codes the framework reads
CATEGORIES = {
    "2010-2011 ENVIRONMENT CATEGORY SCORE": "nyc_environment",
    "2010-2011 PERFORMANCE CATEGORY SCORE": "nyc_performance",
    "2010-2011 PROGRESS CATEGORY SCORE": "nyc_progress",
    "2010-2011 ADDITIONAL CREDIT": "nyc_additional_credit",
}
SCORE, GRADE = "2010-2011 OVERALL SCORE", "2010-2011 OVERALL GRADE"


def official() -> pd.DataFrame:
    raw = pd.read_csv(FILE, dtype=str, keep_default_na=False)
    assert raw["DBN"].is_unique
    return raw.set_index("DBN")


def engine(files: pd.DataFrame, framework_path: Path = FIXTURE / "framework.yaml"):
    """The engine on the official category scores: (school_rating, rating_measures) by school."""
    rows = [(dbn, code, float(r[col])) for dbn, r in files.iterrows() for col, code in CATEGORIES.items()
            if r[col] != ""]
    return rate_official_values(rows, files["SCHOOL LEVEL*"], framework_path, YEAR)


def published_sum(r: pd.Series) -> Decimal | None:
    """The sum of the published category scores and additional credit (exact decimals)."""
    parts = [r[c] for c in CATEGORIES]
    return None if "" in parts[:3] else sum(Decimal(p or "0") for p in parts)


def compare(files: pd.DataFrame, rating: pd.DataFrame) -> pd.DataFrame:
    """One row per school: official and engine score and grade, whether each agrees, and why not."""
    out = pd.DataFrame({
        "level": files["SCHOOL LEVEL*"],
        "official_score": files[SCORE].map(lambda v: Decimal(v) if v else None),
        "official_grade": files[GRADE].replace("", None),
        "published_sum": files.apply(published_sum, axis=1),
    }).join(rating[["score", "level_label", "not_rated_reason"]])
    out["engine_score"] = out["score"].map(lambda v: None if pd.isna(v) else Decimal(str(v)))
    out["engine_grade"] = out["level_label"].where(out["level_label"].notna(), None)
    out["score_equal"] = [a == b for a, b in zip(out["official_score"], out["engine_score"])]
    out["grade_equal"] = [a == b for a, b in zip(out["official_grade"], out["engine_grade"])]

    def reason(r) -> str | None:
        if r.score_equal and r.grade_equal:
            return None
        if r.grade_equal and r.engine_score == r.published_sum and abs(r.official_score - r.published_sum) == Decimal("0.1"):
            return "score: the category scores are published rounded to one decimal; their sum is 0.1 off"
        if not r.grade_equal and r.official_grade and r.engine_grade and r.official_grade < r.engine_grade:
            return "grade above the score's: the top-third floor may explain it (its input is not in the file)"
        return "unexplained"
    out["reason"] = [reason(r) for r in out.itertuples()]
    return out


@pytest.fixture(scope="module")
def result() -> pd.DataFrame:
    files = official()
    rating, _ = engine(files)
    return compare(files, rating)


def test_every_official_grade_and_score_and_each_difference_has_its_reason(result):
    graded = result[result["official_grade"].notna()]
    counts = graded.groupby("level").agg(compared=("grade_equal", "size"), grades_equal=("grade_equal", "sum"),
                                         scores_equal=("score_equal", "sum"))
    print("\nNew York City 2010-11 conformance: " + "; ".join(
        f"{lvl}: grades {int(c.grades_equal)}/{int(c.compared)}, overall scores {int(c.scores_equal)}/{int(c.compared)}"
        for lvl, c in counts.iterrows()))
    differences = result[result["reason"].notna()]
    print(differences[["official_score", "published_sum", "engine_score", "official_grade", "engine_grade",
                       "reason"]].to_string())
    assert (differences["reason"] != "unexplained").all(), differences.to_string()
    assert len(graded) == 129 and set(graded["level"]) == {"Middle"}
    assert int(graded["grade_equal"].sum()) == 129, "every official grade is reproduced"
    # the 0.1 differences: each the rounding of the published parts, never the grade
    assert sorted(differences.index) == ["02M289", "03M258", "04M045", "04M224", "04M377", "05M286", "06M143",
                                         "07X151", "08X269", "08X366", "09X022"]
    assert int(graded["score_equal"].sum()) == 118


def test_no_score_no_grade(result):
    """The 11 rows without category scores (new, phasing out, too few students) have no grade in the
    file; the engine gives them no score, with the reason."""
    ungraded = result[result["official_grade"].isna()]
    assert len(ungraded) == 11
    assert ungraded["engine_score"].isna().all() and ungraded["not_rated_reason"].notna().all()


def test_no_grade_needs_the_top_third_floor(result):
    """The floor on average English and Math performance cannot be applied (its input is not in the
    file); no school of the fixture has an official grade above its score's grade, so none needs it."""
    graded = result[result["official_grade"].notna()]
    above = graded[graded["official_grade"] < graded["engine_grade"]]  # "A" < "B": a better letter
    assert above.empty, above.to_string()


@pytest.mark.parametrize("cut, moved, schools", [
    ("min: 23.8", "min: 23.9", ["07X203"]),   # M.S. 203 scores exactly 23.8: C on the scale, D a tenth higher
    ("min: 41.5", "min: 41.6", ["04M610"]),   # 41.5: B
    ("min: 14.0", "min: 13.9", ["03M860"]),   # 13.9 or lower is F; a cut at 13.9 makes it a D
])
def test_the_printed_cut_scores_decide_the_schools_on_them(tmp_path, cut, moved, schools):
    """Move one printed cut by a tenth and exactly the schools sitting on it change grade, nothing
    else: the comparison can fail, and the scale as printed is what makes it pass."""
    text = (FIXTURE / "framework.yaml").read_text()
    assert text.count(cut) == 1
    (tmp_path / "framework.yaml").write_text(text.replace(cut, moved))
    files = official()
    rating, _ = engine(files, tmp_path / "framework.yaml")
    moved_result = compare(files, rating)
    graded = moved_result[moved_result["official_grade"].notna()]
    assert sorted(graded.index[~graded["grade_equal"]]) == schools


def test_each_category_is_traced_and_contributes_its_score():
    """Quest to Learn (02M422), whose printed report gives the scale: 8.3 + 12.0 + 19.0 + 3.5 = 42.8, B.
    Each category is worth four times its score in points at a weight of 25, so it contributes its score."""
    files = official()
    rating, measures = engine(files)
    q = measures[measures["cds"] == "02M422"].set_index("measure")
    assert q["contribution"].to_dict() == pytest.approx(
        {"environment": 8.3, "performance": 12.0, "progress": 19.0, "additional_credit": 3.5})
    assert q["points"].to_dict() == pytest.approx(
        {"environment": 33.2, "performance": 48.0, "progress": 76.0, "additional_credit": 14.0})
    assert (q["effective_weight"] == 25).all() and q["index_level"].isna().all()
    assert rating.loc["02M422", "score"] == pytest.approx(42.8) and rating.loc["02M422", "level_label"] == "B"


def test_a_school_without_additional_credit_keeps_the_weight():
    """Additional credit left empty counts 0 (its weight is not shared among the categories)."""
    files = official().loc[["02M422"]].copy()
    files["2010-2011 ADDITIONAL CREDIT"] = ""
    rating, measures = engine(files)
    assert rating.loc["02M422", "score"] == pytest.approx(39.3) and rating.loc["02M422", "level_label"] == "C"
    m = measures.set_index("measure")
    assert m.loc["progress", "effective_weight"] == 25
