"""``indicator_inputs.sql`` and ``indicator_results.sql`` in pandas: Dashboard status, change, levels,
colour and box, as ``pipeline.scoring.indicators.score_indicators`` returns them (before privacy)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks.pandas_scoring.groups import FLAG_COLUMNS, district_of, expand_student_groups
from benchmarks.pandas_scoring.loading import ASSESSMENT_COLUMNS, input_frame, of_year
from benchmarks.pandas_scoring.rounding import decimal_tenths, ratio_tenths
from pipeline.config import Settings, dashboard_year, load_settings, prior_school_year

INDICATOR_COLUMNS = [
    "school_year", "cds", "rtype", "student_group", "indicator", "origin", "school_type", "cut_set",
    "n", "n_raw", "prior_n", "status", "prior_status", "change", "status_level", "change_level", "color",
    "box", "note", "suppressed", "cut_set_undecided", "published_status", "published_change",
    "published_status_level", "published_change_level", "published_color", "published_box",
]

_PUBLISHED = {"published_status": ("currstatus", "float"), "published_change": ("change", "float"),
              "published_status_level": ("statuslevel", "Int32"), "published_change_level": ("changelevel", "Int32"),
              "published_color": ("color", "Int32"), "published_box": ("box", "Int32")}
_RATE = {"curr_numer": ("currnumer", "Int64"), "curr_denom": ("currdenom", "Int64"),
         "curr_status_given": ("currstatus", "float"), "prior_numer": ("priornumer", "Int64"),
         "prior_denom": ("priordenom", "Int64"), "prior_status_given": ("priorstatus", "float"),
         "change_given": ("change", "float"), "hscutpoints": ("hscutpoints", object),
         "school_class": ("type", object), "smalldenom": ("smalldenom", object),
         "participation_flag": ("flag95pct", object), **_PUBLISHED}
_ACADEMIC = {**_RATE, "curr_numer": (None, "Int64"), "prior_numer": (None, "Int64")}
_INPUT_COLUMNS = ["cds", "rtype", "student_group", "indicator", "origin", "scale", *_RATE]
_INPUT_TYPES = {"cds": object, "rtype": object, "student_group": object, "indicator": object, "origin": object,
                "scale": "int64", **{dst: typ for dst, (_, typ) in _RATE.items()}}


def _cde_rows(inputs: dict[str, pd.DataFrame], school_year: str) -> list[pd.DataFrame]:
    """The Dashboard files of the source registry that were ever provided (growth files are not
    status x change indicators), one part per file, as ``scoring.indicators.indicator_inputs_sql`` selects them."""
    from pipeline.sources import DASHBOARD

    parts = []
    for source in DASHBOARD:
        ind = source.indicator
        frame = inputs.get(f"validated_{source.name}")
        if frame is None or "cds" not in frame.columns or ind == "growth":
            continue
        frame = frame[frame["school_year"] == school_year]
        wanted = _ACADEMIC if ind in ("ela", "math") else _RATE
        part = pd.DataFrame({"cds": frame["cds"], "rtype": frame["rtype"], "student_group": frame["studentgroup"],
                             "indicator": ind, "origin": "cde", "scale": 100})
        for dst, (src, typ) in wanted.items():
            values = frame[src] if src in frame.columns else pd.Series(None, index=frame.index, dtype=object)
            part[dst] = values.astype(typ) if typ is not object else values.astype(object)
        parts.append(part)
    return parts


def _district_chronic(inputs: dict[str, pd.DataFrame], school_year: str) -> pd.DataFrame:
    """The district's Dashboard chronic absenteeism: the Dashboard's grades only (``dashboard_*``)."""
    counts = ["dashboard_chronic", "dashboard_eligible"]
    stored = input_frame(inputs, "attendance", ["school_year", "cds", "rtype", "student_group", "dashboard_students",
                                                *counts])
    cur = stored[(stored["school_year"] == school_year) & (stored["dashboard_students"] > 0)]
    past = stored.loc[stored["school_year"] == prior_school_year(school_year), ["cds", "student_group", *counts]]
    rows = cur[["cds", "rtype", "student_group", *counts]].merge(
        past.rename(columns={"dashboard_chronic": "prior_numer", "dashboard_eligible": "prior_denom"}),
        on=["cds", "student_group"], how="left")
    return rows.rename(columns={"dashboard_chronic": "curr_numer", "dashboard_eligible": "curr_denom"}).assign(
        indicator="chronic", origin="district", scale=100)


def _district_dfs(inputs: dict[str, pd.DataFrame], school_year: str) -> pd.DataFrame:
    prior = prior_school_year(school_year)
    a = input_frame(inputs, "validated_assessment", ASSESSMENT_COLUMNS)
    a = a[a["school_year"].isin([school_year, prior]) & a["test_type"].eq("SBA") & a["scale_score"].notna()]
    met = inputs["standard_met"][["subject", "grade", "standard_met"]]
    a = a.merge(met, on=["subject", "grade"])
    a = a.assign(indicator=a["subject"].str.lower(),
                 distance=a["scale_score"].astype("int64") - a["standard_met"].astype("int64"),
                 grade=a["grade"].astype("int64"))
    cols = ["school_year", "cds", "indicator", "grade", "distance", *FLAG_COLUMNS]
    both = pd.concat([a[cols].assign(rtype="S"), a[cols].assign(rtype="D", cds=district_of(a["cds"]))],
                     ignore_index=True)
    grouped = expand_student_groups(both, ["school_year", "rtype", "cds", "indicator", "grade", "distance"])
    keys = ["rtype", "cds", "indicator", "student_group"]
    dfs = (grouped.groupby(["school_year", *keys], sort=False, dropna=False)
           .agg(numer=("distance", "sum"), denom=("distance", "size"), min_grade=("grade", "min"),
                max_grade=("grade", "max"))
           .reset_index())
    lea = dfs["rtype"] == "D"  # CDE's LEA rows: the grades 3-8 set unless only grade 11 is tested
    dfs["hscutpoints"] = np.select([dfs["min_grade"] == 11, (dfs["max_grade"] <= 8) | lea], ["Y", "N"], "")
    dfs["hscutpoints"] = dfs["hscutpoints"].replace("", None)
    cur = dfs.loc[dfs["school_year"] == school_year, [*keys, "numer", "denom", "hscutpoints"]]
    past = dfs.loc[dfs["school_year"] == prior, [*keys, "numer", "denom"]]
    rows = cur.merge(past.rename(columns={"numer": "prior_numer", "denom": "prior_denom"}), on=keys, how="left")
    return rows.rename(columns={"numer": "curr_numer", "denom": "curr_denom"}).assign(origin="district", scale=1)


def indicator_inputs(inputs: dict[str, pd.DataFrame], school_year: str) -> pd.DataFrame:
    """indicator_inputs.sql: CDE's rate and academic rows, and the district's chronic and DFS rows
    (the LTEL group's from the Dashboard year ``ltel_from`` of ``config/state_codes.yaml`` on)."""
    from pipeline.state_tables import load_codes

    district = [_district_chronic(inputs, school_year), _district_dfs(inputs, school_year)]
    if not load_codes().ltel_published(school_year):
        district = [d[d["student_group"] != "LTEL"] for d in district]
    parts = _cde_rows(inputs, school_year) + district
    return pd.concat([p.reindex(columns=_INPUT_COLUMNS).astype(_INPUT_TYPES) for p in parts], ignore_index=True)


def _levels(rows: pd.DataFrame, value: str, measure: pd.Series, cut_set: pd.Series, cuts: pd.DataFrame) -> pd.Series:
    """max(level) of the cut rows of the row's indicator, measure, cut set (or 'any') and entity (or
    'any') whose [min, max] holds ``value``; NULL where none (or where the row has no cut set)."""
    r = pd.DataFrame({"indicator": rows["indicator"], "measure": measure, "cut_set": cut_set,
                      "entity": rows["entity"], "value": rows[value]})
    r = r[r["value"].notna() & r["cut_set"].notna()].reset_index()
    named = cuts[cuts["cut_set"] != "any"]
    anyset = cuts[cuts["cut_set"] == "any"].drop(columns=["cut_set"])
    m = pd.concat([r.merge(named, on=["indicator", "measure", "cut_set"], suffixes=("", "_c")),
                   r.merge(anyset, on=["indicator", "measure"], suffixes=("", "_c"))], ignore_index=True)
    inside = ((m["entity_c"].eq("any") | m["entity_c"].eq(m["entity"]))
              & (m["value"] >= m["min"].fillna(-1e9)) & (m["value"] <= m["max"].fillna(1e9)))
    return m[inside].groupby("index")["level"].max().reindex(rows.index)


def _year_cuts(cut_scores: pd.DataFrame, year: int) -> pd.DataFrame:
    """The cut rows of a Dashboard year, bounds as floats."""
    c = cut_scores[(cut_scores["dashboard_year_from"] <= year) & (cut_scores["dashboard_year_to"] >= year)]
    c = c.assign(min=c["min"].astype(float), max=c["max"].astype(float), level=c["level"].astype("int64"))
    return c[["indicator", "measure", "cut_set", "entity", "min", "max", "level"]].rename(
        columns={"entity": "entity_c"})


def _cut_set(i: pd.DataFrame, no_level: pd.Series) -> pd.Series:
    """indicator_results.sql's cut set: none where the row is flagged below 95 % participation and the
    year's rule gives such rows no level; suspension by the file's type (else the directory's school
    type), ELA and math by hscutpoints (blank in a file that has the flag: grades 3-8), else the
    directory's school type, else undecided (None)."""
    stype = i["school_type_dir"]
    susp_dir = stype.map({"ES": "ES", "MS": "MS", "HS": "HS", "K12": "UD"}).where(i["rtype"].eq("S"))
    flagged = i["hscutpoints"].notna().groupby([i["indicator"], i["origin"]]).transform("any")
    out = np.select(
        [no_level & i["participation_flag"].eq("Y").fillna(False),
         i["indicator"].eq("susp"), ~i["indicator"].isin(["ela", "math"]),
         i["hscutpoints"].eq("Y").fillna(False), i["hscutpoints"].eq("N").fillna(False),
         i["origin"].eq("cde") & flagged,
         i["rtype"].eq("S") & stype.eq("HS").fillna(False),
         i["rtype"].eq("S") & stype.isin(["ES", "MS", "K8"])],
        ["", i["school_class"].where(i["school_class"].notna(), susp_dir).fillna("").astype(object), "default",
         "hs", "default", "default", "hs", "default"], "")
    return pd.Series(out, index=i.index, dtype=object).replace("", None)


def score_indicators(inputs: dict[str, pd.DataFrame], school_year: str,
                     settings: Settings | None = None) -> pd.DataFrame:
    """Dashboard status, change, levels, colour and box (``scoring.indicators.score_indicators``, before privacy)."""
    settings = settings or load_settings()
    p = settings.privacy
    year = dashboard_year(school_year)
    i = indicator_inputs(inputs, school_year)
    directory = of_year(input_frame(inputs, "validated_directory", ["school_year", "cds", "school_type"]), school_year)
    i = i.merge(directory[["cds", "school_type"]], on="cds", how="left")
    i = i.rename(columns={"school_type": "school_type_dir"})
    rules = inputs["dashboard_rules"]
    rules = rules[(rules["dashboard_year_from"] <= year) & (rules["dashboard_year_to"] >= year)]
    rule = rules.set_index("indicator")
    i["cut_set"] = _cut_set(i, i["indicator"].map(rule["below_95_participation"]).eq("no_level"))
    i["school_type"] = i["school_type_dir"].fillna("")
    i["entity"] = np.where(i["rtype"].eq("S"), "school", "lea")
    status_only = i["indicator"].map(rule["status_only"]).fillna(True).astype(bool)
    small_below = i["indicator"].map(rule["small_below"])
    flag = i["smalldenom"].where(i["smalldenom"].isin(["Y", "N"]))
    small = (flag.eq("Y").where(flag.notna(), i["curr_denom"].astype(float) < small_below.astype(float))
             .fillna(False).astype(bool) & small_below.notna())
    uncolored = {ind: set(groups) for ind, groups in rule["groups_without_color"].items()
                 if isinstance(groups, (list, tuple, np.ndarray))}
    never = pd.Series([g in uncolored.get(ind, ()) for ind, g in zip(i["indicator"], i["student_group"])],
                      index=i.index, dtype=bool)
    lea_small = i["rtype"].ne("S") & i["student_group"].isin(list(p.lea_small_groups))
    color_n = np.where(lea_small, p.lea_small_group_min_n, p.color_min_n)

    cd, pd_ = i["curr_denom"], i["prior_denom"]
    curr_shown = cd.ge(p.min_n).fillna(False).astype(bool).where(cd.notna(), i["curr_status_given"].notna())
    prior_shown = pd_.ge(p.min_n).fillna(False).astype(bool).where(pd_.notna(), i["prior_status_given"].notna())
    curr_shown, prior_shown = curr_shown.astype(bool), prior_shown.astype(bool)
    given = {c: pd.Series(decimal_tenths(i[c], 1), index=i.index)
             for c in ("curr_status_given", "prior_status_given", "change_given")}
    scale = i["scale"].astype("int64")
    status_calc = ratio_tenths(i["curr_numer"] * scale, cd, 1)
    status_calc = status_calc.where(cd.gt(0).fillna(False) & i["curr_numer"].notna(), given["curr_status_given"])
    prior_calc = ratio_tenths(i["prior_numer"] * scale, pd_, 1)
    prior_calc = prior_calc.where(pd_.gt(0).fillna(False) & i["prior_numer"].notna(), given["prior_status_given"])
    both = (cd.gt(0) & pd_.gt(0) & i["curr_numer"].notna() & i["prior_numer"].notna()).fillna(False).astype(bool)
    diff = (i["curr_numer"] * pd_ - i["prior_numer"] * cd) * scale  # P / Q with Q = curr_denom * prior_denom
    change_calc = ratio_tenths(diff.where(both), (cd * pd_).where(both), 1).where(both, given["change_given"])

    i["status"] = status_calc.where(curr_shown)
    i["change"] = change_calc.where(curr_shown & prior_shown)
    color_allowed = (cd.ge(color_n) & pd_.ge(color_n)).fillna(False).astype(bool)

    cuts = _year_cuts(inputs["cut_scores"], year)
    status_measure = pd.Series("status", index=i.index)
    level_set = _levels(i, "status", status_measure, i["cut_set"], cuts)
    academic_undecided = i["cut_set"].isna() & i["indicator"].isin(["ela", "math"])
    level_default = _levels(i, "status", status_measure, pd.Series("default", index=i.index), cuts) \
        .where(academic_undecided)
    level_hs = _levels(i, "status", status_measure, pd.Series("hs", index=i.index), cuts).where(academic_undecided)
    small_sets = cuts[cuts["measure"] == "change_small"]
    has_small = pd.Series(False, index=i.index)
    if len(small_sets):
        probe = _levels(i.assign(_zero=0.0), "_zero", pd.Series("change_small", index=i.index),
                        i["cut_set"].fillna("default"), small_sets.assign(min=np.nan, max=np.nan))
        has_small = probe.notna()
    change_measure = pd.Series(np.where(small & has_small, "change_small", "change"), index=i.index)
    change_level = _levels(i, "change", change_measure, i["cut_set"].fillna("default"), cuts).where(~status_only)
    same = (level_default == level_hs).fillna(False)
    status_level = level_set.where(i["cut_set"].notna(), level_default.where(same))
    distinct = ~(same | (level_default.isna() & level_hs.isna()))
    undecided = i["cut_set"].isna() & i["status"].notna() & (~i["indicator"].isin(["ela", "math"]) | distinct)

    grid_name = i["indicator"].map(rule["small_grid"]).where(small, i["indicator"].map(rule["grid"]))
    grid = inputs["color_grid"]
    levels = pd.DataFrame({"grid": grid_name, "status_level": status_level, "change_level": change_level})
    cell = levels.merge(grid, on=["grid", "status_level", "change_level"], how="left")
    colorable = color_allowed & ~status_only & ~never
    color = pd.Series(np.where(colorable, cell["color"].to_numpy(dtype=float), np.nan), index=i.index)
    color = color.fillna(0).astype("int32")
    box_cell = pd.Series(cell["box"].to_numpy(dtype=float), index=i.index)
    status_level0 = status_level.fillna(0).astype("int32")
    change_level0 = change_level.fillna(0).astype("int32")
    box = np.where(color > 0, box_cell.fillna(0), 0).astype("int32")
    note = np.select([cd.isna() & status_calc.isna(), ~curr_shown, (color == 0) & ~color_allowed],
                     ["no_data", "n_lt_11", "no_color_lt_30"], "")

    out = pd.DataFrame({
        "school_year": school_year, "cds": i["cds"], "rtype": i["rtype"], "student_group": i["student_group"],
        "indicator": i["indicator"], "origin": i["origin"], "school_type": i["school_type"],
        "cut_set": i["cut_set"],
        "n": cd.where(curr_shown), "n_raw": cd, "prior_n": pd_.where(prior_shown),
        "status": i["status"], "prior_status": prior_calc.where(prior_shown), "change": i["change"],
        "status_level": status_level0, "change_level": change_level0, "color": color, "box": box,
        "note": pd.Series(note, index=i.index, dtype=object).replace("", None),
        "suppressed": ~curr_shown, "cut_set_undecided": undecided.astype(bool),
        **{c: i[c] for c in _PUBLISHED},
    })
    out = out.sort_values(["rtype", "cds", "indicator", "student_group"], ascending=[False, True, True, True],
                          kind="stable")
    return out[INDICATOR_COLUMNS].reset_index(drop=True)
