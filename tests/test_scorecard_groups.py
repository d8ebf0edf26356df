"""Every indicator by student group (issue #17): the tables of pipeline/scorecard/groups.py, their
disclosure, and which indicators a school's grades do not have ("does not apply")."""
from __future__ import annotations

import pytest

from pipeline.config import load_settings
from pipeline.render.present import present
from pipeline.render.sample import sample_scorecard
from pipeline.scorecard import groups
from pipeline.scorecard.labels import INDICATOR_POPULATION


@pytest.fixture(scope="module")
def settings():
    return load_settings()


def _row(indicator, group, n, status, change=None, color=3, note=None, origin="cde", bound=None):
    return {"indicator": indicator, "student_group": group, "origin": origin, "n": n, "status": status,
            "change": change, "color": color, "note": note, "suppressed": note == "n_lt_11",
            "status_bound": bound}


def _growth(group, n, mean, prior=None, note=None):
    return {"n": n, "mean": mean, "prior_mean": prior, "note": note, "suppressed": note == "n_lt_11"}


def _school_rows():
    rows = []
    for key, base in (("ela", -20.0), ("math", -40.0), ("susp", 3.0), ("grad", 88.0), ("cci", 45.0)):
        rows += [_row(key, "ALL", 400, base, 1.5), _row(key, "HI", 300, base - 4.0, -2.0, color=2),
                 _row(key, "SWD", 60, base - 30.0, 0.5, color=1), _row(key, "FOS", None, None, note="n_lt_11", color=0)]
    rows += [_row("elpi", "EL", 120, 48.0, 2.0), _row("elpi", "LTEL", 40, 30.0, -1.0, color=1)]
    rows += [_row("chronic", "ALL", 400, 20.0, -3.0, origin="district"),
             _row("chronic", "HI", 300, 22.0, -1.0, origin="district"),
             _row("chronic", "HI", 300, 22.1, -1.1, origin="cde"),  # not the headline's origin: left out
             _row("chronic", "SWD", 60, 31.0, None, color=0, note="no_color_lt_30", origin="district")]
    return rows


def _results(rows):
    out = {}
    for r in rows:  # CDE's row first, as the loader prefers it
        key = (r["indicator"], r["student_group"])
        if key not in out or (r["origin"] == "cde" and r["student_group"] != "HI"):
            out[key] = r
    out[("chronic", "ALL")] = next(r for r in rows if r["indicator"] == "chronic" and r["student_group"] == "ALL")
    return out


def test_every_indicator_a_school_has_gets_its_group_table(settings):
    rows = _school_rows()
    growth = {("ELA", "ALL"): _growth("ALL", 300, -3.0, prior=-5.0), ("ELA", "HI"): _growth("HI", 200, -4.0),
              ("ELA", "AA"): _growth("AA", None, None, note="n_lt_11"),
              ("MATH", "ALL"): _growth("ALL", 300, 2.0), ("MATH", "HI"): _growth("HI", 200, 1.0)}
    tables = groups.all_tables(rows, _results(rows), growth, settings, growth_applies=True)
    assert [t.indicator for t in tables] == ["ela", "growth_ela", "math", "growth_math", "elpi", "chronic",
                                             "susp", "grad", "cci"]
    by = {t.indicator: t for t in tables}
    for key in ("ela", "math", "susp", "grad", "cci"):
        t = by[key]
        assert [r.group for r in t.rows] == ["ALL", "HI", "SWD"]
        hi = t.rows[1]
        assert (hi.change, hi.color) == (-2.0, 2) and hi.gap == pytest.approx(-4.0)  # status, change, colour, gap
        assert [(h.group, h.note) for h in t.hidden] == [("FOS", "n_lt_11")]
        assert t.origin == "cde" and t.colors
    # English learner progress is for English learners: the gap is to them
    assert [r.group for r in by["elpi"].rows] == [INDICATOR_POPULATION["elpi"], "LTEL"]
    assert by["elpi"].rows[1].gap == pytest.approx(-18.0)
    # the district's own chronic figures, from the same origin as the headline figure
    assert by["chronic"].origin == "district" and by["chronic"].rows[1].status == 22.0
    assert by["chronic"].rows[2].note == "no_color_lt_30" and by["chronic"].rows[2].color == 0
    # growth: no colours, the change from last year's mean where it is shown
    assert not by["growth_ela"].colors and by["growth_ela"].rows[0].change == pytest.approx(2.0)
    assert [(h.group, h.note) for h in by["growth_ela"].hidden] == [("AA", "n_lt_11")]
    assert "growth_ela" not in {t.indicator for t in groups.all_tables(rows, _results(rows), growth, settings,
                                                                       growth_applies=False)}


def test_a_hidden_group_is_never_given_a_figure_and_subtraction_gives_none_back(settings):
    """A district table whose shown groups would let all students minus them give a hidden group
    away loses one more group (shown_groups, the disclosure step's rule); CDE's published table
    stays as CDE publishes it."""
    def rows(origin):
        return [_row("chronic", "ALL", 100, 20.0, origin=origin), _row("chronic", "HI", 85, 21.0, origin=origin),
                _row("chronic", "WH", 12, 15.0, origin=origin),
                _row("chronic", "AS", None, None, note="n_lt_11", origin=origin)]
    for origin, shown in (("district", ["ALL", "HI"]), ("cde", ["ALL", "HI", "WH"])):
        r = rows(origin)
        table = groups.all_tables(r, {("chronic", "ALL"): r[0]}, {}, settings, growth_applies=False)[0]
        assert [x.group for x in table.rows] == shown, origin
        hidden = {h.group: h.note for h in table.hidden}
        assert hidden["AS"] == "n_lt_11"
        if origin == "district":  # 100 - 85 - 12 = 3 would be the Asian students' count
            assert hidden["WH"] == "complementary"
        for row in table.rows:
            assert row.status is not None


@pytest.mark.parametrize("indicator, low, high, expected", [
    ("growth", "9", "12", False),   # ELA growth at a high school
    ("ela_growth", "9", "12", False),  # the framework measure follows its indicator
    ("grad", "TK", "5", False),     # graduation at an elementary school
    ("cci", "6", "8", False),
    ("chronic", "9", "12", False),  # chronic absenteeism is a K-8 indicator
    ("chronic", "TK", "8", True),
    ("ela", "K", "2", False), ("ela", "9", "12", True), ("growth", "TK", "5", True),
    ("elpi", "9", "12", True), ("susp", "TK", "2", True),
    ("ela", "UG", "12", True),      # grades we cannot read: it applies
])
def test_does_not_apply_follows_the_grades(indicator, low, high, expected):
    assert groups.applies(indicator, low, high) is expected


def test_does_not_apply_is_said_in_words_distinct_from_no_data():
    import dataclasses
    model = dataclasses.replace(sample_scorecard(), not_applicable=("grad", "growth"), no_data=("elpi",))
    for lang, na, nd in (("en", "Does not apply at this school’s grades: Graduation rate, Growth in test scores.",
                          "No data this year: English learner progress."),
                         ("es", "No corresponde a los grados de esta escuela:", "Sin datos este año:")):
        page = present(model, lang)
        assert page["not_applicable"].startswith(na) and page["no_data"].startswith(nd)
    page = present(dataclasses.replace(model, not_applicable=(), no_data=()), "en")
    assert page["not_applicable"] is None and page["no_data"] is None


def test_english_learners_only_are_left_to_data_csv(settings):
    """CDE's academic files to 2023 publish ELO (English learners only) beside EL and RFP: ELO is EL
    minus RFP, so the page shows EL and RFP and leaves ELO to data.csv (one row fewer)."""
    rows = [_row("ela", "ALL", 400, -20.0), _row("ela", "EL", 120, -60.0), _row("ela", "ELO", 80, -80.0),
            _row("ela", "RFP", 40, -20.0), _row("ela", "EO", 200, -5.0)]
    results = {(r["indicator"], r["student_group"]): r for r in rows}
    [table] = groups.all_tables(rows, results, {}, settings, growth_applies=False)
    assert [r.group for r in table.rows] == ["ALL", "EL", "RFP", "EO"] and not table.hidden
