"""present(model, lang): the typed scorecard model as the page the template receives, in English
and Spanish. Every figure formatted (Babel, half-up, true minus), every label translated.

The models here are written out as typed data, with the figures of test_scorecard_model.py's
hand-made school (Sunrise Elementary), so each sentence can be checked word for word.
"""
from __future__ import annotations

import json
from dataclasses import replace

import pytest

from pipeline.render.present import METHODOLOGY, present
from pipeline.render.sample import sample_scorecard
from pipeline.scorecard.model import (
    ClimateDomain,
    ClimateGroup,
    Demographic,
    Equity,
    GroupRow,
    GroupTable,
    HiddenGroup,
    GrowthSubject,
    Indicator,
    LadderStep,
    Measure,
    MeasureDomain,
    Overall,
    TrendPoint,
)

LADDER = tuple(LadderStep(level=lv, label=label, min=low, next_min=nxt, up_to=up_to, current=lv == 2)
               for lv, label, low, nxt, up_to in (
                   (1, "Needs intensive support", 0.0, 35.0, 34.9), (2, "Needs support", 35.0, 50.0, 49.9),
                   (3, "Developing", 50.0, 65.0, 64.9), (4, "Strong", 65.0, 80.0, 79.9),
                   (5, "Excelling", 80.0, None, None)))
OVERALL = Overall(
    rated=True, level=2, levels=5, level_label="Needs support", score=47.6, district_average=45.8,
    peer_tier="Lowest need", peer_average=54.4, peer_schools=4, peer_percentile=66.7, peers_below=2, peers_other=3,
    only_rated_in_tier=False, points_to_next=2.4, next_level="Developing", top_level=False, ladder=LADDER,
    equity=Equity(tier="Lowest need", tier_rank=5, need_rank=2, schools=2))
UNRATED = Overall(
    rated=False, level=None, levels=5, level_label=None, score=None, district_average=45.8, peer_tier="Highest need",
    peer_average=40.9, peer_schools=4, peer_percentile=None, peers_below=None, peers_other=None,
    only_rated_in_tier=False, points_to_next=None, next_level=None, top_level=False,
    ladder=tuple(replace(s, current=False) for s in LADDER),
    equity=Equity(tier="Highest need", tier_rank=1, need_rank=1, schools=2))


def _measure(key, label, higher, kind, value, level, weight, improvement, fewer_than=None, note=None):
    return Measure(key=key, label=label, higher_is_better=higher, kind=kind, value=value, level=level, weight=weight,
                   improvement=improvement, top=value is not None and improvement is None, fewer_than=fewer_than,
                   note=note)


MEASURES = (
    MeasureDomain(key="academic", label="Academic", weight=18.0, measures=(
        _measure("math_status", "Mathematics (distance from standard)", True, "dfs", -48.3, 4, 18.0, 3.3),
        _measure("elpi", "English learner progress (%)", True, "rate", None, None, None, None, note="no_data"),
        _measure("ela_growth", "English language arts growth (points above expected)", True, "dfs", None, None,
                 None, None, fewer_than=20))),
    MeasureDomain(key="culture_climate", label="Culture and climate", weight=25.0, measures=(
        _measure("chronic", "Chronic absenteeism (%)", False, "rate", 26.1, 3, 15.0, 1.1),
        _measure("susp", "Suspension rate (%)", False, "rate", 0.3, 10, 10.0, None))),
)
GROWTH = (
    GrowthSubject(subject="ELA", label="English language arts", note=None, n=45, mean=-6.4, estimate=-2.7,
                  ci_low=-18.1, ci_high=5.2, reading="expected", reading_withheld=False),
    GrowthSubject(subject="MATH", label="Mathematics", note=None, n=24, mean=-7.0, estimate=-3.0, ci_low=-12.0,
                  ci_high=-2.0, reading=None, reading_withheld=True),
)
SUPPRESSED_GROWTH = GrowthSubject(subject="ELA", label="English language arts", note="n_lt_11", n=None, mean=None,
                                  estimate=None, ci_low=None, ci_high=None, reading=None, reading_withheld=False)
CLIMATE = (
    ClimateGroup(key="student", label="Students", note=None, respondents=58.0, invited=75, response_rate=77.3,
                 domains=(ClimateDomain("Caring adults", "Adultos atentos", 74.6, 66.7, None),  # the codebook's
                          ClimateDomain("Safety", "Seguridad", 79.5, 69.2, None))),
    ClimateGroup(key="parent", label="Families", note=None, respondents=49.0, invited=125, response_rate=39.2,
                 domains=(ClimateDomain("Caring adults", "Adultos que brindan apoyo", 81.6, 78.8, None),
                          ClimateDomain("Safety", "Seguridad", None, 62.3, "n_lt_10"))),
    ClimateGroup(key="staff", label="Staff", note="n_lt_10", respondents=None, invited=None, response_rate=None,
                 domains=(ClimateDomain("Safety", "Seguridad", None, 56.9, "n_lt_10"),)),
)
CHRONIC = Indicator(
    key="chronic", label="Chronic absenteeism", source="California School Dashboard", kind="rate",
    lower_is_better=True, status=26.1, status_bound=None, change=-2.5, change_direction="better", change_level=4,
    status_level=2, color=2, n=380, note=None,
    trend=(TrendPoint("2022-23", 26.0), TrendPoint("2023-24", 26.1)))
ELA = replace(CHRONIC, key="ela", label="English language arts", kind="dfs", lower_is_better=False, status=-45.4,
              change=3.0, change_level=4, status_level=2, color=3, n=150, trend=())
GROUPS = (GroupTable(indicator="chronic", label="Chronic absenteeism", kind="rate", rows=(
    GroupRow("ALL", "All students", 26.1, None, None, 380, 2, None, change=-2.5),
    GroupRow("HI", "Hispanic or Latino", 27.0, None, 0.9, 290, 3, None, change=1.2),
    GroupRow("AS", "Asian", 5.0, "<=", None, 19, 0, "no_color_lt_30"),
), hidden=(HiddenGroup("PI", "Pacific Islander", "n_lt_11"),)),
    GroupTable(indicator="ela", label="English language arts", kind="dfs", rows=(
        GroupRow("ALL", "All students", -45.4, None, None, 150, 3, None, change=3.0),
        GroupRow("EL", "English learners", -70.2, None, -24.8, 60, 2, None),
    ), hidden=(HiddenGroup("AA", "African American", "complementary"),)))


def model(**changes):
    """Sunrise Elementary: the sample scorecard with the hand-made school's sections."""
    base = sample_scorecard(name="Sunrise Elementary", cds="19754160000011")
    school = replace(base.school, school_type="Elementary", grade_span="TK–5", enrollment=400,
                     demographics=(Demographic("HI", "Hispanic or Latino", 300 / 400),))
    sections = {"overall": OVERALL, "measures": MEASURES, "growth": GROWTH, "climate": CLIMATE,
                "indicators": (ELA, CHRONIC), "groups": GROUPS}
    return replace(base, school=school, **{**sections, **changes})


# ------------------------------------------------------------------------ overall rating

def test_overall_level_score_and_comparisons():
    o = present(model(), "en")["overall"]
    assert o["rated"] and o["level"] == 2
    assert o["level_label"] == "Needs support"
    assert o["score"] == "47.6" and o["district_average"] == "45.8" and o["peer_average"] == "54.4"
    assert o["level_of"] == "Level 2 of 5"
    assert o["peer_tier"] == "Lowest need" and o["peer_schools"] == "4"
    # 4 same-need schools: too few for a percentile, the page says how many scored lower
    assert o["peer_percentile"] is None
    assert o["peer_sentence"] == "higher than 2 of the 3 other schools"
    assert o["next_level"] == "Developing" and o["points_to_next"] == "2.4"
    assert o["next_sentence"] == "2.4 more points to reach “Developing”"
    assert [s["label"] for s in o["ladder"] if s["current"]] == ["Needs support"]
    assert [s["range"] for s in o["ladder"]] == ["below 35", "35 to 49.9", "50 to 64.9", "65 to 79.9",
                                                 "80 or more"]
    assert o["equity"] == {"tier": "Lowest need", "tier_rank": 5, "need_rank": "2", "schools": "2", "missing": None}


def test_a_percentile_needs_five_same_need_schools():
    """Among 4 schools a percentile (67th) reads as more than "higher than 2 of the 3 others"."""
    base = model().overall
    four = present(model(overall=replace(base, peer_schools=4)), "en")["overall"]
    five = present(model(overall=replace(base, peer_schools=5, peers_other=4, peers_below=3, peer_percentile=75.0)),
                   "en")["overall"]
    assert four["peer_percentile"] is None and four["peer_sentence"]
    assert five["peer_percentile"] == "75" and five["peer_sentence"] == "higher than 3 of the 4 other schools"


def test_unrated_school_has_no_level_but_keeps_its_tier():
    o = present(model(overall=UNRATED), "en")["overall"]
    assert not o["rated"] and o["level"] is None and o["score"] is None and o["level_label"] is None
    assert o["level_of"] is None and o["peer_percentile"] is None and o["next_sentence"] is None
    assert o["peer_sentence"] is None
    assert o["equity"]["tier"] == "Highest need" and o["equity"]["tier_rank"] == 1


def test_overall_in_spanish():
    o = present(model(), "es")["overall"]
    assert o["level_label"] == "Necesita apoyo"
    assert o["peer_tier"] == "Menor necesidad"
    assert o["next_sentence"] == "Faltan 2.4 puntos para llegar a “En desarrollo”"
    assert o["peer_sentence"] == "por encima de 2 de las otras 3 escuelas"
    assert o["ladder"][0]["range"] == "menos de 35"


@pytest.mark.parametrize("changes, sentence", [
    ({"peers_below": 0}, "none of them scored lower"),
    ({"peers_below": 1}, "higher than 1 of the 3 other schools"),
    ({"peers_below": 3}, "higher than all 3 others"),
    ({"peers_below": 1, "peers_other": 1, "peer_schools": 2}, "higher than the other school"),
    ({"peer_percentile": None, "peers_below": None, "peers_other": None, "peer_schools": 1,
      "only_rated_in_tier": True}, "the only rated school in its tier"),
])
def test_peer_sentence_in_plain_words(changes, sentence):
    overall = replace(OVERALL, **changes)
    assert present(model(overall=overall), "en")["overall"]["peer_sentence"] == sentence


def test_next_level_sentences():
    top = replace(OVERALL, level=5, points_to_next=None, next_level=None, top_level=True)
    o = present(model(overall=top), "en")["overall"]
    assert o["next_sentence"] == "The highest level" and o["top_level"] and o["points_to_next"] is None
    unnamed = replace(OVERALL, points_to_next=0.1, next_level=None)  # a level above the framework lists
    assert present(model(overall=unnamed), "en")["overall"]["next_sentence"] == "0.1 more points to reach the next level"


# ------------------------------------------------------------------------ measures

def _rows(page) -> dict[str, dict]:
    return {r["key"]: r for d in page["measures"]["domains"] for r in d["rows"]}


def test_measures_direction_aware_improvement():
    rows = _rows(present(model(), "en"))
    assert rows["math_status"]["value"] == "−48.3" and rows["math_status"]["level"] == "4"
    assert rows["math_status"]["improvement"] == "+3.3 points"
    assert rows["chronic"]["value"] == "26.1%" and rows["chronic"]["improvement"] == "1.1 points lower"
    assert rows["susp"]["top"] and rows["susp"]["improvement"] == "Highest level reached"
    assert rows["chronic"]["weight"] == "15%"
    es = _rows(present(model(), "es"))
    assert es["chronic"]["improvement"] == "1.1 puntos menos"
    assert es["math_status"]["improvement"] == "+3.3 puntos"
    assert es["chronic"]["label"] == "Ausentismo crónico (%)"


def test_measures_without_data_or_too_few_students_show_no_value():
    page = present(model(), "en")
    rows = _rows(page)
    assert rows["elpi"]["value"] is None and rows["elpi"]["note"] == "no_data"
    assert rows["elpi"]["missing"] == "No data"
    small = rows["ela_growth"]
    assert small["value"] is None and small["level"] is None and small["improvement"] is None
    assert small["weight"] is None and small["note"] is None
    assert small["missing"] == "Not rated: fewer than 20 students"
    domains = page["measures"]["domains"]
    assert [d["label"] for d in domains] == ["Academic", "Culture and climate"]
    assert [d["weight"] for d in domains] == ["18%", "25%"]
    es = present(model(), "es")["measures"]["domains"]
    assert [d["label"] for d in es] == ["Académico", "Cultura y ambiente escolar"]


# ------------------------------------------------------------------------ growth

def test_growth_interval_and_plain_reading():
    ela, math_ = present(model(), "en")["growth"]["subjects"]
    assert ela["label"] == "English language arts"
    assert ela["mean"] == "−6.4" and ela["interval"] == "−18.1 to +5.2" and ela["n"] == "45"
    assert ela["estimate"] == "−2.7"
    assert ela["reading_code"] == "expected" and ela["reading"] == "About as expected"
    assert ela["chart"] == {"value": -6.4, "low": -18.1, "high": 5.2, "label": "−6.4",
                            "low_label": "−18.1", "high_label": "+5.2"}
    above = replace(GROWTH[0], reading="above")
    assert present(model(growth=(above,)), "en")["growth"]["subjects"][0]["reading"] == "Above expected"
    es = present(model(growth=(GROWTH[0], above)), "es")["growth"]["subjects"]
    assert es[0]["reading"] == "Aproximadamente lo esperado" and es[1]["reading"] == "Por encima de lo esperado"
    assert es[0]["interval"] == "de −18.1 a +5.2" and es[0]["label"] == "Artes lingüísticas en inglés"


def test_suppressed_growth_is_none_with_its_note():
    ela, math_ = present(model(growth=(SUPPRESSED_GROWTH, GROWTH[1])), "en")["growth"]["subjects"]
    assert ela["note"] == "n_lt_11"
    for key in ("n", "mean", "ci_low", "ci_high", "interval", "estimate", "reading", "chart"):
        assert ela[key] is None, key
    # 24 students: figures shown, but no reading under 30 (no performance category)
    assert math_["mean"] == "−7.0" and math_["reading"] is None and math_["reading_code"] is None
    assert math_["reading_note"] == "Fewer than 30 students: no reading given"


# ------------------------------------------------------------------------ climate

def test_climate_by_group_with_district_and_response_rate():
    groups = {g["key"]: g for g in present(model(), "en")["climate"]["groups"]}
    student = groups["student"]
    assert student["label"] == "Students"
    assert student["respondents"] == "58" and student["response_rate"] == "77.3%"
    assert student["response"] == "77.3% (58 of 75)"
    assert [(d["label"], d["school"], d["district"]) for d in student["domains"]] == [
        ("Caring adults", "74.6%", "66.7%"), ("Safety", "79.5%", "69.2%")]
    parent = {d["label"]: d for d in groups["parent"]["domains"]}
    assert parent["Safety"]["school"] is None and parent["Safety"]["note"] == "n_lt_10"
    assert parent["Caring adults"]["school"] == "81.6%"
    es = {g["key"]: g for g in present(model(), "es")["climate"]["groups"]}
    assert es["student"]["label"] == "Estudiantes" and es["parent"]["label"] == "Familias"
    assert [d["label"] for d in es["student"]["domains"]] == ["Adultos atentos", "Seguridad"]  # the codebook's
    assert es["student"]["response"] == "77.3% (58 de 75)"
    # a codebook without Spanish names: the catalog's translation of the English name
    plain = replace(CLIMATE[0], domains=tuple(replace(d, name_es=None) for d in CLIMATE[0].domains))
    es_plain = present(model(climate=(plain,)), "es")["climate"]["groups"][0]
    assert [d["label"] for d in es_plain["domains"]] == ["Adultos que brindan apoyo", "Seguridad"]


def test_suppressed_climate_group_shows_no_figure():
    staff = {g["key"]: g for g in present(model(), "en")["climate"]["groups"]}["staff"]
    assert staff["note"] == "n_lt_10"
    assert staff["respondents"] is None and staff["response_rate"] is None and staff["response"] is None
    assert all(d["school"] is None and d["note"] == "n_lt_10" for d in staff["domains"])
    assert [d["district"] for d in staff["domains"]] == ["56.9%"]  # the district's own figure


# ------------------------------------------------------------------------ the rest of the page

def test_indicators_groups_and_school_facts():
    page = present(model(), "en")
    assert page["title"] == "Sunrise Elementary — School Scorecard 2023-24"
    ela, chronic = page["indicators"]
    assert chronic["status"] == "26.1%" and chronic["color"] == "Orange" and chronic["n"] == "380"
    # levels are 1..5 with 5 the good end: for chronic absenteeism the words read from the other end
    assert chronic["status_level"] == "High" and chronic["change_words"] == "Declined −2.5%"
    assert chronic["change"] == "−2.5" and chronic["change_direction"] == "better"
    assert chronic["trend"] == [{"year": "2022-23", "value": 26.0, "label": "26.0%"},
                                {"year": "2023-24", "value": 26.1, "label": "26.1%"}]
    assert ela["status"] == "−45.4" and ela["status_level"] == "Low" and ela["change_words"] == "Increased +3.0 points"
    chronic_t, ela_t = page["groups"]["tables"]
    rows = {r["group"]: r for r in chronic_t["rows"]}
    assert chronic_t["indicator_label"] == "Chronic absenteeism" and ela_t["indicator_label"] == "English language arts"
    assert rows["All students"]["gap"] is None and rows["Hispanic or Latino"]["gap"] == "+0.9"
    assert rows["All students"]["change"] == "−2.5" and rows["Hispanic or Latino"]["change"] == "+1.2"
    assert rows["Asian"]["status"] == "≤ 5.0%" and rows["Asian"]["gap"] is None
    # hidden groups are named in words, never given a figure
    assert "Pacific Islander" not in rows
    assert chronic_t["hidden"] == "Not shown, to protect student privacy: Pacific Islander (fewer than 11 students)."
    assert "African American (hidden so that" in ela_t["hidden"]
    # the matrix: a row per group, a column per indicator; a hidden group's cell is its note code
    matrix = {r["group"]: r["cells"] for r in page["groups"]["rows"]}
    assert [c["indicator_label"] for c in page["groups"]["columns"]] == ["Chronic absenteeism", "English language arts"]
    assert "Pacific Islander" not in matrix and "African American" not in matrix  # hidden wherever reported
    assert page["groups"]["hidden_everywhere"] == (
        "Not shown for any indicator, to protect student privacy: Pacific Islander, African American.")
    assert matrix["English learners"][0] is None and matrix["English learners"][1]["gap"] == "−24.8"
    assert page["school"]["demographics"] == [{"label": "Hispanic or Latino", "value": "75.0%"}]
    assert page["school"]["enrollment"] == "400" and page["school"]["school_type"] == "Elementary"
    assert page["methodology"] == list(METHODOLOGY) and page["csv_href"] == "data.csv" and page["legend"]
    es = present(model(), "es")
    assert es["school"]["school_type"] == "Primaria" and es["indicators"][1]["color"] == "Anaranjado"
    assert es["groups"]["rows"][0]["group"] == "Todos los estudiantes"
    assert es["groups"]["tables"][0]["rows"][0]["group"] == "Todos los estudiantes"


def test_missing_sections_are_none():
    page = present(model(overall=None, measures=None, growth=None, climate=None, groups=()), "es")
    assert [page[k] for k in ("overall", "measures", "growth", "climate", "groups")] == [None] * 5


def test_one_model_gives_a_page_per_language_and_stays_as_it_was():
    m = model()
    before = json.dumps(str(m))
    en, es = present(m, "en"), present(m, "es")
    assert (en["lang"], es["lang"]) == ("en", "es") and en["school"]["cds"] == es["school"]["cds"]
    assert json.dumps(str(m)) == before
    with pytest.raises(ValueError, match="unsupported language"):
        present(m, "xx")


def test_the_district_is_named_in_each_language(tmp_path):
    """config/settings.yaml district_name_in names the district per language; a language that
    is not one of the scorecards' languages is refused, naming the key."""
    import shutil

    from pipeline.config import CONFIG_DIR, ConfigError, load_settings

    settings = load_settings()
    assert settings.district_names["es"] == "Distrito Escolar Unificado de Muestra"
    page = present(model(), "es", district=settings.district_names["es"])
    assert page["school"]["district"] == "Distrito Escolar Unificado de Muestra"
    assert present(model(), "en")["school"]["district"] == model().school.district
    shutil.copytree(CONFIG_DIR, tmp_path / "config")
    path = tmp_path / "config" / "settings.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  es: Distrito", "  fr: Distrito"), encoding="utf-8")
    with pytest.raises(ConfigError, match="district_name_in: fr is not one of languages"):
        load_settings(tmp_path / "config")
