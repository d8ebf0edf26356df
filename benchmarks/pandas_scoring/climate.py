"""``climate_answers.sql`` and ``climate.sql`` in pandas: percent favourable, as
``pipeline.scoring.climate.score_climate`` returns it."""
from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks.pandas_scoring.groups import district_of
from benchmarks.pandas_scoring.loading import input_frame, of_year
from pipeline.config import Settings, load_settings
from pipeline.scoring.climate import CLIMATE_COLUMNS


def _survey_meta_columns() -> set[str]:
    from pipeline.sources import SOURCES

    source = SOURCES["survey_responses"]
    return {c.lower() for c in source.required_columns + source.optional_columns} | {"source_line", "_line"}


def _survey_items(inputs: dict[str, pd.DataFrame], school_year: str) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """The year's responses (cds, respondent_group) and each item column holding an answer, as
    numbers, by item key (the lower-cased column name), as climate_answers.sql reads them."""
    responses = input_frame(inputs, "validated_survey_responses",
                            ["school_year", "response_id", "cds", "respondent_group"])
    responses = of_year(responses, school_year).reset_index(drop=True)
    meta = _survey_meta_columns()
    items = {}
    for c in (c for c in responses.columns if c.lower() not in meta):
        values = pd.to_numeric(responses[c], errors="coerce")
        if values.notna().any():
            items[c.lower()] = values
    return responses[["cds", "respondent_group"]], items


def score_climate(inputs: dict[str, pd.DataFrame], school_year: str,
                  settings: Settings | None = None) -> pd.DataFrame:
    """Percent favourable by school (S) and district (D) x respondent group x domain and item.

    Counted as climate.sql counts: per school first (answers by item and value; the set of
    domains each response answered, as bits), a district being the sum of its schools.
    """
    settings = settings or load_settings()
    min_resp = settings.privacy.survey_min_respondents
    codebook = of_year(input_frame(inputs, "validated_survey_codebook",
                                   ["school_year", "item_id", "respondent_group", "domain", "reverse_coded",
                                    "scale_points"]), school_year)
    codebook = codebook[["item_id", "respondent_group", "domain", "reverse_coded", "scale_points"]] \
        .assign(item_key=codebook["item_id"].str.lower())
    domains = sorted(codebook["domain"].dropna().unique())
    bit_of = {d: np.uint64(1) << np.uint64(i) for i, d in enumerate(domains)}
    responses, items = _survey_items(inputs, school_year)
    keys = ["cds", "respondent_group"]
    item_counts = []
    mask = np.zeros(len(responses), dtype=np.uint64)
    for item_key, answers in items.items():
        given = answers.notna()
        counted = (responses.loc[given, keys].assign(item_key=item_key, answer=answers[given].astype("int64"))
                   .groupby([*keys, "item_key", "answer"], sort=False).size().rename("answers").reset_index())
        item_counts.append(counted)
        for c in codebook[codebook["item_key"] == item_key].itertuples():
            valid = (answers.ge(1) & answers.le(float(c.scale_points)) & responses["respondent_group"].eq(c.respondent_group))
            mask[valid.fillna(False).to_numpy(bool)] |= bit_of[c.domain]
    answer_counts = pd.concat(item_counts, ignore_index=True) if item_counts else \
        pd.DataFrame(columns=[*keys, "item_key", "answer", "answers"])
    scored = answer_counts.merge(codebook, on=["item_key", "respondent_group"])
    points = scored["scale_points"].astype(float)
    scored = scored[scored["answer"].ge(1) & scored["answer"].le(points)]
    points = scored["scale_points"].astype(float)
    scored = scored.assign(favorable=np.where(scored["reverse_coded"].eq("Y").fillna(False).astype(bool),
                                              scored["answer"] <= 2, scored["answer"] >= points - 1))
    scored = scored.assign(fav_answers=scored["answers"].where(scored["favorable"], 0))
    school_items = (scored.groupby([*keys, "domain", "item_id"], sort=False)
                    .agg(answered=("answers", "sum"), favorable=("fav_answers", "sum")).reset_index())
    answered_any = mask != 0
    sets = (responses.loc[answered_any, keys].assign(domains=mask[answered_any])
            .groupby([*keys, "domains"], sort=False).size().rename("responses").reset_index())
    school_domains = pd.concat([sets[(sets["domains"] & bit) != 0].assign(domain=d)
                                for d, bit in bit_of.items()], ignore_index=True) if bit_of else sets.assign(domain="")
    school_domains = (school_domains.groupby([*keys, "domain"], sort=False)["responses"].sum()
                      .rename("figure_respondents").reset_index())
    school_respondents = sets.groupby(keys, sort=False)["responses"].sum().rename("respondents").reset_index()
    domain_rows = (school_items.groupby([*keys, "domain"], sort=False)[["answered", "favorable"]].sum().reset_index()
                   .merge(school_domains, on=[*keys, "domain"]).assign(level="domain", item_id=""))
    item_rows = school_items.assign(level="item", figure_respondents=school_items["answered"])
    school_stats = pd.concat([domain_rows, item_rows], ignore_index=True)

    def with_districts(frame: pd.DataFrame, by: list[str], sums: list[str]) -> pd.DataFrame:
        district = frame.assign(cds=district_of(frame["cds"])).groupby(by, sort=False)[sums].sum().reset_index()
        return pd.concat([frame.assign(rtype="S"), district.assign(rtype="D")], ignore_index=True)

    stats = with_districts(school_stats, [*keys, "level", "domain", "item_id"],
                           ["answered", "favorable", "figure_respondents"])
    respondents = with_districts(school_respondents, keys, ["respondents"])

    population = of_year(input_frame(inputs, "validated_survey_population",
                                     ["school_year", "cds", "respondent_group", "invited"]), school_year)
    invitations = (population.groupby(["cds", "respondent_group"], sort=False, dropna=False)["invited"]
                   .sum().reset_index())
    lea_inv = (invitations.assign(cds=district_of(invitations["cds"]))
               .groupby(["cds", "respondent_group"], sort=False, dropna=False)["invited"].sum().reset_index())
    pop = pd.concat([invitations.assign(rtype="S"), lea_inv.assign(rtype="D")], ignore_index=True)
    pop = pop[pop["invited"] > 0]

    gkeys = ["rtype", "cds", "respondent_group"]
    groups = pop.merge(respondents, on=gkeys, how="outer")
    groups["respondents"] = groups["respondents"].fillna(0).astype("int64")

    fkeys = ["respondent_group", "level", "domain", "item_id"]
    figures = stats.loc[stats["rtype"] == "D", fkeys].drop_duplicates()
    grid = groups.merge(figures, on="respondent_group").merge(stats, on=[*gkeys, "level", "domain", "item_id"],
                                                                how="left")
    for col in ("answered", "favorable", "figure_respondents"):
        grid[col] = grid[col].fillna(0).astype("int64")

    note = np.select([grid["respondents"] < min_resp, grid["figure_respondents"] < min_resp],
                     ["n_lt_10", "answered_lt_10"], "")
    grid["note"] = pd.Series(note, index=grid.index, dtype=object).replace("", None)
    answered, favorable = grid["answered"], grid["favorable"]
    has = answered > 0
    grid["pct_raw"] = (100.0 * favorable / answered).where(has)
    t = (100_000_000 * favorable[has]) // answered[has]  # percent truncated to 6 decimals
    grid["pct"] = ((t + 50_000) // 100_000 / 10).reindex(grid.index)
    invited = grid["invited"].astype(float)
    invites = invited > 0
    grid["rate_raw"] = (100.0 * grid["respondents"] / invited).where(invites)
    t = (100_000_000 * grid.loc[invites, "respondents"]) // grid.loc[invites, "invited"].astype("int64")
    grid["rate"] = np.minimum((t + 50_000) // 100_000, 1000).div(10).reindex(grid.index)

    suppressed = grid["note"].notna()
    grid["suppressed"] = suppressed.to_numpy(bool)
    grid["percent_favorable"] = grid["pct"].where(~suppressed)
    not_hidden = grid["note"].ne("n_lt_10") | grid["note"].isna()
    out = pd.DataFrame({
        "school_year": school_year, "rtype": grid["rtype"], "cds": grid["cds"],
        "respondent_group": grid["respondent_group"], "level": grid["level"], "domain": grid["domain"],
        "item_id": grid["item_id"],
        "answered": grid["answered"].astype("Int64").where(~suppressed),
        "favorable": grid["favorable"].astype("Int64").where(~suppressed),
        "percent_favorable": grid["percent_favorable"],
        "percent_favorable_unrounded": grid["pct_raw"].where(~suppressed),
        "respondents": grid["respondents"].astype("Int64").where(not_hidden),
        "invited": grid["invited"].astype("Int64"),
        "response_rate": grid["rate"].where(not_hidden),
        "response_rate_unrounded": grid["rate_raw"].where(not_hidden),
        "note": grid["note"], "suppressed": grid["suppressed"],
    })
    district = out.loc[out["rtype"] == "D", ["cds", "respondent_group", "level", "domain", "item_id",
                                              "percent_favorable"]]
    district = district.rename(columns={"cds": "_district", "percent_favorable": "district_percent_favorable"})
    out = out.assign(_district=district_of(out["cds"])).merge(
        district, on=["_district", "respondent_group", "level", "domain", "item_id"], how="left")
    out["item_id"] = out["item_id"].replace("", None)
    out = out.sort_values(["rtype", "cds", "respondent_group", "level", "domain", "item_id"],
                          ascending=[False, True, True, True, True, True], na_position="first", kind="stable")
    return out[CLIMATE_COLUMNS].reset_index(drop=True)
