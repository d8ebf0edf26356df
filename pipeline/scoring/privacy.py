"""Privacy in the scored tables themselves: complementary suppression and top/bottom coding.

Primary suppression (no figure under ``min_n`` students) happens in the scoring SQL. Two more
rules protect the students of small groups (see ../shared/reference/privacy.md):

- **Complementary suppression.** Groups of one family (the race/ethnicity groups) add up to all
  students: if one group is hidden and the others and the total are shown, the hidden one
  follows by subtraction. So further groups of that family are hidden, smallest first, until
  the hidden students number at least ``min_n`` together.
- **Top and bottom coding.** A rate near 0 % or 100 % for a small group (fewer than
  ``color_min_n`` students) tells everyone's outcome. Such rates are replaced by a bound
  ("5.0 or less", "95.0 or more"); change and levels, which would give the value back, are hidden.
"""
from __future__ import annotations

import pandas as pd

from pipeline.config import Privacy

COMPLEMENTARY = "complementary"
VALUE_COLUMNS = ["n", "prior_n", "status", "prior_status", "change"]
LEVEL_COLUMNS = ["status_level", "change_level", "color", "box"]
RATE_INDICATORS = {"chronic", "susp", "grad", "cci", "elpi"}


def complementary_suppression(frame: pd.DataFrame, privacy: Privacy, cell: list[str],
                              n_col: str = "n_raw") -> pd.DataFrame:
    """Hide further groups of each family so no hidden group can be recovered by subtraction.

    ``cell`` names the columns that identify one table of groups (e.g. school, indicator,
    origin). Rows are hidden by setting ``suppressed`` and note ``complementary``.
    """
    frame = frame.copy()
    for family in privacy.complementary_families:
        members = frame["student_group"].isin(family) & frame[n_col].fillna(0).gt(0)
        fam = frame.loc[members, cell + ["suppressed", n_col]]
        keys = fam[cell].astype(str).agg("\x1f".join, axis=1)
        hidden_n = fam[n_col].where(fam["suppressed"], 0).groupby(keys).transform("sum")
        shown = fam[~fam["suppressed"] & hidden_n.gt(0)].assign(_key=keys, _hidden=hidden_n)
        shown = shown.sort_values(["_key", n_col], kind="stable")
        # greedy, smallest first: a shown group is hidden too while the hidden total is under min_n
        before = shown.groupby("_key")[n_col].cumsum() - shown[n_col]
        add = shown.index[(shown["_hidden"] + before) < privacy.min_n]
        frame.loc[add, "suppressed"] = True
        frame.loc[add, "note"] = COMPLEMENTARY
    hide = frame["note"].eq(COMPLEMENTARY)
    frame.loc[hide, [c for c in VALUE_COLUMNS if c in frame]] = None
    frame.loc[hide, [c for c in LEVEL_COLUMNS if c in frame]] = 0
    return frame


def top_bottom_code(frame: pd.DataFrame, privacy: Privacy, n_col: str = "n_raw") -> pd.DataFrame:
    """Replace small groups' rates near 0 % or 100 % by a bound in ``status_bound``."""
    frame = frame.copy()
    frame["status_bound"] = pd.Series(pd.NA, index=frame.index, dtype="string")
    small = frame[n_col].lt(privacy.color_min_n) & ~frame["suppressed"] & frame["indicator"].isin(RATE_INDICATORS)
    status = pd.to_numeric(frame["status"], errors="coerce")
    low = small & status.le(privacy.bottom_code_at)
    high = small & status.ge(privacy.top_code_at)
    frame.loc[low, "status_bound"] = f"<={privacy.bottom_code_at:.1f}"
    frame.loc[high, "status_bound"] = f">={privacy.top_code_at:.1f}"
    coded = low | high
    frame.loc[coded, ["status", "prior_status", "change"]] = None
    frame.loc[coded, LEVEL_COLUMNS] = 0
    return frame


def protect_results(frame: pd.DataFrame, privacy: Privacy) -> pd.DataFrame:
    """Both rules on ``indicator_results``, then the internal true count is dropped."""
    cell = ["cds", "rtype", "indicator", "origin"]
    out = top_bottom_code(complementary_suppression(frame, privacy, cell), privacy)
    return out.drop(columns=["n_raw"])


CLIMATE_COUNTS = ["answered", "favorable", "respondents", "percent_favorable_unrounded", "response_rate_unrounded"]


def protect_climate(frame: pd.DataFrame) -> pd.DataFrame:
    """District climate rows keep only rounded percentages: with the district's exact counts, a
    school hidden for fewer than 10 respondents would follow by subtracting the schools shown."""
    frame = frame.copy()
    district = frame["rtype"].eq("D")
    frame.loc[district, [c for c in CLIMATE_COUNTS if c in frame]] = None
    return frame
