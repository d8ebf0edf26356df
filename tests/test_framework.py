"""The overall rating: index levels at cut points, weights re-allocated, levels, peers, next level."""
from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from pipeline.config import ConfigError
from pipeline.scoring.framework import load_framework, score_framework

CONFIG = """
name: Test framework
missing: within_domain
score: {method: weighted_mean, round: {decimals: 1, rule: half_up}, min_weight_present: 50}
levels:
  - {level: 1, label: Low, min: 0}
  - {level: 2, label: Mid, min: 40}
  - {level: 3, label: High, min: 70}
domains:
  - id: academic
    weight: 60
    measures:
      - {id: ela, label: ELA, source: {table: indicator_results, indicator: ela}, weight: 30,
         higher_is_better: true, min_n: 20, cuts: [-90, -70, -50, -30, -10, 10, 30, 50, 70]}
      - {id: math, label: Math, source: {table: indicator_results, indicator: math}, weight: 30,
         higher_is_better: true, min_n: 20, cuts: [-90, -70, -50, -30, -10, 10, 30, 50, 70]}
  - id: climate
    weight: 40
    measures:
      - {id: chronic, label: Chronic, source: {table: indicator_results, indicator: chronic}, weight: 40,
         higher_is_better: false, min_n: 20, cuts: [40, 35, 30, 25, 20, 15, 10, 5, 2.5]}
"""


@pytest.fixture
def framework(tmp_path):
    path = tmp_path / "framework.yaml"
    path.write_text(CONFIG)
    return load_framework(path)


def results(rows):
    frame = pd.DataFrame(rows, columns=["cds", "indicator", "status", "n"])
    frame["school_year"], frame["rtype"], frame["student_group"], frame["origin"] = "2023-24", "S", "ALL", "cde"
    return frame


def run(framework, rows, tiers):
    con = duckdb.connect()
    con.register("r", results(rows))
    con.execute("CREATE TABLE indicator_results AS SELECT * FROM r")
    schools = pd.DataFrame({"cds": list(tiers), "peer_tier": list(tiers.values())})
    rating, measures = score_framework(con, "2023-24", schools, framework)
    return rating.set_index("cds"), measures.set_index(["cds", "measure"])


def test_levels_weights_and_reallocation(framework):
    rating, measures = run(framework, [
        ("A", "ela", -10.0, 100), ("A", "math", 9.9, 100), ("A", "chronic", 10.0, 100),  # all present
        ("B", "ela", 70.0, 100), ("B", "math", 0.0, 15), ("B", "chronic", 2.4, 100),    # math n < 20
        ("C", "ela", -95.0, 100), ("C", "math", -30.0, 100),                            # no climate at all
    ], {"A": "High", "B": "High", "C": "Low"})
    # A: ela -10 reaches cut 5 -> level 6 (60 pts); math 9.9 -> level 6; chronic 10.0 (<= 10) -> level 8
    assert measures.loc[("A", "ela"), "index_level"] == 6
    assert measures.loc[("A", "math"), "index_level"] == 6
    assert measures.loc[("A", "chronic"), "index_level"] == 8
    assert float(rating.loc["A", "score"]) == pytest.approx((60 * 30 + 60 * 30 + 80 * 40) / 100)  # 68.0
    assert rating.loc["A", "level"] == 2 and rating.loc["A", "level_label"] == "Mid"
    assert float(rating.loc["A", "points_to_next_level"]) == 2.0
    # improvement needed: ela -10 -> next cut 10 (20 points); chronic 10.0 -> next cut 5 (5 points lower)
    assert float(measures.loc[("A", "ela"), "improvement_needed"]) == 20.0
    assert float(measures.loc[("A", "chronic"), "improvement_needed"]) == 5.0
    # B: math has too few students; its 30 go to ela (60 in all); ela 70 -> level 10
    assert measures.loc[("B", "math"), "missing_reason"] == "fewer than 20 students"
    assert measures.loc[("B", "ela"), "effective_weight"] == pytest.approx(60)
    assert float(rating.loc["B", "score"]) == pytest.approx((100 * 60 + 100 * 40) / 100)
    assert pd.isna(rating.loc["B", "points_to_next_level"])
    # C: the climate domain is missing: academic carries 100; ela level 1, math -30 -> level 5
    assert measures.loc[("C", "ela"), "effective_weight"] == pytest.approx(50)
    assert float(rating.loc["C", "score"]) == pytest.approx((10 * 50 + 50 * 50) / 100)  # 30.0
    assert rating.loc["C", "weight_present"] == 60


def test_peer_and_district_comparisons(framework):
    rating, _ = run(framework, [
        ("A", "ela", 70.0, 100), ("A", "math", 70.0, 100), ("A", "chronic", 1.0, 100),
        ("B", "ela", -95.0, 100), ("B", "math", -95.0, 100), ("B", "chronic", 50.0, 100),
        ("C", "ela", -10.0, 100), ("C", "math", -10.0, 100), ("C", "chronic", 20.0, 100),
    ], {"A": "High", "B": "High", "C": "Low"})
    assert float(rating.loc["A", "score"]) == 100.0 and float(rating.loc["B", "score"]) == 10.0
    assert float(rating.loc["A", "district_average"]) == pytest.approx(round((100 + 10 + 60) / 3, 1))
    assert float(rating.loc["A", "peer_average"]) == 55.0
    assert float(rating.loc["A", "peer_percentile"]) == 100.0 and float(rating.loc["B", "peer_percentile"]) == 0.0


def test_too_little_weight_present_means_no_rating(framework):
    rating, _ = run(framework, [("A", "ela", 10.0, 100)], {"A": "High"})
    assert not rating.loc["A", "rated"] and pd.isna(rating.loc["A", "score"]) and pd.isna(rating.loc["A", "level"])


@pytest.mark.parametrize("old, new, message", [
    ("weight: 30,\n         higher_is_better: true, min_n: 20, cuts: [-90",
     "weight: 20,\n         higher_is_better: true, min_n: 20, cuts: [-90",
     r"domains\[0\]\.weight: the measures' weights add up to 50, not the domain's weight \(got 60\)"),
    ("table: indicator_results, indicator: ela", "table: nowhere, indicator: ela",
     r"domains\[0\]\.measures\[0\]\.source\.table: unknown or unpublished table.*\(got 'nowhere'\)"),
    ("cuts: [40, 35, 30, 25, 20, 15, 10, 5, 2.5]", "cuts: [1, 2, 3, 4, 5, 6, 7, 8, 9]",
     r"domains\[1\]\.measures\[0\]\.cuts: must decrease \(lower is better\) \(got \[1, 2"),
    ("weight: 40,\n", "weight: 40, wieght: 3,\n", r"measures\[0\]\.wieght: unknown key"),
    ("rule: half_up", "rule: bankers", r"score\.round\.rule: must be one of half_up, half_even, down, up \(got 'bankers'\)"),
])
def test_config_errors_name_the_key(tmp_path, old, new, message):
    path = tmp_path / "framework.yaml"
    path.write_text(CONFIG.replace(old, new, 1))
    with pytest.raises(ConfigError, match=message) as info:
        load_framework(path)
    assert str(info.value).startswith("framework.yaml")


def test_default_framework_is_core_60_40():
    fw = load_framework()
    assert fw.name == "School Quality Framework"
    assert fw.measures.groupby("domain")["domain_weight"].first().to_dict() == {"academic": 60, "culture_climate": 40}
