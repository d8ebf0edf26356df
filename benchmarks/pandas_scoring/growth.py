"""``growth_students.sql``, ``growth_model.sql`` and ``growth.sql`` in pandas: the residual-gain
growth model, as ``pipeline.scoring.growth.growth_tables`` returns it."""
from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks.pandas_scoring.groups import FLAG_COLUMNS, expand_student_groups
from benchmarks.pandas_scoring.loading import ASSESSMENT_COLUMNS, input_frame
from benchmarks.pandas_scoring.rounding import decimal_tenths
from pipeline.config import Settings, load_settings, prior_school_year
from pipeline.scoring.growth import GROWTH_COLUMNS, MODEL_COLUMNS, TAU2_FLOOR, Z_95
from pipeline.state_tables import load_codes


def growth_students(inputs: dict[str, pd.DataFrame], school_year: str) -> pd.DataFrame:
    """Who receives a growth score in ``school_year`` and the year before, with prior ELA and math."""
    prior = prior_school_year(school_year)
    prior2 = prior_school_year(prior)
    a = input_frame(inputs, "validated_assessment", ASSESSMENT_COLUMNS)
    scores = a[a["school_year"].isin([school_year, prior, prior2]) & a["test_type"].eq("SBA")
               & a["scale_score"].notna()]
    scores = (scores.sort_values(["source_line", "cds", "grade", "scale_score"], kind="stable")
              .drop_duplicates(["school_year", "ssid", "subject"]))
    past = scores[scores["school_year"].isin([prior, prior2])]
    prior_scores = (past.set_index(["school_year", "ssid", "subject"])["scale_score"]
                    .unstack("subject").reindex(columns=["ELA", "MATH"])
                    .dropna().rename(columns={"ELA": "prior_ela", "MATH": "prior_math"})
                    .astype(float).reset_index().rename(columns={"school_year": "prior_year"}))
    current = scores[scores["school_year"].isin([school_year, prior]) & scores["grade"].between(4, 8)]
    current = current.assign(prior_year=np.where(current["school_year"] == school_year, prior, prior2))
    out = current.merge(prior_scores, on=["prior_year", "ssid"])
    out["score"] = out["scale_score"].astype(float)
    out["grade"] = out["grade"].astype("int64")
    return out[["school_year", "ssid", "cds", "grade", "subject", "score", "prior_ela", "prior_math", *FLAG_COLUMNS]]


def growth_fit(students: pd.DataFrame) -> pd.DataFrame:
    """growth_model.sql: OLS of score on prior ELA and math per school year, subject and grade."""
    keys = ["school_year", "subject", "grade"]
    g = students.groupby(keys, sort=False)
    dy = students["score"] - g["score"].transform("mean")
    d1 = students["prior_ela"] - g["prior_ela"].transform("mean")
    d2 = students["prior_math"] - g["prior_math"].transform("mean")
    sums = (pd.DataFrame({"s11": d1 * d1, "s22": d2 * d2, "s12": d1 * d2, "s1y": d1 * dy, "s2y": d2 * dy,
                          "syy": dy * dy})
            .groupby([students[k] for k in keys], sort=False).sum())
    means = g.agg(n=("score", "size"), mean_score=("score", "mean"), mean_prior_ela=("prior_ela", "mean"),
                  mean_prior_math=("prior_math", "mean"))
    f = means.join(sums).reset_index()
    det = f["s11"] * f["s22"] - f["s12"] * f["s12"]
    f["fitted"] = (f["n"] >= 3) & (det > 1e-9 * f["s11"] * f["s22"])
    fitted = f["fitted"]
    f["b_ela"] = ((f["s1y"] * f["s22"] - f["s2y"] * f["s12"]) / det).where(fitted)
    f["b_math"] = ((f["s2y"] * f["s11"] - f["s1y"] * f["s12"]) / det).where(fitted)
    f["intercept"] = f["mean_score"] - f["b_ela"] * f["mean_prior_ela"] - f["b_math"] * f["mean_prior_math"]
    f["r2"] = ((f["b_ela"] * f["s1y"] + f["b_math"] * f["s2y"]) / f["syy"]).where(fitted & (f["syy"] > 0))
    rss = (f["syy"] - f["b_ela"] * f["s1y"] - f["b_math"] * f["s2y"]).clip(lower=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        f["residual_sd"] = np.sqrt(rss / (f["n"] - 3)).where(fitted & (f["n"] > 3))
    f["n"] = f["n"].astype("int64")
    return f.sort_values(keys, kind="stable")[MODEL_COLUMNS].reset_index(drop=True)


def _round_shown(values: pd.Series, shown: pd.Series) -> np.ndarray:
    return np.where(shown, decimal_tenths(values, 10), np.nan)


def growth_tables(inputs: dict[str, pd.DataFrame], school_year: str, settings: Settings | None = None, *,
                  tau2_floor: float = TAU2_FLOOR) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(growth, growth_model)`` as ``pipeline.scoring.growth.growth_tables`` returns them."""
    settings = settings or load_settings()
    min_n, color_min_n = settings.privacy.min_n, settings.privacy.color_min_n
    prior = prior_school_year(school_year)
    students = growth_students(inputs, school_year)
    fit = growth_fit(students)
    model = fit[fit["school_year"] == school_year].reset_index(drop=True)

    scored = students.merge(fit.loc[fit["fitted"], ["school_year", "subject", "grade", "intercept", "b_ela", "b_math"]],
                            on=["school_year", "subject", "grade"])
    scored["gain"] = scored["score"] - (scored["intercept"] + scored["b_ela"] * scored["prior_ela"]
                                        + scored["b_math"] * scored["prior_math"])
    heads = scored.loc[scored["school_year"] == school_year, "cds"].str.slice(0, 7)
    lea = (heads.min() if len(heads) else "0000000") + "0000000"
    both = pd.concat([scored.assign(rtype="S"), scored.assign(rtype="D", cds=lea)], ignore_index=True)
    grouped = expand_student_groups(both, ["school_year", "rtype", "cds", "subject", "gain"])
    keys = ["rtype", "cds", "subject", "student_group"]
    agg = (grouped.groupby(["school_year", *keys], sort=False, dropna=False)["gain"]
           .agg(n="size", mean="mean", var="var").reset_index())
    agg["var"] = agg["var"].fillna(0.0)
    cur = agg[agg["school_year"] == school_year].drop(columns="school_year")
    if not load_codes().ltel_published(school_year):  # the LTEL group from the Dashboard year that has it
        cur = cur[cur["student_group"] != "LTEL"]
    past = (agg[agg["school_year"] == prior].drop(columns="school_year")
            .rename(columns={"n": "prior_n", "mean": "prior_mean", "var": "prior_var"}))
    c = cur.merge(past, on=keys, how="left")

    n = c["n"].astype(float)
    shown = c["n"] >= min_n
    prior_used = c["prior_n"].ge(min_n)
    c["sd"] = np.sqrt(c["var"])
    c["se"] = np.sqrt(c["var"] / n)
    c["prior_se"] = np.sqrt(c["prior_var"] / c["prior_n"])
    w1 = n / c["var"].clip(lower=1e-6)
    w0 = (c["prior_n"] / c["prior_var"].clip(lower=1e-6)).where(prior_used, 0.0)
    c["two_year_mean"] = (w1 * c["mean"] + w0 * c["prior_mean"].fillna(0.0)) / (w1 + w0)
    c["two_year_var"] = 1 / (w1 + w0)

    schools_all = c[(c["rtype"] == "S") & (c["student_group"] == "ALL") & shown]
    lea_all = c[(c["rtype"] == "D") & (c["student_group"] == "ALL")]
    params = pd.DataFrame({"subject": c["subject"].unique()})
    params = (params.merge(lea_all.groupby("subject")["two_year_mean"].first().rename("shrink_target"),
                           on="subject", how="left")
              .merge((schools_all.groupby("subject")["two_year_mean"].var()
                      - schools_all.groupby("subject")["two_year_var"].mean()).rename("tau2"),
                     on="subject", how="left"))
    params["tau2"] = params["tau2"].fillna(tau2_floor).clip(lower=tau2_floor)
    c = c.merge(params, on="subject", how="left")

    school = c["rtype"] == "S"
    weight = c["tau2"] / (c["tau2"] + c["two_year_var"])
    c["shrink_weight"] = weight.where(school)
    c["eb"] = (c["shrink_target"] + weight * (c["two_year_mean"] - c["shrink_target"])).where(school, c["two_year_mean"])

    out = c[["rtype", "cds", "subject", "student_group"]].copy()
    out.insert(0, "school_year", school_year)
    out["n"] = c["n"].astype("Int64").where(shown)
    out["mean"] = _round_shown(c["mean"], shown)
    out["sd"] = _round_shown(c["sd"], shown)
    out["se"] = _round_shown(c["se"], shown)
    out["ci_low"] = _round_shown(c["mean"] - Z_95 * c["se"], shown)
    out["ci_high"] = _round_shown(c["mean"] + Z_95 * c["se"], shown)
    with_prior = shown & prior_used
    out["prior_n"] = c["prior_n"].astype("Int64").where(with_prior)
    out["prior_mean"] = _round_shown(c["prior_mean"], with_prior)
    out["prior_se"] = _round_shown(c["prior_se"], with_prior)
    out["two_year_mean"] = _round_shown(c["two_year_mean"], shown)
    out["two_year_se"] = _round_shown(np.sqrt(c["two_year_var"]), shown)
    out["shrink_target"] = _round_shown(c["shrink_target"], shown & school)
    out["tau2"] = c["tau2"].where(shown & school)
    out["shrink_weight"] = c["shrink_weight"].where(shown)
    out["eb_estimate"] = _round_shown(c["eb"], shown)
    estimate = np.select([school & prior_used, school, prior_used],
                         ["eb_two_year", "eb_current_year", "two_year_mean"], "current_year_mean")
    out["estimate"] = pd.Series(estimate, index=c.index, dtype=object).where(shown, None)
    out["category_allowed"] = (c["n"] >= color_min_n).to_numpy(bool)
    out["note"] = pd.Series("n_lt_11", index=c.index, dtype=object).where(~shown, None)
    out["suppressed"] = (~shown).to_numpy(bool)
    out["mean_unrounded"] = c["mean"].where(shown)
    out["se_unrounded"] = c["se"].where(shown)
    out["prior_mean_unrounded"] = c["prior_mean"].where(with_prior)
    out["two_year_mean_unrounded"] = c["two_year_mean"].where(shown)
    out["shrink_target_unrounded"] = c["shrink_target"].where(shown & school)
    out["eb_estimate_unrounded"] = c["eb"].where(shown)
    out = out.sort_values(["rtype", "cds", "subject", "student_group"], ascending=[False, True, True, True],
                          kind="stable")
    return out[GROWTH_COLUMNS].reset_index(drop=True), model
