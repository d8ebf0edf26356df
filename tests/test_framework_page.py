"""Switching frameworks is a settings change, and the scorecard's rating section follows the
framework's scale, levels and words in English and Spanish without a template edit."""
from __future__ import annotations

import dataclasses
import shutil

import pytest
import yaml

from pipeline.config import CONFIG_DIR, ConfigError
from pipeline.frameworks import load_framework, selected
from pipeline.render.html import render_scorecard_html
from pipeline.render.present import present
from pipeline.render.sample import sample_scorecard
from pipeline.scorecard.model import AppliedRule, LadderStep, Measure, MeasureDomain
from pipeline.scorecard.rating import ladder

SQRP_LEVELS = [{"level": 1, "label": "Level 3", "label_es": "Nivel 3", "min": 0},
               {"level": 2, "label": "Level 2", "label_es": "Nivel 2", "min": 2.0},
               {"level": 3, "label": "Level 2+", "label_es": "Nivel 2+", "min": 3.0},
               {"level": 4, "label": "Level 1", "label_es": "Nivel 1", "min": 3.5},
               {"level": 5, "label": "Level 1+", "label_es": "Nivel 1+", "min": 4.0}]


def five_point_model():
    """The sample scorecard rated under a 1-5 points framework with a rule and a reallocation."""
    base = sample_scorecard()
    steps: tuple[LadderStep, ...] = ladder(SQRP_LEVELS, 3, decimals=1)
    overall = dataclasses.replace(
        base.overall, level=3, levels=5, level_label="Level 2+", level_label_es="Nivel 2+", score=3.2,
        district_average=2.9, peer_average=3.0, points_to_next=0.3, next_level="Level 1", next_level_es="Nivel 1",
        ladder=steps, score_max=5, framework="Five points", framework_es="Cinco puntos",
        rules=(AppliedRule(label="Attainment path", label_es="Camino de logro", raised=True),))
    attain = Measure(key="attain", label="Attainment", label_es="Logro", higher_is_better=True, kind="rate",
                     value=34.0, level=4, weight=70.0, improvement=6.0, top=False, fewer_than=None, note=None,
                     points=4, points_min=1, points_max=5, bands=5, contribution=2.8, reallocation="received",
                     related=("growth",))
    growth = Measure(key="growth", label="Growth", label_es="Crecimiento", higher_is_better=True, kind="rate",
                     value=None, level=None, weight=None, improvement=None, top=False, fewer_than=None,
                     note="no_data", points_min=1, points_max=5, bands=5, reallocation="to", related=("attain",))
    domain = MeasureDomain(key="academic", label="Academic", label_es="Académico", weight=100.0,
                           measures=(attain, growth))
    return dataclasses.replace(base, overall=overall, measures=(domain,))


@pytest.mark.parametrize("lang, words", [
    ("en", ["3.2</span> out of 5", "Level 2+", "Level raised by the rule “Attainment path”",
            "Points (1–5)", "Each measure earns 1 to 5 points (5 is best)", "0.3 more points to reach “Level 1”",
            "3.5 to 3.9", "Attainment <span class=\"measure-rule\">(includes the weight of Growth)</span>",
            "Growth (", "its weight goes to Attainment", 'alt="4 of 5 points"', 'data-label="Adds">2.8</td>']),
    ("es", ["3.2</span> de 5", "Nivel 2+", "Nivel elevado por la regla «Camino de logro»", "Puntos (1–5)",
            "Cada medida obtiene de 1 a 5 puntos (5 es lo mejor)", "Faltan 0.3 puntos para llegar a “Nivel 1”",
            "Logro <span class=\"measure-rule\">(incluye el peso de Crecimiento)</span>",
            "su peso pasa a Logro", 'alt="4 de 5 puntos"', 'data-label="Aporta">2.8</td>', "Académico"]),
])
def test_rating_section_follows_the_framework_in_both_languages(lang, words):
    html = render_scorecard_html(present(five_point_model(), lang))
    missing = [w for w in words if w not in html]
    assert missing == []
    assert "out of 100" not in html and "de 100" not in html
    if lang == "es":
        assert "Level 2+" not in html and "Attainment" not in html


def test_switching_frameworks_is_one_setting(tmp_path):
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR / "frameworks", config / "frameworks")
    (config / "frameworks" / "five.yaml").write_text(yaml.safe_dump({
        "name": "Five points", "score": {"round": {"decimals": 1, "rule": "half_up"}}, "levels": SQRP_LEVELS,
        "domains": [{"id": "all", "weight": 100, "measures": [
            {"id": "a", "label": "A", "source": {"table": "indicator_results", "indicator": "ela"}, "weight": 100,
             "higher_is_better": True, "cuts": [10, 20, 30, 40], "points": [1, 2, 3, 4, 5]}]}]}))
    (config / "framework.yaml").write_text("rating: core\naccountability: california\n")
    assert load_framework(config_dir=config).name == "School Quality Framework"
    (config / "framework.yaml").write_text("rating: five\n")
    assert selected(config) == {"rating": "five", "accountability": None}
    fw = load_framework(config_dir=config)
    assert fw.name == "Five points" and fw.score_max == 5 and list(fw.levels["label_es"])[-1] == "Nivel 1+"
    (config / "framework.yaml").write_text("rating: fiv\n")
    with pytest.raises(ConfigError, match=r"framework\.yaml: rating: no framework 'fiv' in config/frameworks/ "
                                          r"\(known: california, core, five\)"):
        load_framework(config_dir=config)
