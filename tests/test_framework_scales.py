"""Level scales per school model and points equal to a value (issue #18, after Florida's school
grades): a model may declare its own ``levels`` (else the framework's), and a measure may say
``points: value`` (optionally scaled and clamped) instead of one band per point. The engine, the
load-time checks and the scorecard's rating section all follow the school's model's scale."""
from __future__ import annotations

import pandas as pd
import pytest
import yaml

from pipeline.config import ConfigError
from pipeline.frameworks import load_framework
from pipeline.scorecard.load import YearData, _framework_info
from pipeline.scorecard.rating import measures as measure_rows
from pipeline.scorecard.rating import overall

from tests.test_framework_language import LEVELS, framework, measure, one_domain, run

# letter grades on a percent of points, each school type on its own cut points (made-up numbers)
ELEMENTARY = [{"level": 1, "label": "F", "label_es": "F", "min": 0}, {"level": 2, "label": "D", "min": 30},
              {"level": 3, "label": "C", "min": 40}, {"level": 4, "label": "B", "min": 50},
              {"level": 5, "label": "A", "min": 60}]
HIGH = [{"level": 1, "label": "F", "min": 0}, {"level": 2, "label": "D", "min": 35},
        {"level": 3, "label": "C", "min": 45}, {"level": 4, "label": "B", "min": 55},
        {"level": 5, "label": "A", "label_es": "A (secundaria)", "min": 65}]
VALUE = {"from": "value", "min": 0, "max": 100}


def value_measure(mid, indicator, weight, points=None, **extra):
    m = measure(mid, indicator, weight, **extra)
    del m["cuts"]
    m["points"] = points or VALUE
    return m


def graded(tmp_path, **top):
    """Elementary and high models, each with its own letter-grade cut points; combination uses the
    framework's levels (LEVELS, 1..5 on a 0..5 scale, so every percent is its top level)."""
    return framework(tmp_path, score={"round": {"decimals": 0, "rule": "half_up"}, "max": 100}, models={
        "by": "school_type", "list": [
            {"id": "elementary", "match": "ES", "levels": ELEMENTARY,
             "domains": one_domain(value_measure("ela", "ela", 50), value_measure("math", "math", 50))},
            {"id": "high", "match": "HS", "levels": HIGH,
             "domains": one_domain(value_measure("ela", "ela", 50), value_measure("grad", "grad", 50))},
            {"id": "combination", "match": "K12", "domains": one_domain(value_measure("ela", "ela", 100))},
        ]}, **top)


def test_each_school_model_is_graded_on_its_own_levels(tmp_path):
    """The same percent (62) is an A on the elementary scale and a B on the high-school one; the
    label, the next level and the points to reach it are the school's model's."""
    fw = graded(tmp_path)
    schools = pd.DataFrame({"cds": ["E", "H", "K"], "school_type": ["ES", "HS", "K12"]})
    rating, m = run(fw, [("E", "ela", 60, 100), ("E", "math", 64, 100), ("H", "ela", 60, 100),
                         ("H", "grad", 64, 100), ("K", "ela", 62, 100)], schools)
    assert list(rating["score"]) == [62, 62, 62]
    assert rating.loc["E", "level"] == 5 and rating.loc["E", "level_label"] == "A"
    assert pd.isna(rating.loc["E", "points_to_next_level"])  # the top of the elementary scale
    assert rating.loc["H", "level"] == 4 and rating.loc["H", "level_label"] == "B"
    assert rating.loc["H", "points_to_next_level"] == 3  # 65 for an A in high school
    # no levels of its own: the framework's
    assert rating.loc["K", "level"] == 5 and rating.loc["K", "level_label"] == "Level 1+"
    assert set(fw.model_levels["model"]) == {"elementary", "high", "combination"}
    assert list(fw.levels_of("combination")["label"]) == [lv["label"] for lv in LEVELS]


def test_points_equal_the_value_scaled_and_clamped(tmp_path):
    """``points: value`` is the value itself (73.4 -> 73.4 points, no bands); with ``scale`` and a
    clamp, 0.5 x 130 = 65 is held at the max of 50; a deduction never goes under the min."""
    part = {"table": "indicator_results", "indicator": "part"}
    fw = framework(tmp_path, one_domain(
        value_measure("plain", "ela", 40, points="value"),
        value_measure("half", "math", 30, points={"from": "value", "scale": 0.5, "min": 0, "max": 50}),
        value_measure("floor", "sci", 30, points={"from": "value", "min": 0, "max": 100},
                      deduct=[{"source": part, "below": 95, "points": 10}])),
        score={"round": {"decimals": 2, "rule": "half_up"}, "max": 100})
    rating, m = run(fw, [("S1", "ela", 73.4, 100), ("S1", "math", 130, 100), ("S1", "sci", 4, 100),
                         ("S1", "part", 90, 100), ("S2", "ela", 10, 100), ("S2", "math", 40, 100),
                         ("S2", "sci", 80, 100), ("S2", "part", 99, 100)], ["S1", "S2"])
    assert m.loc[("S1", "plain"), "points"] == pytest.approx(73.4)
    assert m.loc[("S1", "half"), "points"] == 50 and m.loc[("S2", "half"), "points"] == 20
    assert m.loc[("S1", "floor"), "points"] == 0 and m.loc[("S1", "floor"), "deducted"] == 10
    assert m.loc[("S2", "floor"), "points"] == 80
    assert rating.loc["S1", "score"] == pytest.approx(0.4 * 73.4 + 0.3 * 50)
    # no bands: no band number, next cut or improvement to a next band
    assert m.loc[("S1", "plain"), ["index_level", "next_cut", "improvement_needed"]].isna().all()
    assert pd.isna(m.loc[("S1", "plain"), "points_min"]) and m.loc[("S1", "half"), "points_max"] == 50
    assert fw.bands.empty or "plain" not in set(fw.bands["measure"])


@pytest.mark.parametrize("change, message", [
    ({"points": "valeu", "cuts": [1]}, r"fw\.yaml: domains\[0\]\.measures\[0\]\.points: must list 2 points, one per band "
                          r"\(one more than the cuts\), or be value or \{from: value, \.\.\.\} \(got 'valeu'\)"),
    ({"points": {"from": "value", "min": 50, "max": 10}},
     r"fw\.yaml: domains\[0\]\.measures\[0\]\.points\.max: must be more than min \(got 10\)"),
    ({"points": {"from": "value", "sacle": 2}}, r"fw\.yaml: domains\[0\]\.measures\[0\]\.points\.sacle: unknown key"),
    ({"points": {"from": "value", "scale": 0}}, r"fw\.yaml: domains\[0\]\.measures\[0\]\.points\.scale: must be "
                                                r"positive \(got 0\)"),
    ({"points": "value", "cuts": [1]}, r"fw\.yaml: domains\[0\]\.measures\[0\]\.cuts: no cuts when the points are "
                                       r"the value \(got \[1\]\)"),
    ({"points": "value", "higher_is_better": False},
     r"fw\.yaml: domains\[0\]\.measures\[0\]\.points: the value is the points only when higher_is_better is "
     r"true \(the higher the value, the more points\) \(got 'value'\)"),
])
def test_points_value_errors_name_file_key_and_value(tmp_path, change, message):
    m = value_measure("a", "ela", 100)
    m.update(change)
    with pytest.raises(ConfigError, match=message):
        framework(tmp_path, one_domain(m), score={"max": 100})


def test_points_value_needs_a_max_where_the_scale_needs_one(tmp_path):
    with pytest.raises(ConfigError, match=r"fw\.yaml: score\.max: missing key: a measure's points are its value "
                                          r"with no max \(a\)"):
        framework(tmp_path, one_domain(value_measure("a", "ela", 100, points="value")), score={})
    with pytest.raises(ConfigError, match=r"fw\.yaml: domains\[0\]\.measures\[0\]\.points\.max: missing key: "
                                          r"score\.method percent_of_max needs each measure's maximum"):
        framework(tmp_path, one_domain(value_measure("a", "ela", 100, points="value")),
                  score={"method": "percent_of_max"})


@pytest.mark.parametrize("edit, message", [
    (lambda b: b["models"]["list"][1].update(levels=[{"level": 1, "label": "F", "min": 10},
                                                     {"level": 2, "label": "A", "min": 5}]),
     r"fw\.yaml: models\.list\[1\]\.levels: min must increase from one level to the next \(got \[10\.0, 5\.0\]\)"),
    (lambda b: b.pop("levels"),
     r"fw\.yaml: models\.list\[2\]\.levels: missing key \(the framework has no levels of its own to fall back on\)"),
    (lambda b: b.update(rules=[{"id": "r", "at_least": 5, "when": [{"score_at_least": 1}]}]) or
     b["models"]["list"][1].update(levels=HIGH[:4]),
     r"fw\.yaml: rules\[0\]\.at_least: is not a level of model 'high'; its levels: \[1, 2, 3, 4\] \(got 5\)"),
])
def test_level_errors_name_file_key_and_value(tmp_path, edit, message):
    graded(tmp_path)  # writes fw.yaml
    body = yaml.safe_load((tmp_path / "fw.yaml").read_text())
    edit(body)
    (tmp_path / "fw.yaml").write_text(yaml.safe_dump(body, sort_keys=False))
    with pytest.raises(ConfigError, match=message):
        load_framework(tmp_path / "fw.yaml")


def test_programs_on_two_level_scales_are_refused(tmp_path):
    """A school whose programs are graded on different scales has no one level: the programs file's
    row is named."""
    (tmp_path / "programs.csv").write_text("cds,model,enrollment\nK8,elementary,300\nK8,high,100\n")
    graded(tmp_path)  # writes fw.yaml; the programs file is added below

    raw = yaml.safe_load((tmp_path / "fw.yaml").read_text())
    raw["models"]["programs"] = "programs.csv"
    (tmp_path / "fw.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    body = load_framework(tmp_path / "fw.yaml")
    with pytest.raises(ConfigError, match=r"programs\.csv: row 3, column model: school K8's programs are graded on "
                                          r"different level scales \(elementary, high\)"):
        run(body, [("K8", "ela", 50, 100)], pd.DataFrame({"cds": ["K8"], "school_type": ["ES"]}))


def test_scorecard_rating_section_uses_the_schools_model_levels(tmp_path):
    """The ladder, the number of levels, the Spanish label and the next level come from the school's
    model's scale, as the engine recorded it in school_rating.model."""
    fw = graded(tmp_path)
    levels, info, meta = _framework_info(fw)
    data = YearData(directory=pd.DataFrame(), enrollment=pd.DataFrame(), results=pd.DataFrame(),
                    history=pd.DataFrame(), levels=levels, measure_info=info, framework=meta)
    schools = pd.DataFrame({"cds": ["E", "H"], "school_type": ["ES", "HS"]})
    rating, m = run(fw, [("E", "ela", 60, 100), ("E", "math", 64, 100), ("H", "ela", 60, 100),
                         ("H", "grad", 70, 100)], schools)
    rows = {cds: {k: (None if pd.isna(v) else v) for k, v in r.items()} for cds, r in
            rating.reset_index().set_index("cds", drop=False).to_dict("index").items()}
    high = overall(rows["H"], None, data)
    assert high.level_label == "A" and high.level_label_es == "A (secundaria)" and high.levels == 5
    assert [s.min for s in high.ladder] == [0, 35, 45, 55, 65] and high.top_level
    elem = overall({**rows["E"], "score": 55.0, "level": 4, "level_label": "B", "points_to_next_level": 5.0},
                   None, data)
    assert [s.min for s in elem.ladder] == [0, 30, 40, 50, 60] and elem.next_level == "A"
    assert elem.next_level_es is None and elem.points_to_next == 5
    # a value measure is shown with its points (no band: no meter level, no "next band")
    recs = [{k: (None if not isinstance(v, str) and pd.isna(v) else v) for k, v in r.items()}
            for r in m.reset_index().to_dict("records") if r["cds"] == "H"]
    shown = measure_rows(recs, info)[0].measures
    assert [(x.key, x.points, x.level, x.top, x.improvement, x.note) for x in shown] == [
        ("ela", 60.0, None, False, None, None), ("grad", 70.0, None, False, None, None)]


def test_a_value_measure_is_shown_without_a_meter_and_says_every_gain_adds_points(tmp_path):
    """On the scorecard's rating section a measure whose points are its value has no bands: no
    10-segment meter (it would be drawn empty) and no blank "to reach the next level" cell."""
    from pipeline.render import i18n
    from pipeline.render.present import _domain

    fw = graded(tmp_path)
    _, info, _ = _framework_info(fw)
    schools = pd.DataFrame({"cds": ["H"], "school_type": ["HS"]})
    _, m = run(fw, [("H", "ela", 60, 100), ("H", "grad", 70, 100)], schools)
    recs = [{k: (None if not isinstance(v, str) and pd.isna(v) else v) for k, v in r.items()}
            for r in m.reset_index().to_dict("records")]
    domain = measure_rows(recs, info)[0]
    for lang, words in (("en", "Every gain adds points"), ("es", "Cada avance suma puntos")):
        rows = _domain(domain, lang, i18n.get_translations(lang).gettext, {})["rows"]
        assert [(r["meter"], r["points"], r["improvement"]) for r in rows] == [
            (False, "60", words), (False, "70", words)], rows


def test_the_page_draws_no_meter_for_a_measure_without_bands():
    from pipeline.render.html import render_scorecard_html
    from tests.test_render import contract_page

    model = contract_page("en")
    before = render_scorecard_html(model).count('<img class="meter"')
    model["measures"]["domains"][0]["rows"][0]["meter"] = False
    assert before >= 1 and render_scorecard_html(model).count('<img class="meter"') == before - 1
