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

Three more holes are closed here, found by checking the published files themselves
(tests/test_output_privacy.py):

- **Schools add up to the district.** A district (LEA) row minus the schools shown gives the
  schools hidden: when that leaves fewer than ``min_n`` students, the district row is hidden.
- **Last year, through this year's row.** ``prior_status``, ``prior_n`` and ``change`` (status
  minus change is last year's status) would show a figure that last year's scorecard hid or
  coded. The same rules are run again on the prior-year figures and those are hidden too.
- **CDE's published values** (``published_*``) of a row that is hidden or coded are cleared, as
  is CDE's change where the prior year is hidden.
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
        if fam.empty:
            continue  # no group of the family at all (e.g. a file of ALL rows only)
        keys = fam[cell].astype(str).agg("\x1f".join, axis=1)
        hidden_n = fam[n_col].where(fam["suppressed"], 0).groupby(keys).transform("sum")
        # figures CDE itself published are public already: never hidden, counted as shown
        candidate = ~fam["suppressed"] & hidden_n.gt(0) & ~known(frame).loc[fam.index]
        shown = fam[candidate].assign(_key=keys, _hidden=hidden_n)
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


def known(frame: pd.DataFrame) -> pd.Series:
    """Rows whose figures CDE itself published (its file's status, kept as ``published_status``),
    and our own rows of the same cell with the same n: public already, so disclosure control
    leaves them as CDE publishes them."""
    if "origin" not in frame or "published_status" not in frame:
        return pd.Series(False, index=frame.index)
    cde = frame["origin"].eq("cde") & pd.to_numeric(frame["published_status"], errors="coerce").notna()
    # the same figure recomputed from the district's own records (same cell, same n) is as public
    n = pd.to_numeric(frame["n_raw"] if "n_raw" in frame else frame["n"], errors="coerce")
    cols = [frame[c].astype(str) for c in ("rtype", "cds", "indicator", "student_group")] + [n.astype(str)]
    keys = pd.Series(list(zip(*cols)), index=frame.index)
    return cde | keys.isin(set(keys[cde]))


def known_change(frame: pd.DataFrame, without_column: bool) -> pd.Series:
    """Rows whose change CDE's own file publishes (and so last year's status): ``known`` rows with
    a ``published_change``; ``without_column`` is the answer for a frame that has no such column."""
    if "published_change" not in frame:
        return known(frame) & without_column
    return known(frame) & pd.to_numeric(frame["published_change"], errors="coerce").notna()


def top_bottom_code(frame: pd.DataFrame, privacy: Privacy, n_col: str = "n_raw") -> pd.DataFrame:
    """Replace small groups' rates near 0 % or 100 % by a bound in ``status_bound``; not a rate
    CDE's own file publishes (public already, it stays as CDE publishes it)."""
    frame = frame.copy()
    frame["status_bound"] = pd.Series(pd.NA, index=frame.index, dtype="string")
    small = (frame[n_col].lt(privacy.color_min_n) & ~frame["suppressed"] & frame["indicator"].isin(RATE_INDICATORS)
             & ~known(frame))
    status = pd.to_numeric(frame["status"], errors="coerce")
    low = small & status.le(privacy.bottom_code_at)
    high = small & status.ge(privacy.top_code_at)
    frame.loc[low, "status_bound"] = f"<={privacy.bottom_code_at:.1f}"
    frame.loc[high, "status_bound"] = f">={privacy.top_code_at:.1f}"
    coded = low | high
    frame.loc[coded, ["status", "prior_status", "change"]] = None
    frame.loc[coded, LEVEL_COLUMNS] = 0
    return frame


def _key(frame: pd.DataFrame, cols: list[str]) -> pd.Series:
    out = frame[cols[0]].astype(str)
    for c in cols[1:]:
        out = out + "\x1f" + frame[c].astype(str)
    return out


def residual_hide(keys: pd.Series, is_total: pd.Series, is_member: pd.Series, n: pd.Series,
                  shown: pd.Series, min_n: int, *, assume_hidden: bool = False) -> pd.Index:
    """Members to hide, smallest first, so that subtraction gives away no small group.

    Rows sharing a key form one table: a total row and member rows that add up to it (or nearly:
    students without an ethnicity, students counted in two schools). What anyone can compute is
    the *residual*, the total's n minus the n of the members shown. When a member is not shown
    and the residual is above 0 and under ``min_n``, shown members are hidden too, smallest
    first, until it is not. With ``assume_hidden`` a residual above 0 counts as a member not
    shown even when no row says so (prior-year figures: last year's hidden group may have no
    row this year). ``n`` holds the counts as published (NaN where
    not shown); ``shown`` says which rows show their figures.
    """
    n = pd.to_numeric(n, errors="coerce").astype(float)
    shown = shown.fillna(False).astype(bool) & n.notna()
    total_n = n.where(is_total & shown).groupby(keys).max()
    shown_member = is_member & shown
    shown_sum = n.where(shown_member, 0.0).groupby(keys).sum()
    any_hidden = (is_member & ~shown_member).groupby(keys).any()
    residual = (total_n - shown_sum).dropna()
    low = residual.gt(0) & residual.lt(min_n)
    if not assume_hidden:
        low &= any_hidden.reindex(residual.index, fill_value=False)
    need = residual[low]
    if need.empty:
        return pd.Index([])
    cand = shown_member & keys.isin(need.index)
    c = pd.DataFrame({"key": keys[cand], "n": n[cand]}).sort_values(["key", "n"], kind="stable")
    before = c.groupby("key")["n"].cumsum() - c["n"]
    return c.index[(c["key"].map(need) + before) < min_n]


def _within_school(frame: pd.DataFrame, privacy: Privacy, n: pd.Series, shown: pd.Series,
                   cell: list[str], assume_hidden: bool = False) -> pd.Index:
    """Residual rule for each complementary family (members add up to ALL) in each table ``cell``."""
    keys = _key(frame, cell)
    hide = pd.Index([])
    for family in privacy.complementary_families:
        more = residual_hide(keys, frame["student_group"].eq("ALL"), frame["student_group"].isin(family),
                             n, shown & ~frame.index.isin(hide), privacy.min_n, assume_hidden=assume_hidden)
        hide = hide.union(more)
    return hide


def _district_totals(frame: pd.DataFrame, privacy: Privacy, n: pd.Series, shown: pd.Series,
                     assume_hidden: bool = False) -> pd.Index:
    """District (LEA) rows to hide: schools add up to their district, per indicator, origin and group.

    The residual (district minus the schools shown) may be 0 or less with a school hidden:
    students counted in two schools. It is hidden all the same when under ``min_n``."""
    lea = frame["cds"].astype(str).str.slice(0, 7)
    keys = _key(frame.assign(_lea=lea), ["_lea", "indicator", "origin", "student_group"])
    is_total = frame["rtype"].eq("D") & frame["cds"].astype(str).str.endswith("0000000")
    is_member = frame["rtype"].eq("S")
    if not is_total.any():
        return pd.Index([])
    # hide the total itself: one cell hidden stops the subtraction, and no school figure is lost
    n_ = pd.to_numeric(n, errors="coerce").astype(float)
    shown = shown.fillna(False).astype(bool) & n_.notna()
    total_n = n_.where(is_total & shown).groupby(keys).max()
    shown_sum = n_.where(is_member & shown, 0.0).groupby(keys).sum()
    any_hidden = (is_member & ~shown).groupby(keys).any()
    residual = (total_n - shown_sum).dropna()
    hidden_school = any_hidden.reindex(residual.index, fill_value=False)
    if assume_hidden:
        hidden_school |= residual.gt(0)
    need = residual[residual.lt(privacy.min_n) & hidden_school]
    return frame.index[is_total & shown & keys.isin(need.index)]


def _hide(frame: pd.DataFrame, rows: pd.Index) -> None:
    frame.loc[rows, "suppressed"] = True
    frame.loc[rows, "note"] = COMPLEMENTARY
    frame.loc[rows, [c for c in VALUE_COLUMNS if c in frame]] = None
    frame.loc[rows, [c for c in LEVEL_COLUMNS if c in frame]] = 0


def district_suppression(frame: pd.DataFrame, privacy: Privacy) -> pd.DataFrame:
    """Hide district rows from which a hidden school's figure follows by subtraction."""
    frame = frame.copy()
    shown = ~frame["suppressed"].fillna(False).astype(bool)
    rows = _district_totals(frame, privacy, frame["n"], shown)
    _hide(frame, rows[~known(frame).loc[rows].to_numpy()])
    return frame


CHANGE_LEVELS = ["change_level", "color", "box"]
PUBLISHED = ["published_status", "published_change", "published_status_level", "published_change_level",
             "published_color", "published_box"]
PUBLISHED_CHANGE = ["published_change", "published_change_level", "published_color", "published_box"]


def protect_prior(frame: pd.DataFrame, privacy: Privacy) -> pd.DataFrame:
    """Hide the prior-year figures (and the change, which gives them back) that last year's rules hid.

    The rules run again on ``prior_n`` / ``prior_status`` as scored (``prior_n`` is there when
    last year had at least ``min_n`` students): the residual rule in each family and for the
    district, then top/bottom coding. Run it before this year's rules blank ``prior_n``: the
    prior-year figures this year's rows hide were shown last year, so they count as known. This
    rule and last year's both hide the smallest groups first from the same list, so one hidden
    set holds the other: put together with last year's outputs, this year's prior figures still
    leave at least ``min_n`` students to subtraction. A hidden prior year loses ``prior_n`` too;
    a coded one keeps it, as last year's scorecard showed it.
    """
    frame = frame.copy()
    n = pd.to_numeric(frame["prior_n"], errors="coerce").astype(float)
    shown = n.notna()
    hidden = _within_school(frame, privacy, n, shown, ["cds", "rtype", "indicator", "origin"], assume_hidden=True)
    hidden = hidden.union(_district_totals(frame, privacy, n, shown & ~frame.index.isin(hidden), assume_hidden=True))
    status = pd.to_numeric(frame["prior_status"], errors="coerce")
    small = shown & ~frame.index.isin(hidden) & n.lt(privacy.color_min_n) & frame["indicator"].isin(RATE_INDICATORS)
    coded = frame.index[small & (status.le(privacy.bottom_code_at) | status.ge(privacy.top_code_at))]
    # a change CDE's own file publishes (and so last year's status) is public already: it stays
    public = frame.index[known_change(frame, without_column=False)]
    hidden, coded = hidden.difference(public), coded.difference(public)
    rows = hidden.union(coded)
    frame.loc[hidden, "prior_n"] = None
    frame.loc[rows, ["prior_status", "change"]] = None
    frame.loc[rows, [c for c in CHANGE_LEVELS if c in frame]] = 0
    frame.loc[rows, [c for c in PUBLISHED_CHANGE if c in frame]] = None
    return frame


def clear_published(frame: pd.DataFrame) -> pd.DataFrame:
    """CDE's own values of a hidden or coded row would give back what the row hides."""
    frame = frame.copy()
    rows = frame["suppressed"].fillna(False).astype(bool)
    if "status_bound" in frame:
        rows |= frame["status_bound"].notna()
    frame.loc[rows, [c for c in PUBLISHED if c in frame]] = None
    return frame


RESULT_KEY = ["rtype", "cds", "indicator", "origin", "student_group"]


def carry_prior(frame: pd.DataFrame, last_year: pd.DataFrame | None) -> pd.DataFrame:
    """Last year's protection carried forward: where last year's stored table hid a cell, this
    year's ``prior_n``, ``prior_status`` and ``change`` of it are hidden; where it coded the rate,
    ``prior_status`` and ``change``. Not where CDE's file publishes this year's change (and so
    last year's status) itself."""
    if last_year is None or not len(last_year) or "n" not in last_year:
        return frame
    frame = frame.copy()
    then = last_year[RESULT_KEY].astype(str).assign(
        _hidden=pd.to_numeric(last_year["n"], errors="coerce").isna().to_numpy(),
        _coded=(last_year["status_bound"].notna() if "status_bound" in last_year
                else pd.Series(False, index=last_year.index)).to_numpy())
    m = frame[RESULT_KEY].astype(str).merge(then.drop_duplicates(RESULT_KEY), how="left", on=RESULT_KEY)
    public = known_change(frame, without_column=True).to_numpy()
    hidden = m["_hidden"].eq(True).to_numpy() & ~public
    coded = m["_coded"].eq(True).to_numpy() & ~public
    frame.loc[hidden, "prior_n"] = None
    rows = hidden | coded
    frame.loc[rows, ["prior_status", "change"]] = None
    frame.loc[rows, [c for c in CHANGE_LEVELS if c in frame]] = 0
    frame.loc[rows, [c for c in PUBLISHED_CHANGE if c in frame]] = None
    return frame


def protect_results(frame: pd.DataFrame, privacy: Privacy, last_year: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every rule on ``indicator_results`` (``last_year``: last year's table as stored), then the
    internal true count is dropped."""
    cell = ["cds", "rtype", "indicator", "origin"]
    out = carry_prior(frame, last_year)
    out = protect_prior(out, privacy)  # first: on the prior-year figures as scored
    out = complementary_suppression(out, privacy, cell)
    out = district_suppression(out, privacy)
    out = top_bottom_code(out, privacy)
    out = clear_published(out)
    return out.drop(columns=["n_raw"])


GROWTH_HIDDEN = ["n", "mean", "sd", "se", "ci_low", "ci_high", "prior_n", "prior_mean", "prior_se",
                 "two_year_mean", "two_year_se", "eb_estimate", "mean_unrounded", "se_unrounded",
                 "prior_mean_unrounded", "two_year_mean_unrounded", "eb_estimate_unrounded"]


# the figures of last year a growth row carries: the prior year's own, and the two-year and
# empirical-Bayes figures, which give it back with this year's n, mean and standard error
GROWTH_PRIOR = ["prior_n", "prior_mean", "prior_se", "prior_mean_unrounded", "two_year_mean", "two_year_se",
                "two_year_mean_unrounded", "eb_estimate", "eb_estimate_unrounded", "shrink_weight"]
GROWTH_KEY = ["rtype", "cds", "subject", "student_group"]


def growth_hidden_last_year(frame: pd.DataFrame, last_year: pd.DataFrame | None) -> pd.Index:
    """Rows of ``frame`` showing a prior-year figure (``prior_n``) of a cell that last year's
    stored ``growth`` table hid."""
    if "prior_n" not in frame or last_year is None or not len(last_year) or "n" not in last_year:
        return pd.Index([])
    pn = pd.to_numeric(frame["prior_n"], errors="coerce")
    then = last_year.assign(_hidden=pd.to_numeric(last_year["n"], errors="coerce").isna())
    hidden_then = frame[GROWTH_KEY].astype(str).merge(
        then[GROWTH_KEY + ["_hidden"]].astype({c: str for c in GROWTH_KEY}), how="left", on=GROWTH_KEY
    )["_hidden"].eq(True).to_numpy()
    return frame.index[hidden_then & pn.notna().to_numpy()]


def _growth_prior_hidden(frame: pd.DataFrame, privacy: Privacy, last_year: pd.DataFrame | None) -> pd.Index:
    """Rows whose prior-year figures last year's table hid (carried forward), then the residual
    rules run again on ``prior_n`` with what is left shown."""
    pn = pd.to_numeric(frame["prior_n"], errors="coerce").astype(float) if "prior_n" in frame else None
    if pn is None:
        return pd.Index([])
    hide = growth_hidden_last_year(frame, last_year)
    shown = pn.notna() & ~frame.index.isin(hide)
    hide = hide.union(_within_school(frame, privacy, pn, shown, ["cds", "rtype", "subject"], assume_hidden=True))
    lea = frame.assign(indicator=frame["subject"], origin="")
    hide = hide.union(_district_totals(lea, privacy, pn, shown & ~frame.index.isin(hide), assume_hidden=True))
    return hide


def protect_growth(frame: pd.DataFrame, privacy: Privacy, last_year: pd.DataFrame | None = None) -> pd.DataFrame:
    """Complementary suppression for ``growth``: the groups of a family add up to all students, so
    when the students hidden (all students' n minus the groups shown) number fewer than ``min_n``,
    further groups are hidden, smallest first. Also hides district rows whose schools would give
    a hidden school's figure back, and the prior-year and two-year figures of a cell that last
    year's table (``last_year``, as stored) hid. Applying it twice changes nothing."""
    if frame is None or frame.empty or "n" not in frame:
        return frame
    frame = frame.copy()
    n = pd.to_numeric(frame["n"], errors="coerce").astype(float)
    shown = n.notna() & ~frame["suppressed"].fillna(False).astype(bool)
    hide = _within_school(frame, privacy, n, shown, ["cds", "rtype", "subject"])
    lea = frame.assign(indicator=frame["subject"], origin="")
    hide = hide.union(_district_totals(lea, privacy, n, shown & ~frame.index.isin(hide)))
    frame.loc[hide, "suppressed"] = True
    frame.loc[hide, "note"] = COMPLEMENTARY
    frame.loc[hide, [c for c in GROWTH_HIDDEN if c in frame]] = None
    if "category_allowed" in frame and len(hide):
        frame["category_allowed"] = frame["category_allowed"].astype(object)
        frame.loc[hide, "category_allowed"] = None
    prior = _growth_prior_hidden(frame, privacy, last_year)
    frame.loc[prior, [c for c in GROWTH_PRIOR if c in frame]] = None
    return frame


CLIMATE_COUNTS = ["answered", "favorable", "respondents", "percent_favorable_unrounded", "response_rate_unrounded"]
CLIMATE_FIGURE = ["answered", "favorable", "percent_favorable", "percent_favorable_unrounded"]
COMPLEMENTARY_CLIMATE = "complementary"


def _climate_hide(frame: pd.DataFrame, rows, note: str | None = None) -> None:
    frame.loc[rows, [c for c in CLIMATE_FIGURE if c in frame]] = None
    frame.loc[rows, "suppressed"] = True
    if note:
        frame.loc[rows, "note"] = frame.loc[rows, "note"].fillna(note)


def protect_climate(frame: pd.DataFrame, privacy: Privacy | None = None) -> pd.DataFrame:
    """Climate rows as they may be published.

    - District rows keep only rounded percentages (with exact counts, a hidden school would follow
      by subtracting the schools shown), and a district figure is hidden when the schools hidden
      under it were answered by fewer than ``survey_min_respondents`` (district minus schools).
    - A domain's answers minus its items shown would give a hidden item: further items are hidden,
      fewest answers first, until the hidden ones hold at least ``survey_min_respondents`` answers.
    - Percents of figures answered by fewer than ``color_min_n`` respondents are top and bottom
      coded (``percent_bound``: "<=5.0" / ">=95.0"), like students' rates.
    The internal true counts (``answered_raw``, ``figure_n_raw``) are dropped.
    """
    frame = frame.copy()
    if privacy is not None and "answered_raw" in frame and len(frame):
        frame = _climate_rules(frame, privacy)
    district = frame["rtype"].eq("D")
    frame.loc[district, [c for c in CLIMATE_COUNTS if c in frame]] = None
    return frame.drop(columns=[c for c in ("answered_raw", "figure_n_raw") if c in frame])


def _climate_rules(frame: pd.DataFrame, privacy: Privacy) -> pd.DataFrame:
    min_r = privacy.survey_min_respondents
    raw = pd.to_numeric(frame["answered_raw"], errors="coerce").fillna(0)
    hidden = frame["percent_favorable"].isna() & raw.gt(0)
    # domain minus items: items of one school, group and domain
    items = frame[frame["rtype"].eq("S") & frame["level"].eq("item")]
    for _key, grp in items.groupby(["cds", "respondent_group", "domain"]):
        gh = hidden.loc[grp.index]
        if not gh.any():
            continue
        hidden_n = raw.loc[grp.index][gh].sum()
        for i in raw.loc[grp.index][~gh].sort_values(kind="stable").index:
            if hidden_n >= min_r:
                break
            _climate_hide(frame, [i], COMPLEMENTARY_CLIMATE)
            hidden_n += raw.loc[i]
    hidden = frame["percent_favorable"].isna() & raw.gt(0)
    # district minus schools: per group, level, domain and item
    lea = frame["cds"].astype(str).str.slice(0, 7)
    keys = [lea, frame["respondent_group"], frame["level"], frame["domain"], frame["item_id"].fillna("")]
    hidden_answers = raw.where(frame["rtype"].eq("S") & hidden, 0).groupby(keys).transform("sum")
    leaky = frame["rtype"].eq("D") & frame["percent_favorable"].notna() & hidden_answers.between(1, min_r - 1)
    _climate_hide(frame, frame.index[leaky], COMPLEMENTARY_CLIMATE)
    # each row's district figure, as protected (several districts at state scale)
    item = frame["item_id"].fillna("").astype(str)
    k = pd.MultiIndex.from_arrays([lea, frame["respondent_group"], frame["level"], frame["domain"], item])
    is_d = frame["rtype"].eq("D").to_numpy()
    lookup = pd.Series(frame["percent_favorable"].to_numpy()[is_d], index=k[is_d])
    lookup = lookup[~lookup.index.duplicated()]
    frame["district_percent_favorable"] = lookup.reindex(k).to_numpy()
    # top and bottom coding of small figures' percents
    small_n = pd.to_numeric(frame["figure_n_raw"], errors="coerce").fillna(0)
    pct = pd.to_numeric(frame["percent_favorable"], errors="coerce")
    small = small_n.lt(privacy.color_min_n) & pct.notna()
    frame["percent_bound"] = pd.Series(pd.NA, index=frame.index, dtype="string")
    low, high = small & pct.le(privacy.bottom_code_at), small & pct.ge(privacy.top_code_at)
    frame.loc[low, "percent_bound"] = f"<={privacy.bottom_code_at:.1f}"
    frame.loc[high, "percent_bound"] = f">={privacy.top_code_at:.1f}"
    frame.loc[low | high, CLIMATE_FIGURE] = None
    return frame
