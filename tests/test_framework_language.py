"""The framework language, one test per point of issue #18: a points scale of its own, rounding,
points from two inputs, school models and programs, named reallocation and gates, rules beyond
the score, and values from any table, column and student group."""
from __future__ import annotations

import duckdb
import pandas as pd
import pytest
import yaml

from pipeline.config import ConfigError
from pipeline.frameworks import load_framework
from pipeline.scoring.framework import score_framework

YEAR = "2023-24"
# level numbers rank the levels (higher is better); the labels are the framework's own words
LEVELS = [{"level": 1, "label": "Level 3", "min": 0}, {"level": 2, "label": "Level 2", "min": 2.0},
          {"level": 3, "label": "Level 2+", "min": 3.0}, {"level": 4, "label": "Level 1", "min": 3.5},
          {"level": 5, "label": "Level 1+", "min": 4.0}]


def framework(tmp_path, domains=None, name="Test", score=None, **top):
    """A framework file from Python data (YAML written as a district would), loaded and checked."""
    body = {"name": name, "score": score or {"round": {"decimals": 2, "rule": "half_up"}}, "levels": LEVELS,
            **({"domains": domains} if domains else {}), **top}
    path = tmp_path / "fw.yaml"
    path.write_text(yaml.safe_dump(body, sort_keys=False))
    return load_framework(path)


def one_domain(*measures):
    return [{"id": "all", "weight": 100, "measures": list(measures)}]


def measure(mid, indicator, weight, cuts=(10, 20, 30, 40), points=(1, 2, 3, 4, 5), **extra):
    return {"id": mid, "label": mid, "source": {"table": "indicator_results", "indicator": indicator},
            "weight": weight, "higher_is_better": True, "cuts": list(cuts), "points": list(points), **extra}


def run(fw, indicator_rows, schools, con=None, year=YEAR, **tables):
    """indicator_rows: (cds, indicator, status, n[, student_group]); tables: other scored tables."""
    con = con or duckdb.connect()
    rows = [r if len(r) == 5 else (*r, "ALL") for r in indicator_rows]
    frame = pd.DataFrame(rows, columns=["cds", "indicator", "status", "n", "student_group"])
    frame = frame.assign(school_year=year, rtype="S", origin="cde", change=None)
    for name, f in {"indicator_results": frame, **tables}.items():
        con.register("f", f)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM f")
        con.unregister("f")
    if not isinstance(schools, pd.DataFrame):
        schools = pd.DataFrame({"cds": schools})
    rating, measures = score_framework(con, year, schools.assign(peer_tier="T"), fw)
    return rating.set_index("cds"), measures.set_index(["cds", "measure"])


# 1. a points scale of its own ------------------------------------------------------------------

def test_points_scale_of_its_own(tmp_path):
    """1-5 points per measure from four cuts; the score on 1.0-5.0; levels on that scale."""
    fw = framework(tmp_path, one_domain(measure("a", "ela", 50), measure("b", "math", 50)),
                   score={"round": {"decimals": 1, "rule": "half_up"}})
    rating, m = run(fw, [("S1", "ela", 25, 100), ("S1", "math", 45, 100), ("S2", "ela", 5, 100),
                         ("S2", "math", 10, 100)], ["S1", "S2"])
    assert m.loc[("S1", "a"), "points"] == 3 and m.loc[("S1", "b"), "points"] == 5
    assert rating.loc["S1", "score"] == 4.0 and rating.loc["S1", "level_label"] == "Level 1+"
    assert rating.loc["S2", "score"] == 1.5 and rating.loc["S2", "level_label"] == "Level 3"
    assert fw.score_max == 5
    # improvement for any scale: S2's "a" needs 5 more to reach its next band (2 points)
    assert m.loc[("S2", "a"), "improvement_needed"] == 5 and m.loc[("S2", "a"), "next_points"] == 2
    assert rating.loc["S2", "points_to_next_level"] == 0.5


# 2. rounding -----------------------------------------------------------------------------------

@pytest.mark.parametrize("rule, expected", [("half_up", 2.5), ("half_even", 2.4), ("down", 2.4), ("up", 2.5)])
def test_rounding_rule_of_the_total(tmp_path, rule, expected):
    """Weights 55/45 on 2 and 3 points give 2.45 exactly: each rule rounds it its own way."""
    fw = framework(tmp_path, one_domain(measure("a", "ela", 55), measure("b", "math", 45)),
                   score={"round": {"decimals": 1, "rule": rule}})
    rating, _ = run(fw, [("S1", "ela", 15, 100), ("S1", "math", 25, 100)], ["S1"])
    assert rating.loc["S1", "score_unrounded"] == pytest.approx(2.45)
    assert rating.loc["S1", "score"] == expected


PART = {"table": "indicator_results", "indicator": "part"}


def test_measure_points_are_rounded_as_declared(tmp_path):
    """Points of 2.5 after a deduction of 0.5, rounded to whole points half even: 2."""
    fw = framework(tmp_path, one_domain(measure("a", "ela", 100, round={"decimals": 0, "rule": "half_even"},
                                                deduct=[{"source": PART, "below": 95, "points": 0.5}])))
    _, m = run(fw, [("S1", "ela", 25, 100), ("S1", "part", 90, 100)], ["S1"])
    assert m.loc[("S1", "a"), "points"] == 2.0  # 3 - 0.5 = 2.5 -> 2 (half even)


# 3. points from two inputs ---------------------------------------------------------------------

def test_participation_deducts_points(tmp_path):
    """A participation rate under 95 % takes a point off; under 90 % another; never below the floor."""
    fw = framework(tmp_path, one_domain(measure("a", "ela", 100, deduct=[
        {"source": PART, "below": 95, "points": 1}, {"source": PART, "below": 90, "points": 1}])))
    _, m = run(fw, [("S1", "ela", 45, 100), ("S1", "part", 96, 100), ("S2", "ela", 45, 100),
                    ("S2", "part", 94, 100), ("S3", "ela", 45, 100), ("S3", "part", 80, 100),
                    ("S4", "ela", 15, 100), ("S4", "part", 80, 100)], ["S1", "S2", "S3", "S4"])
    assert [m.loc[(s, "a"), "points"] for s in ("S1", "S2", "S3", "S4")] == [5, 4, 3, 1]
    assert m.loc[("S3", "a"), "deduction_rule"] == "1.0 below 95.0; 1.0 below 90.0"


# 4. school models and programs -----------------------------------------------------------------

def test_models_by_school_attribute_and_programs_by_enrollment(tmp_path):
    (tmp_path / "programs.csv").write_text("cds,model,enrollment\nK8,elementary,300\nK8,high,100\n")
    fw = framework(tmp_path, models={"by": "school_type", "programs": "programs.csv", "combine": "weighted", "list": [
        {"id": "elementary", "match": ["ES", "MS"],
         "domains": one_domain(measure("ela", "ela", 70), measure("math", "math", 30))},
        {"id": "high", "match": "HS", "domains": one_domain(measure("grad", "grad", 100, cuts=(70, 80, 90, 95)))},
    ]})
    schools = pd.DataFrame({"cds": ["E", "H", "K8"], "school_type": ["ES", "HS", "K8"]})
    rating, m = run(fw, [("E", "ela", 25, 100), ("E", "math", 45, 100), ("H", "grad", 91, 100),
                         ("K8", "ela", 45, 100), ("K8", "math", 45, 100), ("K8", "grad", 75, 100)], schools)
    assert rating.loc["E", "score"] == pytest.approx(0.7 * 3 + 0.3 * 5)
    assert rating.loc["H", "score"] == 4 and rating.loc["H", "model"] == "high"
    # K8: 3/4 of its students in the elementary program (5 points), 1/4 in the high one (2 points)
    assert rating.loc["K8", "score"] == pytest.approx(0.75 * 5 + 0.25 * 2)
    assert m.loc[("K8", "grad"), "share"] == pytest.approx(0.25)
    assert ("E", "grad") not in m.index


def test_a_school_no_model_matches_is_not_rated(tmp_path):
    fw = framework(tmp_path, models={"by": "school_type", "list": [
        {"id": "elementary", "match": "ES", "domains": one_domain(measure("ela", "ela", 100))}]})
    rating, _ = run(fw, [("X", "ela", 25, 100)], pd.DataFrame({"cds": ["X"], "school_type": ["Adult"]}))
    assert not rating.loc["X", "rated"] and rating.loc["X", "not_rated_reason"] == "no school model for this school"


# 5. named reallocation, splits, chains and gates ---------------------------------------------

def test_named_reallocation_splits_chains_and_gates(tmp_path):
    fw = framework(tmp_path, [
        {"id": "one", "weight": 60, "measures": [measure("a", "ela", 20, missing={"to": "b"}),
                                                 measure("b", "math", 20, missing={"split": ["c", "d"]}),
                                                 measure("c", "sci", 20, required=True)]},
        {"id": "two", "weight": 40, "measures": [measure("d", "chronic", 40)]}])
    rating, m = run(fw, [
        ("S1", "math", 45, 100), ("S1", "sci", 25, 100), ("S1", "chronic", 5, 100),   # a missing -> b
        ("S2", "sci", 25, 100), ("S2", "chronic", 5, 100),                            # a -> b -> split c, d
        ("S3", "ela", 45, 100), ("S3", "math", 45, 100), ("S3", "chronic", 45, 100),  # c required: gate
    ], ["S1", "S2", "S3"])
    assert m.loc[("S1", "b"), "effective_weight"] == pytest.approx(40)
    assert m.loc[("S1", "a"), "rule"] == "missing: weight to b"
    assert m.loc[("S1", "b"), "rule"] == "counted, with the weight of a"
    # chain: a's 20 reach b, missing too, whose 40 split evenly: c 20+20, d 40+20
    assert m.loc[("S2", "c"), "effective_weight"] == pytest.approx(40)
    assert m.loc[("S2", "d"), "effective_weight"] == pytest.approx(60)
    assert m.loc[("S2", "b"), "rule"] == "missing: weight split among c, d"
    assert rating.loc["S2", "score"] == pytest.approx(0.4 * 3 + 0.6 * 1)
    assert not rating.loc["S3", "rated"] and pd.isna(rating.loc["S3", "score"])
    assert rating.loc["S3", "not_rated_reason"] == "required measure missing: c"


def test_reallocation_in_a_circle_is_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"fw\.yaml: domains\[0\]\.measures\[\d\]: reallocation goes round in a "
                                          r"circle: a -> b -> a"):
        framework(tmp_path, one_domain(measure("a", "ela", 50, missing={"to": "b"}),
                                       measure("b", "math", 50, missing={"to": "a"})))


# 6. rules beyond the score -------------------------------------------------------------------

def test_cap_and_earlier_years(tmp_path):
    fw = framework(tmp_path, one_domain(measure("growth", "ela", 50), measure("attain", "math", 50)),
                   score={"round": {"decimals": 1, "rule": "half_up"}}, name="Rules", rules=[
        {"id": "low_growth_cap", "at_most": 2,
         "when": [{"measure": "growth", "points_at_most": 1}, {"score_at_least": 2}]},
        {"id": "two_years_at_3", "at_most": 1, "when": [{"previous_levels_at_most": 1, "years": 2}]}])
    con = duckdb.connect()
    con.execute("CREATE TABLE school_rating (school_year VARCHAR, cds VARCHAR, framework VARCHAR, level INTEGER)")
    con.execute("INSERT INTO school_rating VALUES ('2021-22', 'S4', 'Rules', 1), ('2022-23', 'S4', 'Rules', 1), "
                "('2022-23', 'S5', 'Rules', 1), ('2021-22', 'S5', 'Rules', 2), ('2022-23', 'S6', 'Rules', 1), "
                "('2021-22', 'S6', 'Other framework', 1)")
    rating, _ = run(fw, [
        ("S1", "ela", 15, 100), ("S1", "math", 45, 100),  # score 3.5 (level 1), growth not low
        ("S2", "ela", 5, 100), ("S2", "math", 45, 100),   # score 3.0 (2+): growth 1 point -> capped at 2
        ("S3", "ela", 5, 100), ("S3", "math", 15, 100),   # score 1.5 (3): the cap needs a score of 2
        ("S4", "ela", 25, 100), ("S4", "math", 45, 100),  # 4.0, but "Level 3" both earlier years: stays there
        ("S5", "ela", 25, 100), ("S5", "math", 45, 100),  # 4.0; 2021-22 was "Level 2": rule does not hold
        ("S6", "ela", 25, 100), ("S6", "math", 45, 100),  # 4.0; one earlier year under this framework
    ], ["S1", "S2", "S3", "S4", "S5", "S6"], con=con)
    assert rating.loc["S1", "level"] == 4 and pd.isna(rating.loc["S1", "rules_applied"])
    assert rating.loc["S2", "score_level"] == 3 and rating.loc["S2", "level"] == 2
    assert rating.loc["S2", "rules_applied"] == "low_growth_cap"
    assert rating.loc["S3", "level"] == 1 and pd.isna(rating.loc["S3", "rules_applied"])
    assert rating.loc["S4", "level_label"] == "Level 3" and rating.loc["S4", "rules_applied"] == "two_years_at_3"
    assert rating.loc["S5", "level"] == 5 and rating.loc["S6", "level"] == 5


def test_attainment_path_raises_the_level(tmp_path):
    """The level is the higher of the score's level and the attainment path's."""
    fw = framework(tmp_path, one_domain(measure("growth", "ela", 80), measure("attain", "math", 20)),
                   rules=[{"id": "attainment_path", "at_least": 3, "when": [{"measure": "attain", "value_at_least": 40}]}])
    rating, _ = run(fw, [("S1", "ela", 5, 100), ("S1", "math", 45, 100), ("S2", "ela", 5, 100),
                         ("S2", "math", 35, 100)], ["S1", "S2"])
    assert rating.loc["S1", "score_level"] == 1 and rating.loc["S1", "level"] == 3
    assert rating.loc["S1", "level_label"] == "Level 2+" and rating.loc["S1", "rules_applied"] == "attainment_path"
    assert rating.loc["S2", "level"] == 1


# 7. values from any table, column and student group --------------------------------------------

def test_values_from_any_table_column_and_group(tmp_path):
    pts = {"points": [1, 2, 3, 4, 5], "higher_is_better": True}
    fw = framework(tmp_path, one_domain(
        {"id": "swd_growth", "label": "SWD growth", "weight": 25, "min_n": 11, "cuts": [-10, -5, 0, 5], **pts,
         "source": {"table": "growth", "subject": "MATH", "group": "SWD"}},
        {"id": "lowest_race", "label": "Lowest group", "weight": 25, "min_n": 11, "cuts": [-50, -25, 0, 25], **pts,
         "source": {"table": "indicator_results", "indicator": "ela", "group": {"worst_of": ["AA", "HI", "WH"]}}},
        {"id": "safety", "label": "Safety", "weight": 25, "min_n": 10, "cuts": [50, 60, 70, 80], **pts,
         "source": {"table": "climate", "respondent_group": "student", "domain": "Safety"}},
        {"id": "change", "label": "Chronic change", "weight": 25, "cuts": [2, 0, -2, -4], "points": [1, 2, 3, 4, 5],
         "higher_is_better": False, "source": {"table": "indicator_results", "indicator": "chronic", "column": "change"}}))
    growth = pd.DataFrame({"school_year": YEAR, "rtype": "S", "cds": "S1", "subject": ["MATH", "MATH", "ELA"],
                           "student_group": ["ALL", "SWD", "SWD"], "eb_estimate": [9.0, -6.0, 20.0],
                           "mean": [9.0, -6.0, 20.0], "n": [200, 30, 30]})
    climate = pd.DataFrame({"school_year": YEAR, "rtype": "S", "cds": "S1", "respondent_group": "student",
                            "level": "domain", "domain": ["Safety", "Belonging"], "percent_favorable": [72.0, 95.0],
                            "respondents": [40, 40], "suppressed": False})
    rows = [("S1", "ela", -10, 300, "ALL"), ("S1", "ela", -30, 40, "AA"), ("S1", "ela", -60, 8, "WH"),
            ("S1", "ela", 5, 100, "HI")]
    _, m = run(fw, rows, ["S1"], growth=growth, climate=climate)
    assert m.loc[("S1", "swd_growth"), "value"] == -6 and m.loc[("S1", "swd_growth"), "points"] == 2
    # WH has fewer than min_n students: the lowest-performing group with enough students is AA
    assert m.loc[("S1", "lowest_race"), "student_group"] == "AA" and m.loc[("S1", "lowest_race"), "value"] == -30
    assert m.loc[("S1", "safety"), "value"] == 72 and m.loc[("S1", "safety"), "points"] == 4
    assert m.loc[("S1", "change"), "missing_reason"] == "no data"  # the change column is empty here


def test_unknown_column_names_file_table_and_column(tmp_path):
    fw = framework(tmp_path, one_domain({"id": "a", "label": "A", "weight": 100, "higher_is_better": True,
                                         "source": {"table": "indicator_results", "indicator": "ela", "column": "statuss"},
                                         "cuts": [1], "points": [1, 2]}))
    with pytest.raises(ConfigError, match=r"fw\.yaml: source table indicator_results: no column 'statuss'"):
        run(fw, [("S1", "ela", 1, 100)], ["S1"])
