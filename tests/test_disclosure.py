"""The disclosure step's rules on hand-worked cases (issue #19), one per leak the audit found:
"Who our students are", growth's prior-year columns, climate's district and items, climate
coding, CDE's own figures."""
from __future__ import annotations

import pandas as pd

from pipeline.config import load_settings
from pipeline.scoring.disclosure import disclose, shown_groups

P = load_settings().privacy
SCHOOL, OTHER, LEA = "19754160000001", "19754160000002", "19754160000000"


def test_who_our_students_are_hides_groups_until_eleven_are_hidden():
    # 875 minus the groups shown would leave 3 = AI 1 + PI 2: the smallest shown groups go too
    counts = {"ALL": 875, "HI": 700, "AA": 100, "WH": 60, "AS": 12, "AI": 1, "PI": 2, "EL": 300, "SED": 800}
    shown = shown_groups(counts, P)
    assert {"AI", "PI", "AS"}.isdisjoint(shown) and {"HI", "AA", "WH", "EL", "SED"} <= shown
    assert 875 - sum(counts[g] for g in ("HI", "AA", "WH", "AS", "AI", "PI") if g in shown) >= P.min_n
    # nothing hidden: nothing more to hide
    assert shown_groups({"ALL": 100, "HI": 60, "AA": 40}, P) == {"ALL", "HI", "AA"}


def _growth(rows):
    df = pd.DataFrame(rows, columns=["rtype", "cds", "student_group", "n", "mean", "prior_n", "prior_mean"])
    df["subject"], df["school_year"] = "ELA", "2023-24"
    df["suppressed"] = df["n"].isna()
    df["note"] = df["suppressed"].map({True: "n_lt_11", False: None})
    for c in ("prior_se", "two_year_mean", "two_year_se", "eb_estimate"):
        df[c] = 1.0
    return df


def test_growth_prior_year_figures_hidden_last_year_stay_hidden():
    """Last year's table hid AA (complementary, 33 students): this year's prior_n / prior_mean of
    AA, and the two-year figures that give them back, are hidden too."""
    now = _growth([("S", SCHOOL, "ALL", 200, 1.0, 190, 2.0), ("S", SCHOOL, "HI", 150, 1.0, 150, 1.5),
                   ("S", SCHOOL, "AA", 40, 0.5, 33, 10.4)])
    then = now.assign(school_year="2022-23", n=[190, 150, None])[["rtype", "cds", "subject", "student_group", "n"]]
    out = disclose("growth", now, P, last_year=then).set_index("student_group")
    assert pd.isna(out.loc["AA", "prior_n"]) and pd.isna(out.loc["AA", "prior_mean"])
    assert pd.isna(out.loc["AA", "two_year_mean"]) and pd.isna(out.loc["AA", "eb_estimate"])
    assert out.loc["AA", "mean"] == 0.5 and out.loc["HI", "prior_mean"] == 1.5


def test_growth_prior_n_residual_within_a_family():
    """prior_n of ALL minus the groups shown leaves 6 for a group hidden last year: one more goes."""
    now = _growth([("S", SCHOOL, "ALL", 100, 1.0, 100, 2.0), ("S", SCHOOL, "HI", 60, 1.0, 60, 1.5),
                   ("S", SCHOOL, "WH", 34, 1.0, 34, 1.0), ("S", SCHOOL, "AS", 12, 1.0, None, None)])
    out = disclose("growth", now, P).set_index("student_group")
    assert pd.isna(out.loc["WH", "prior_n"]) and out.loc["HI", "prior_n"] == 60


def _climate(rows):
    cols = ["rtype", "cds", "level", "domain", "item_id", "answered_raw", "figure_n_raw", "percent_favorable"]
    df = pd.DataFrame(rows, columns=cols)
    df["school_year"], df["respondent_group"] = "2023-24", "staff"
    shown = df["figure_n_raw"] >= P.survey_min_respondents
    df["answered"] = df["answered_raw"].where(shown)
    df["favorable"] = (df["answered_raw"] * df["percent_favorable"] / 100).where(shown)
    df["percent_favorable"] = df["percent_favorable"].where(shown)
    df["percent_favorable_unrounded"] = df["percent_favorable"]
    df["note"] = shown.map({True: None, False: "answered_lt_10"})
    df["suppressed"] = ~shown
    for c in ("respondents", "invited", "response_rate", "response_rate_unrounded", "district_percent_favorable"):
        df[c] = 50.0
    return df


def test_climate_district_minus_the_schools_shown_gives_no_hidden_school():
    """A school of 8 respondents is hidden: the district's figure (district minus the one school
    shown) would give its answers, so the district's figure goes, on its row and beside each school."""
    out = disclose("climate", _climate([
        ("D", LEA, "item", "Safety", "SF04", 48, 48, 70.0),
        ("S", SCHOOL, "item", "Safety", "SF04", 40, 40, 75.0),
        ("S", OTHER, "item", "Safety", "SF04", 8, 8, 45.0),
    ]), P).set_index("cds")
    assert pd.isna(out.loc[LEA, "percent_favorable"]) and out["district_percent_favorable"].isna().all()
    assert out.loc[SCHOOL, "percent_favorable"] == 75.0
    assert "answered_raw" not in out and "figure_n_raw" not in out


def test_climate_domain_minus_its_items_gives_no_hidden_item():
    """An item answered 5 times is hidden; the domain's answers minus the other item's would give it:
    the other item is hidden too."""
    out = disclose("climate", _climate([
        ("S", SCHOOL, "domain", "Safety", None, 45, 40, 80.0),
        ("S", SCHOOL, "item", "Safety", "SF04", 40, 40, 75.0),
        ("S", SCHOOL, "item", "Safety", "SF05", 5, 5, 100.0),
    ]), P)
    items = out[out["level"] == "item"].set_index("item_id")
    assert items["percent_favorable"].isna().all() and items["answered"].isna().all()
    assert out.loc[out["level"] == "domain", "percent_favorable"].item() == 80.0


def test_climate_rates_of_few_respondents_are_top_and_bottom_coded():
    out = disclose("climate", _climate([
        ("S", SCHOOL, "domain", "Safety", None, 12, 12, 100.0),
        ("S", OTHER, "domain", "Safety", None, 60, 60, 100.0),
    ]), P).set_index("cds")
    assert pd.isna(out.loc[SCHOOL, "percent_favorable"]) and out.loc[SCHOOL, "percent_bound"] == ">=95.0"
    assert pd.isna(out.loc[SCHOOL, "favorable"])
    assert out.loc[OTHER, "percent_favorable"] == 100.0  # 60 respondents: not a small group


def test_figures_cde_published_stay_as_published():
    """CDE published RFP's status (n 20); our complementary rule would have hidden it beside a hidden
    group: it stays, with CDE's value, since hiding it protects nobody."""
    rows = [("ALL", 100, 50.0, 50.0), ("EL", 40, 40.0, 40.0), ("RFP", 20, 60.0, 60.0), ("EO", 35, 55.0, 55.0),
            ("IFEP", 5, None, None)]
    df = pd.DataFrame(rows, columns=["student_group", "n_raw", "status", "published_status"])
    df["cds"], df["rtype"], df["indicator"], df["origin"] = SCHOOL, "S", "elpi", "cde"
    df["suppressed"] = df["n_raw"] < P.min_n
    df["note"] = df["suppressed"].map({True: "n_lt_11", False: None})
    df["n"] = df["n_raw"].where(~df["suppressed"])
    for c in ("prior_n", "prior_status", "change"):
        df[c] = None
    for c in ("status_level", "change_level", "color", "box"):
        df[c] = 0
    out = disclose("indicator_results", df, P).set_index("student_group")
    assert out.loc["RFP", "status"] == 60.0 and out.loc["RFP", "published_status"] == 60.0
    assert out.loc["RFP", "note"] != "complementary"
    ours = disclose("indicator_results", df.assign(origin="district", published_status=None), P).set_index("student_group")
    assert ours.loc["RFP", "note"] == "complementary"  # our own figure: hidden


def test_an_extreme_rate_cde_published_stays_as_published():
    """CDE's ELPI file publishes 100.0 % for a group of 15 English learners: it is public already,
    so it is not top-coded (the real 2024 file had 25 such rows coded); our own 100.0 % of a
    different cell (another n) is coded."""
    rows = [("ALL", 100, 50.0, 50.0), ("EL", 15, 100.0, 100.0), ("RFP", 14, 0.0, 0.0), ("EO", 71, 40.0, 40.0)]
    df = pd.DataFrame(rows, columns=["student_group", "n_raw", "status", "published_status"])
    df["cds"], df["rtype"], df["indicator"], df["origin"] = SCHOOL, "S", "elpi", "cde"
    df["suppressed"], df["note"], df["n"] = False, None, df["n_raw"]
    for c in ("prior_n", "prior_status", "change", "published_change"):
        df[c] = None
    for c in ("status_level", "change_level", "color", "box"):
        df[c] = 3
    out = disclose("indicator_results", df, P).set_index("student_group")
    assert out.loc["EL", "status"] == 100.0 and out.loc["EL", "published_status"] == 100.0
    assert pd.isna(out.loc["EL", "status_bound"]) and out.loc["RFP", "status"] == 0.0
    ours = disclose("indicator_results", df.assign(origin="district", published_status=None), P).set_index("student_group")
    assert ours.loc["EL", "status_bound"] == ">=95.0" and pd.isna(ours.loc["EL", "status"])


def test_equity_chronic_absence_of_a_small_school_is_coded(tmp_path):
    """equity_components showed a small school's chronic absence as 0.0 where data.csv coded it."""
    from pipeline import warehouse
    from pipeline.scoring.equity import score_equity_tables

    settings = load_settings()
    att = pd.DataFrame({"school_year": "2023-24", "cds": [SCHOOL, OTHER, "19754160000003"], "rtype": "S",
                        "student_group": "ALL", "chronic": [0, 12, 15], "eligible": [20, 40, 21]})
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        warehouse.replace_rows(con, "attendance", att, {"school_year": "2023-24"})
        _index, components = score_equity_tables(con, "2023-24", settings)
    chronic = components[components["component"] == "chronic_absence"].set_index("cds")["value"]
    assert chronic[SCHOOL] == P.bottom_code_at and chronic[OTHER] == 30.0
    assert chronic["19754160000003"] == 100.0 * 15 / 21  # 21 students, 71 %: not an extreme


def test_a_coded_climate_percent_is_shown_as_its_bound_on_the_page():
    from pipeline.render.present import _status
    from pipeline.scorecard.sections import _climate as climate_section

    row = {"respondent_group": "staff", "domain": "Safety", "percent_favorable": None, "percent_bound": ">=95.0",
           "respondents": 12, "invited": 20, "response_rate": 60.0, "district_percent_favorable": 80.0,
           "note": None, "suppressed": False}
    group = next(g for g in climate_section([row], {}, load_settings()) if g.key == "staff")
    domain = group.domains[0]
    assert (domain.school, domain.school_bound, domain.note) == (95.0, ">=", None)
    assert _status(domain.school, domain.school_bound, "rate", "en") == "≥ 95.0%"


def test_indicator_prior_year_figures_hidden_or_coded_last_year_stay_hidden():
    """Last year's stored table hid MR (complementary, 13 students) and coded SWD's 0.0 %: this
    year's prior-year figures and change of both are hidden, whatever the rules give this year."""
    rows = [("ALL", 200, 20.0, 200, 22.0, -2.0), ("HI", 150, 20.0, 150, 21.0, -1.0),
            ("MR", 40, 25.0, 13, 30.0, -5.0), ("SWD", 40, 8.0, 20, 0.0, 8.0)]
    df = pd.DataFrame(rows, columns=["student_group", "n_raw", "status", "prior_n", "prior_status", "change"])
    df["cds"], df["rtype"], df["indicator"], df["origin"] = SCHOOL, "S", "chronic", "district"
    df["suppressed"], df["note"], df["n"] = False, None, df["n_raw"]
    for c in ("status_level", "change_level", "color", "box"):
        df[c] = 3
    df["published_status"], df["published_change"] = None, None
    then = df[["rtype", "cds", "indicator", "origin", "student_group"]].assign(
        n=[200, 150, None, 20], status_bound=[None, None, None, "<=5.0"])
    out = disclose("indicator_results", df, P, last_year=then).set_index("student_group")
    assert pd.isna(out.loc["MR", "prior_n"]) and pd.isna(out.loc["MR", "prior_status"]) and pd.isna(out.loc["MR", "change"])
    assert out.loc["SWD", "prior_n"] == 20 and pd.isna(out.loc["SWD", "prior_status"]) and pd.isna(out.loc["SWD", "change"])
    assert out.loc["HI", "change"] == -1.0 and out.loc["MR", "status"] == 25.0
