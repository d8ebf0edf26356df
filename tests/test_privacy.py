"""Complementary suppression and top/bottom coding, with hand-worked cases."""
from __future__ import annotations

import pandas as pd

from pipeline.config import load_settings
from pipeline.scoring.privacy import (
    complementary_suppression,
    protect_results,
    top_bottom_code,
)

P = load_settings().privacy
CELL = ["cds", "rtype", "indicator", "origin"]


def frame(rows):
    df = pd.DataFrame(rows, columns=["student_group", "n_raw", "status"])
    df["cds"], df["rtype"], df["indicator"], df["origin"] = "19754160000001", "S", "chronic", "cde"
    df["suppressed"] = df["n_raw"] < P.min_n
    df["note"] = df["suppressed"].map({True: "n_lt_11", False: None})
    df["n"] = df["n_raw"].where(~df["suppressed"])
    df["status"] = df["status"].where(~df["suppressed"])
    for c in ["prior_n", "prior_status", "change"]:
        df[c] = None
    for c in ["status_level", "change_level", "color", "box"]:
        df[c] = 3
    return df


def test_one_hidden_group_hides_the_smallest_shown_until_eleven_are_hidden():
    df = frame([("ALL", 200, 20.0), ("HI", 150, 20.0), ("AA", 30, 30.0), ("WH", 12, 25.0),
                ("AS", 5, 40.0), ("EL", 60, 18.0)])
    out = complementary_suppression(df, P, CELL).set_index("student_group")
    # AS (5) was hidden; WH (12, the smallest shown) is hidden too: 17 hidden >= 11
    assert out.loc["WH", "suppressed"] and out.loc["WH", "note"] == "complementary"
    assert pd.isna(out.loc["WH", "status"]) and pd.isna(out.loc["WH", "n"]) and out.loc["WH", "color"] == 0
    assert not out.loc["AA", "suppressed"] and not out.loc["HI", "suppressed"]
    assert not out.loc["EL", "suppressed"]  # not in the race/ethnicity family


def test_two_tiny_hidden_groups_need_a_third():
    df = frame([("ALL", 100, 20.0), ("HI", 70, 20.0), ("AA", 20, 30.0), ("WH", 4, 25.0), ("AS", 3, 40.0),
                ("FI", 3, 10.0)])
    out = complementary_suppression(df, P, CELL).set_index("student_group")
    # 4 + 3 + 3 = 10 hidden < 11: AA (20) is hidden as well
    assert out.loc["AA", "note"] == "complementary"
    assert not out.loc["HI", "suppressed"]


def test_on_ela_and_math_el_minus_rfp_does_not_give_a_hidden_elo():
    """The academic EL group is ELO + RFP: with ELO hidden, RFP is hidden too (EL - RFP would be ELO)."""
    df = frame([("ALL", 200, -20.0), ("EL", 38, -60.0), ("ELO", 8, -110.0), ("RFP", 30, 5.0), ("EO", 150, -10.0)])
    df["indicator"] = "ela"
    out = complementary_suppression(df, P, CELL).set_index("student_group")
    assert out.loc["RFP", "note"] == "complementary" and pd.isna(out.loc["RFP", "status"])
    assert not out.loc["EL", "suppressed"] and not out.loc["EO", "suppressed"]


def test_enough_hidden_already_needs_nothing_more():
    df = frame([("ALL", 100, 20.0), ("HI", 70, 20.0), ("AA", 13, 30.0), ("WH", 9, 25.0), ("AS", 8, 40.0)])
    out = complementary_suppression(df, P, CELL)
    assert not out["note"].eq("complementary").any()


def test_no_hidden_group_can_be_recovered_by_subtraction():
    df = frame([("ALL", 300, 20.0), ("HI", 200, 20.0), ("AA", 50, 30.0), ("WH", 40, 25.0), ("AS", 10, 40.0)])
    out = complementary_suppression(df, P, CELL)
    fam = out[out.student_group != "ALL"]
    hidden = fam[fam.suppressed]
    # what subtraction can give is the hidden groups' total: it must cover at least 11 students
    assert len(hidden) >= 2 and df.set_index("student_group").loc[hidden.student_group, "n_raw"].sum() >= 11


def test_small_group_rates_near_0_and_100_are_coded():
    df = frame([("ALL", 300, 20.0), ("HOM", 14, 0.0), ("FOS", 12, 100.0), ("SWD", 25, 50.0), ("EL", 40, 2.0)])
    out = top_bottom_code(df, P).set_index("student_group")
    assert out.loc["HOM", "status_bound"] == "<=5.0" and pd.isna(out.loc["HOM", "status"])
    assert out.loc["FOS", "status_bound"] == ">=95.0" and out.loc["FOS", "status_level"] == 0
    assert pd.isna(out.loc["SWD", "status_bound"]) and out.loc["SWD", "status"] == 50.0
    assert pd.isna(out.loc["EL", "status_bound"])  # 40 students: not a small group


def test_protect_results_drops_the_true_count():
    out = protect_results(frame([("ALL", 300, 20.0), ("AS", 5, 40.0), ("WH", 30, 10.0)]), P)
    assert "n_raw" not in out.columns
