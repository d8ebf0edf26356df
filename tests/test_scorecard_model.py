"""The scorecard model built from a small hand-made warehouse: rating, measures, growth, climate.

The warehouse holds two schools of one district with every table the model reads, written out
row by row below (the columns of the scored tables, as the scoring steps leave them), so the
test needs no pipeline run and no demo data. The model is plain typed data (numbers, codes,
English labels); how it reads in each language is tested with the presenter in test_render.py.
"""
from __future__ import annotations

import dataclasses
import re
import time

import duckdb
import pandas as pd
import pytest

from pipeline.config import load_settings
from pipeline.render.html import render_scorecard_html
from pipeline.render.present import present
from pipeline.scorecard import build_scorecard, load_year
from pipeline.scorecard.model import ClimateDomain, Equity, Scorecard

YEAR = "2023-24"
A, B = "19754160000011", "19754160000022"  # A has everything; B a suppressed survey group and small growth
DISTRICT = "19754160000000"

DIRECTORY = [
    {"cds": A, "school_name": "Sunrise Elementary", "school_type": "ES", "low_grade": "TK", "high_grade": "5"},
    {"cds": B, "school_name": "Ida B. Wells Middle", "school_type": "MS", "low_grade": "6", "high_grade": "8"},
]


def _indicator(cds, indicator, group, n, status, change=None, sl=3, cl=3, color=3, note=None, origin="cde"):
    return {"school_year": YEAR, "cds": cds, "rtype": "S", "student_group": group, "indicator": indicator,
            "origin": origin, "n": n, "status": status, "change": change, "status_level": sl,
            "change_level": cl, "color": color, "note": note, "suppressed": note == "n_lt_11",
            "status_bound": None}


def _measure(cds, domain, domain_label, measure, label, higher, value, n, level, weight, eff, needed, reason=None):
    return {"school_year": YEAR, "cds": cds, "domain": domain, "domain_label": domain_label, "measure": measure,
            "label": label, "higher_is_better": higher, "value": value, "n": n, "missing_reason": reason,
            "index_level": level, "points": None if level is None else 10 * level, "weight": weight,
            "effective_weight": eff, "contribution": None, "next_cut": None, "improvement_needed": needed}


def _growth(cds, subject, group, n, mean=None, low=None, high=None, eb=None, allowed=True, rtype="S"):
    hidden = n is None
    return {"school_year": YEAR, "rtype": rtype, "cds": cds, "subject": subject, "student_group": group,
            "n": n, "mean": mean, "se": None, "ci_low": low, "ci_high": high, "prior_n": None,
            "prior_mean": None, "two_year_mean": None, "eb_estimate": eb,
            "estimate": None if hidden else "eb_two_year", "category_allowed": False if hidden else allowed,
            "note": "n_lt_11" if hidden else None, "suppressed": hidden}


def _climate(cds, group, domain, pf, respondents, invited, rate, district, note=None, rtype="S"):
    return {"school_year": YEAR, "rtype": rtype, "cds": cds, "respondent_group": group, "level": "domain",
            "domain": domain, "item_id": None, "percent_favorable": pf, "respondents": respondents,
            "invited": invited, "response_rate": rate, "district_percent_favorable": district, "note": note,
            "suppressed": note is not None}


TABLES = {
    "validated_directory": pd.DataFrame([{**d, "district_name": "Sample Unified School District",
                                          "county_name": "Los Angeles", "charter": "N", "principal_name": "Ana López",
                                          "school_year": YEAR} for d in DIRECTORY]),
    "validated_enrollment": pd.DataFrame([
        {"school_year": YEAR, "cds": A, "student_group": "ALL", "enrollment": 400},
        {"school_year": YEAR, "cds": A, "student_group": "HI", "enrollment": 300},
        {"school_year": YEAR, "cds": A, "student_group": "PI", "enrollment": 4},  # under 11: not shown
        {"school_year": YEAR, "cds": B, "student_group": "ALL", "enrollment": 900},
    ]),
    "indicator_results": pd.DataFrame([
        _indicator(A, "chronic", "ALL", 380, 26.1, -2.5, sl=2, cl=4, color=2),
        _indicator(A, "chronic", "HI", 290, 27.0, -1.0),
        _indicator(A, "chronic", "PI", None, None, sl=0, cl=0, color=0, note="n_lt_11"),
        _indicator(A, "ela", "ALL", 150, -45.4, 3.0, sl=2, cl=4, color=3),
        _indicator(B, "chronic", "ALL", 880, 37.4, -6.6, sl=1, cl=5, color=3),
        {**_indicator(A, "chronic", "ALL", 380, 26.0, -2.4), "school_year": "2022-23"},
    ]),
    "school_rating": pd.DataFrame([
        {"school_year": YEAR, "cds": A, "rated": True, "score": 47.6, "level": 2, "level_label": "Needs support",
         "weight_present": 90.0, "district_average": 45.8, "peer_tier": "Lowest", "peer_average": 54.4,
         "peer_schools": 4, "peer_percentile": 66.7, "points_to_next_level": 2.4},
        {"school_year": YEAR, "cds": B, "rated": False, "score": None, "level": None, "level_label": None,
         "weight_present": 40.0, "district_average": 45.8, "peer_tier": "Highest", "peer_average": 40.9,
         "peer_schools": 4, "peer_percentile": None, "points_to_next_level": None},
    ]),
    "rating_measures": pd.DataFrame([
        _measure(A, "academic", "Academic", "math_status", "Mathematics (distance from standard)", True,
                 -48.3, 72, 4, 15.0, 18.0, 3.3),
        _measure(A, "academic", "Academic", "elpi", "English learner progress (%)", True, None, None, None,
                 5.0, 0.0, None, "no data"),
        _measure(A, "academic", "Academic", "ela_growth", "English language arts growth (points above expected)",
                 True, 4.0, 15, None, 10.0, 0.0, None, "fewer than 20 students"),
        _measure(A, "culture_climate", "Culture and climate", "chronic", "Chronic absenteeism (%)", False,
                 26.1, 153, 3, 15.0, 15.0, 1.1),
        _measure(A, "culture_climate", "Culture and climate", "susp", "Suspension rate (%)", False,
                 0.3, 153, 10, 10.0, 10.0, None),
    ]),
    "equity_index": pd.DataFrame([
        {"school_year": YEAR, "cds": A, "composite": 20.0, "composite_percentile": 0.0, "tier": "Lowest",
         "tier_rank": 5, "need_rank": 2, "components_present": 7, "weight_present": 1.0},
        {"school_year": YEAR, "cds": B, "composite": 80.0, "composite_percentile": 100.0, "tier": "Highest",
         "tier_rank": 1, "need_rank": 1, "components_present": 7, "weight_present": 1.0},
    ]),
    "growth": pd.DataFrame([
        _growth(A, "ELA", "ALL", 45, -6.4, -18.1, 5.2, -2.7),
        _growth(A, "MATH", "ALL", 45, 9.4, 1.2, 17.6, 6.1),
        _growth(A, "ELA", "AA", None),
        _growth(B, "ELA", "ALL", None),  # fewer than 11 growth scores: every figure hidden
        _growth(B, "MATH", "ALL", 24, -7.0, -12.0, -2.0, -3.0, allowed=False),  # no reading under 30
        _growth(DISTRICT, "ELA", "ALL", 4180, 0.0, -1.7, 1.7, 0.0, rtype="D"),
    ]),
    "climate": pd.DataFrame([
        _climate(A, "student", "Safety", 79.5, 58, 75, 77.3, 69.2),
        _climate(A, "student", "Caring adults", 74.6, 58, 75, 77.3, 66.7),
        _climate(A, "parent", "Safety", None, 49, 125, 39.2, 62.3, note="answered_lt_10"),
        _climate(A, "parent", "Caring adults", 81.6, 49, 125, 39.2, 78.8),
        _climate(B, "staff", "Safety", None, None, 20, None, 56.9, note="n_lt_10"),
        _climate(B, "staff", "Collaboration", None, None, 20, None, 51.6, note="n_lt_10"),
        _climate(DISTRICT, "student", "Safety", 69.2, 3000, 4000, 75.0, 69.2, rtype="D"),
    ]),
    "validated_survey_codebook": pd.DataFrame([
        {"item_id": "ST01", "respondent_group": "student", "domain": "Caring adults",
         "domain_es": "Adultos que brindan apoyo", "source_line": 2, "school_year": YEAR},
        {"item_id": "ST05", "respondent_group": "student", "domain": "Safety", "domain_es": "Seguridad",
         "source_line": 6, "school_year": YEAR},
        {"item_id": "PA04", "respondent_group": "parent", "domain": "Caring adults",
         "domain_es": "Adultos que brindan apoyo", "source_line": 13, "school_year": YEAR},
        {"item_id": "PA05", "respondent_group": "parent", "domain": "Safety", "domain_es": "Seguridad",
         "source_line": 14, "school_year": YEAR},
        {"item_id": "SF01", "respondent_group": "staff", "domain": "Collaboration", "domain_es": "Colaboración",
         "source_line": 18, "school_year": YEAR},
        {"item_id": "SF04", "respondent_group": "staff", "domain": "Safety", "domain_es": "Seguridad",
         "source_line": 21, "school_year": YEAR},
    ]),
}


def _warehouse(path, tables: dict[str, pd.DataFrame]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    for name, frame in tables.items():
        con.register("_frame", frame)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _frame")
        con.unregister("_frame")
    return con


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    con = _warehouse(tmp_path_factory.mktemp("wh") / "scorecards.duckdb", TABLES)
    yield load_year(con, YEAR)
    con.close()


@pytest.fixture(scope="module")
def settings():
    return load_settings()


def _school(data, cds):
    return data.directory.set_index("cds", drop=False).loc[cds]


@pytest.fixture(scope="module")
def models(year, settings) -> dict[str, Scorecard]:
    return {cds: build_scorecard(year, _school(year, cds), YEAR, settings) for cds in (A, B)}


# ------------------------------------------------------------------------ the model itself

def _leaves(value):
    """Every plain value a model holds, walking its dataclasses and tuples."""
    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            yield from _leaves(getattr(value, f.name))
    elif isinstance(value, tuple):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def test_model_is_plain_frozen_data_for_every_language(models):
    model = models[A]
    assert {type(v) for v in _leaves(model)} <= {str, int, float, bool, type(None)}
    texts = [v for v in _leaves(model) if isinstance(v, str)]
    assert "Needs support" in texts and "Lowest need" in texts  # English words, no figure as text:
    assert not [t for t in texts if re.search(r"\d\.\d|\d%|−\d", t)]
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.overall.score = 99.9
    assert present(model, "en")["lang"] == "en" and present(model, "es")["lang"] == "es"  # one model, two pages


# ------------------------------------------------------------------------ overall rating

def test_overall_level_score_and_comparisons(models):
    o = models[A].overall
    assert o.rated and o.level == 2 and o.levels == 5
    assert o.level_label == "Needs support"
    assert o.score == 47.6 and o.district_average == 45.8 and o.peer_average == 54.4
    assert o.peer_tier == "Lowest need" and o.peer_schools == 4
    assert o.peer_percentile == 66.7 and (o.peers_below, o.peers_other) == (2, 3)
    assert o.next_level == "Developing" and o.points_to_next == 2.4 and not o.top_level
    assert [s.label for s in o.ladder if s.current] == ["Needs support"]
    assert [(s.min, s.next_min, s.up_to) for s in o.ladder] == [
        (0.0, 35.0, 34.9), (35.0, 50.0, 49.9), (50.0, 65.0, 64.9), (65.0, 80.0, 79.9), (80.0, None, None)]
    assert o.equity == Equity(tier="Lowest need", tier_rank=5, need_rank=2, schools=2)


def test_unrated_school_has_no_level_but_keeps_its_tier(models):
    o = models[B].overall
    assert not o.rated and o.level is None and o.score is None and o.level_label is None
    assert o.peer_percentile is None and o.points_to_next is None and not o.top_level
    assert o.equity.tier == "Highest need" and o.equity.tier_rank == 1


# ------------------------------------------------------------------------ measures

def _measures(model):
    return {m.key: m for d in model.measures for m in d.measures}


def test_measures_direction_aware_improvement(models):
    rows = _measures(models[A])
    math_ = rows["math_status"]
    assert (math_.value, math_.level, math_.improvement, math_.higher_is_better) == (-48.3, 4, 3.3, True)
    assert math_.kind == "dfs" and rows["chronic"].kind == "rate"
    chronic = rows["chronic"]
    assert (chronic.value, chronic.improvement, chronic.higher_is_better) == (26.1, 1.1, False)
    assert rows["susp"].top and rows["susp"].improvement is None
    assert chronic.weight == 15.0 and chronic.label == "Chronic absenteeism (%)"


def test_measures_without_data_or_too_few_students_show_no_value(models):
    rows = _measures(models[A])
    assert rows["elpi"].value is None and rows["elpi"].note == "no_data"
    small = rows["ela_growth"]
    assert small.value is None and small.level is None and small.improvement is None and small.weight is None
    assert small.fewer_than == 20 and small.note is None
    assert [(d.key, d.label, d.weight) for d in models[A].measures] == [
        ("academic", "Academic", 18.0), ("culture_climate", "Culture and climate", 25.0)]


# ------------------------------------------------------------------------ growth

def test_growth_interval_and_plain_reading(models):
    ela, math_ = models[A].growth
    assert ela.label == "English language arts"
    assert (ela.n, ela.mean, ela.ci_low, ela.ci_high, ela.estimate) == (45, -6.4, -18.1, 5.2, -2.7)
    assert ela.reading == "expected" and math_.reading == "above"
    assert not ela.reading_withheld and ela.note is None


def test_suppressed_growth_is_none_with_its_note(models):
    ela, math_ = models[B].growth
    assert ela.note == "n_lt_11"
    for key in ("n", "mean", "ci_low", "ci_high", "estimate", "reading"):
        assert getattr(ela, key) is None, key
    # 24 students: figures shown, but no reading under 30 (no performance category)
    assert math_.mean == -7.0 and math_.reading is None and math_.reading_withheld


def test_growth_is_left_out_when_the_school_has_none(year, settings):
    data = year
    rows = {k: v for k, v in data.school(A)["growth"].items()}
    try:
        data.school(A)["growth"].clear()
        assert build_scorecard(data, _school(data, A), YEAR, settings).growth is None
    finally:
        data.school(A)["growth"].update(rows)


# ------------------------------------------------------------------------ climate

def test_climate_by_group_with_district_and_response_rate(models):
    groups = {g.key: g for g in models[A].climate}
    student = groups["student"]
    assert student.label == "Students"
    assert (student.respondents, student.invited, student.response_rate) == (58, 75, 77.3)
    assert student.domains == (  # codebook order, with the codebook's Spanish names
        ClimateDomain(name="Caring adults", name_es="Adultos que brindan apoyo", school=74.6, district=66.7, note=None),
        ClimateDomain(name="Safety", name_es="Seguridad", school=79.5, district=69.2, note=None))
    parent = {d.name: d for d in groups["parent"].domains}
    assert parent["Safety"].school is None and parent["Safety"].note == "n_lt_10"  # answered_lt_10
    assert parent["Caring adults"].school == 81.6
    assert groups["staff"].note == "no_data" and groups["staff"].domains == ()


def test_suppressed_climate_group_shows_no_figure(models):
    staff = {g.key: g for g in models[B].climate}["staff"]
    assert staff.note == "n_lt_10"
    assert staff.respondents is None and staff.response_rate is None and staff.invited is None
    assert all(d.school is None and d.note == "n_lt_10" for d in staff.domains)
    # the district's own figure; domains in one order for every group (Safety comes first in the codebook)
    assert [d.district for d in staff.domains] == [56.9, 51.6]


def _visible(html: str) -> str:
    """Text a reader sees: tags and screen-reader-only text removed."""
    html = re.sub(r'<span class="visually-hidden">.*?</span>', "", html)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_suppressed_cells_render_as_marks_never_numbers(models):
    html = render_scorecard_html(present(models[B], "en"))
    # the survey is one table, a row per topic; each group's school cell is marked with its group
    climate = html[html.index('id="h-climate"'):html.index("</table>", html.index('id="h-climate"'))]
    cells = re.findall(r'<td class="c-num c-school" data-group="Staff">(.*?)</td>', climate)
    assert len(cells) == 2
    assert all(_visible(cell) == "*" for cell in cells), cells
    staff = climate[climate.index('<span class="climate-who">Staff</span>'):]
    assert "Response rate: *" in _visible(staff[:staff.index("</th>")])
    assert "Fewer than 10 respondents" in html
    growth = html[html.index('id="h-growth"'):html.index('id="h-ind"')]
    row = growth[growth.index('id="growth-1"'):]
    ela = _visible(row[row.index(">") + 1:row.index("</tr>")])
    assert ela == "English language arts * Fewer than 11 students: not shown, to protect student privacy"


# ------------------------------------------------------------------------ the rest of the page

def test_existing_sections_are_kept(models):
    m = models[A]
    assert [i.key for i in m.indicators] == ["ela", "chronic"]
    chronic = m.indicators[1]
    assert chronic.status == 26.1 and chronic.color == 2 and chronic.status_bound is None
    assert (chronic.change, chronic.change_direction, chronic.lower_is_better) == (-2.5, "better", True)
    assert [p.year for p in chronic.trend] == ["2022-23", "2023-24"]
    table = {t.indicator: t for t in m.groups}["chronic"]
    groups = {r.group: r for r in table.rows}
    # a group the stored table hides is listed as hidden, with its reason: no row, no figure
    assert "PI" not in groups and [(h.group, h.label, h.note) for h in table.hidden] == [
        ("PI", "Pacific Islander", "n_lt_11")]
    assert groups["ALL"].gap is None and groups["HI"].gap == pytest.approx(0.9)
    assert [d.label for d in m.school.demographics] == ["Hispanic or Latino"]  # PI: 4 students
    assert m.school.demographics[0].share == 0.75 and m.school.enrollment == 400
    assert m.school.school_type == "Elementary" and m.school.grade_span == "TK–5"


def test_a_past_years_scorecard_has_no_later_year_in_its_trend(tmp_path, settings):
    """Re-rendering 2022-23 from a warehouse that already holds 2023-24 (a backfill, a re-run of a
    past year) must draw the trend up to 2022-23 only, as the page of that year showed it."""
    later = {**_indicator(A, "chronic", "ALL", 390, 24.0, -2.1), "school_year": "2024-25"}
    tables = {**TABLES, "indicator_results": pd.DataFrame(TABLES["indicator_results"].to_dict("records") + [later])}
    con = _warehouse(tmp_path / "later.duckdb", tables)
    chronic = {i.key: i for i in build_scorecard(load_year(con, YEAR), _school(load_year(con, YEAR), A), YEAR,
                                                 settings).indicators}["chronic"]
    assert [p.year for p in chronic.trend] == ["2022-23", "2023-24"]


def test_a_top_or_bottom_coded_rate_is_its_bound_only(tmp_path, settings):
    """A rate coded "<=5.0" in the warehouse reaches the model as the bound 5.0 with "<=", never
    as the value behind it; the page shows it as "≤ 5.0%"."""
    coded = {**_indicator(A, "chronic", "AS", 19, 3.1, note="no_color_lt_30"), "status_bound": "<=5.0"}
    tables = {**TABLES, "indicator_results": pd.DataFrame(TABLES["indicator_results"].to_dict("records") + [coded])}
    con = _warehouse(tmp_path / "coded.duckdb", tables)
    data = load_year(con, YEAR)
    tables = {t.indicator: t for t in build_scorecard(data, _school(data, A), YEAR, settings).groups}
    row = {r.group: r for r in tables["chronic"].rows}["AS"]
    assert (row.status, row.status_bound) == (5.0, "<=") and row.gap is None
    page = present(build_scorecard(data, _school(data, A), YEAR, settings), "en")
    chronic = next(t for t in page["groups"]["tables"] if t["key"] == "chronic")
    assert {r["group"]: r["status"] for r in chronic["rows"]}["Asian"] == "≤ 5.0%"


def test_model_without_the_new_tables(tmp_path, settings):
    """An older warehouse (no rating, growth or climate yet) still gives a page."""
    old = {k: v for k, v in TABLES.items() if k in ("validated_directory", "validated_enrollment",
                                                     "indicator_results")}
    con = _warehouse(tmp_path / "old.duckdb", old)
    data = load_year(con, YEAR)
    model = build_scorecard(data, _school(data, A), YEAR, settings)
    assert model.overall is None and model.measures is None
    assert model.growth is None and model.climate is None
    assert model.indicators
    render_scorecard_html(present(model, "es"))
    assert data.index_row(_school(data, A), ["en"]) == {"cds": A, "name": "Sunrise Elementary",
                                                         "grade_span": "TK–5", "languages": ["en"]}


def test_index_row_sorts_by_level_and_tier(year):
    a, b = year.index_row(_school(year, A), ["en", "es"]), year.index_row(_school(year, B), ["en", "es"])
    assert (a["level"], a["level_rank"], a["tier"], a["tier_rank"]) == ("Needs support", 2, "Lowest need", 5)
    assert "level" not in b and (b["tier"], b["tier_rank"]) == ("Highest need", 1)  # not rated


def test_model_build_is_fast(year, settings):
    """One model per school, presented in each language: a few ms a page."""
    school = _school(year, A)
    present(build_scorecard(year, school, YEAR, settings), "es")
    start = time.perf_counter()
    for _ in range(50):
        model = build_scorecard(year, school, YEAR, settings)
        for lang in ("en", "es"):
            present(model, lang)
    per_page_ms = (time.perf_counter() - start) * 1000 / 100
    assert per_page_ms < 15, per_page_ms  # a few ms on a laptop; generous for CI


@pytest.mark.parametrize("percentile, below", [(0.0, 0), (33.3, 1), (100.0, 3)])
def test_peer_standing_counts_the_schools_below(year, settings, percentile, below):
    rec = year.school(A)
    original = rec["rating"]
    try:
        rec["rating"] = {**original, "peer_percentile": percentile}
        overall = build_scorecard(year, _school(year, A), YEAR, settings).overall
        assert (overall.peers_below, overall.peers_other) == (below, 3)
    finally:
        rec["rating"] = original


def _with_rows(tmp_path, name, rows):
    tables = {**TABLES, "indicator_results": pd.DataFrame(TABLES["indicator_results"].to_dict("records") + rows)}
    data = load_year(_warehouse(tmp_path / f"{name}.duckdb", tables), YEAR)
    return data


def test_english_learner_progress_is_shown_for_english_learners(tmp_path, settings):
    """CDE publishes ELPI for the English learner group only (no "all students" row): the page
    shows it for that group, with its trend, counted as English learners."""
    rows = [_indicator(A, "elpi", "EL", 49, 36.7, -4.1, sl=2, cl=2, color=2),
            {**_indicator(A, "elpi", "EL", 52, 40.8), "school_year": "2022-23"}]
    data = _with_rows(tmp_path, "elpi", rows)
    model = build_scorecard(data, _school(data, A), YEAR, settings)
    elpi = {i.key: i for i in model.indicators}["elpi"]
    assert (elpi.status, elpi.n, elpi.population, elpi.color) == (36.7, 49, "EL", 2)
    assert [p.value for p in elpi.trend] == [40.8, 36.7]
    html = render_scorecard_html(present(model, "en"))
    assert "English learners counted: 49" in html


def test_college_and_career_readiness_is_shown_when_the_file_has_it(tmp_path, settings):
    data = _with_rows(tmp_path, "cci", [_indicator(A, "cci", "ALL", 210, 44.8, 2.0, sl=3, cl=3, color=3)])
    model = build_scorecard(data, _school(data, A), YEAR, settings)
    assert "cci" in [i.key for i in model.indicators]
    assert "College and career readiness" in render_scorecard_html(present(model, "en"))


@pytest.mark.parametrize("change, level, lower, direction, words", [
    # CDE's "Maintained" is a small change either way: never tagged better or worse beside it
    (-2.4, 3, False, "same", "Maintained −2.4 points"),
    (2.0, 3, False, "same", "Maintained +2.0 points"),
    (-4.1, 2, False, "worse", "Declined −4.1 points"),
    (16.2, 5, False, "better", "Increased significantly +16.2 points"),
    # chronic absenteeism: lower is better, the change level's 5 is "Declined significantly"
    (-2.5, 4, True, "better", "Declined −2.5%"),
    (1.1, 2, True, "worse", "Increased +1.1%"),
])
def test_change_words_sign_and_direction_agree(tmp_path, settings, change, level, lower, direction, words):
    """"Maintained 2.4 [Worse]" for −54.7 → −57.1 contradicted itself and lost the sign."""
    key = "chronic" if lower else "math"
    row = _indicator(A, key, "ALL", 150, 20.0 if lower else -57.1, change, sl=2, cl=level, color=2)
    tables = {**TABLES, "indicator_results": pd.DataFrame(
        [r for r in TABLES["indicator_results"].to_dict("records") if r["cds"] != A] + [row])}
    data = load_year(_warehouse(tmp_path / "change.duckdb", tables), YEAR)
    ind = {i.key: i for i in build_scorecard(data, _school(data, A), YEAR, settings).indicators}[key]
    assert ind.change_direction == direction
    shown = {i["key"]: i for i in present(build_scorecard(data, _school(data, A), YEAR, settings), "en")["indicators"]}
    assert shown[key]["change_words"] == words


def test_a_change_computed_before_rounding_is_footnoted(tmp_path, settings):
    """28.66 → 26.14 is a change of −2.5 (CDE's, from unrounded rates) while the chart shows
    28.7 and 26.1: the page says why they differ by 0.1 instead of looking contradictory."""
    rows = [r for r in TABLES["indicator_results"].to_dict("records") if not (r["cds"] == A and r["indicator"] == "chronic"
                                                                             and r["student_group"] == "ALL")]
    rows += [_indicator(A, "chronic", "ALL", 380, 26.14, -2.52, sl=2, cl=4, color=2),
             {**_indicator(A, "chronic", "ALL", 390, 28.66), "school_year": "2022-23"}]
    data = load_year(_warehouse(tmp_path / "round.duckdb", {**TABLES, "indicator_results": pd.DataFrame(rows)}), YEAR)
    model = build_scorecard(data, _school(data, A), YEAR, settings)
    chronic = {i.key: i for i in model.indicators}["chronic"]
    assert chronic.change_unrounded
    assert "change computed before rounding" in render_scorecard_html(present(model, "en"))
    ela = {i.key: i for i in model.indicators}["ela"]
    assert not ela.change_unrounded


def test_the_districts_own_figure_is_labelled_as_the_districts(tmp_path, settings):
    """A colour on the district's own chronic absenteeism is ours, not CDE's: the page says so."""
    rows = [r for r in TABLES["indicator_results"].to_dict("records") if r["cds"] != A]
    rows += [_indicator(A, "chronic", "ALL", 380, 26.1, -2.5, sl=2, cl=4, color=2, origin="district")]
    data = load_year(_warehouse(tmp_path / "origin.duckdb", {**TABLES, "indicator_results": pd.DataFrame(rows)}), YEAR)
    model = build_scorecard(data, _school(data, A), YEAR, settings)
    html = render_scorecard_html(present(model, "en"))
    assert "Color by the district’s calculation" in html
    assert "Color según el cálculo del distrito" in render_scorecard_html(present(model, "es"))


def test_the_equity_tier_says_which_measures_it_lacks(tmp_path, settings):
    """A school without community data is ranked on the components it has (as before); the page
    says so, in both languages, instead of presenting the tier as complete (issue #16, item 4)."""
    def comp(cds, component, value):
        return {"school_year": YEAR, "cds": cds, "component": component, "value": value, "percentile": None,
                "weight": None, "contribution": None, "source": component, "higher_is_more_need": True,
                "configured_weight": 10.0}
    rows = [comp(A, c, 1.0) for c in ("unduplicated", "ela", "math", "chronic_absence", "deepest_poverty")]
    rows += [comp(A, "asthma", None), comp(A, "gun_violence", None)]
    rows += [comp(B, c, 1.0) for c in ("unduplicated", "ela", "math", "chronic_absence", "deepest_poverty",
                                        "asthma", "gun_violence")]
    data = load_year(_warehouse(tmp_path / "eq.duckdb", {**TABLES, "equity_components": pd.DataFrame(rows)}), YEAR)
    a = build_scorecard(data, _school(data, A), YEAR, settings)
    assert a.overall.equity.missing == ("asthma", "gun_violence") and a.overall.equity.components == 7
    en, es = present(a, "en")["overall"]["equity"]["missing"], present(a, "es")["overall"]["equity"]["missing"]
    assert en == "Computed from 5 of 7 measures; no data for asthma near the school, gun violence near the school."
    assert es.startswith("Calculado con 5 de 7 medidas; sin datos de asma cerca de la escuela")
    assert en in render_scorecard_html(present(a, "en"))
    b = build_scorecard(data, _school(data, B), YEAR, settings)
    assert b.overall.equity.missing == () and present(b, "en")["overall"]["equity"]["missing"] is None
