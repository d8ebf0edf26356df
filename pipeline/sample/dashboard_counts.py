"""Dashboard counts per school, district and state and student group, from the year's student records.

What CDE counts for each indicator: chronic absenteeism (grades K-8, at least 31 days at the
school; at district and state level one record per student with days summed over schools),
suspension (unduplicated suspended students over cumulative enrollment), graduation (four- and
five-year graduates of the cohort), ELA and math (distance from standard with the
participation-rate adjustment) and ELPI (progress categories of English learners). When only
part of a district is generated (``tiny`` and ``demo``), the district row is synthetic; the
state row is synthetic except at ``state`` scale, where it is the aggregate
(:mod:`pipeline.sample.synthetic`).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.sample.codes import (
    ACAD_GROUPS, DASHBOARD_INDICATORS, ELPI_GROUPS, RATE_GROUPS, STATE_CDS, group_masks,
)
from pipeline.config import CONFIG_DIR
from pipeline.participation import load_participation_rule, students_added
from pipeline.sample.outcomes import YearData, academic_attrs, group_attrs
from pipeline.sample.scales import ScaleSpec
from pipeline.sample.synthetic import synthetic_rows
from pipeline.sample.world import World
from pipeline.state_tables import load_codes

LANGUAGE = {"ELO", "RFP", "EO"}  # the academic files' language groups (config/state_codes.yaml)
_CELLS = 1024  # eth(8) x language status(4) x ltel x sed x swd x foster x homeless


def _cell_code(a: dict[str, np.ndarray]) -> np.ndarray:
    return (a["eth"].astype(np.int64) * 128 + a["lang"].astype(np.int64) * 32 + a["ltel"] * 16 + a["sed"] * 8
            + a["swd"] * 4 + a["foster"] * 2 + a["homeless"])


def _cell_groups(groups: list[str], academic: bool = False) -> np.ndarray:
    """(cells, groups) 0/1 matrix: which student groups each attribute cell belongs to."""
    c = np.arange(_CELLS)
    cells = dict(eth=c // 128, lang=(c // 32) % 4, ltel=(c // 16) % 2 == 1, sed=(c // 8) % 2 == 1,
                 swd=(c // 4) % 2 == 1, foster=(c // 2) % 2 == 1, homeless=c % 2 == 1)
    cols = [np.ones(_CELLS) if m is None else m.astype(float) for _code, m in group_masks(cells, groups, academic)]
    return np.stack(cols, axis=1)


def _agg(ent: np.ndarray, n_ent: int, attrs: dict[str, np.ndarray], groups: list[str],
         metrics: dict[str, np.ndarray], present: str, academic: bool = False) -> pd.DataFrame:
    """Sum metrics by entity and student group; keep (entity, group) pairs whose `present` > 0.

    Records are first counted per (entity, attribute cell), then cells are summed into groups
    with one matrix product, so the cost is a few bincounts whatever the number of groups.
    """
    key = np.asarray(ent, dtype=np.int64) * _CELLS + _cell_code(attrs)
    gm = _cell_groups(groups, academic)
    cols = {}
    for k, v in metrics.items():
        tab = np.bincount(key, weights=np.asarray(v, dtype=np.float64), minlength=n_ent * _CELLS)
        cols[k] = np.rint(tab.reshape(n_ent, _CELLS) @ gm).astype(np.int64).ravel()
    f = pd.DataFrame(cols)
    f["entity"] = np.repeat(np.arange(n_ent), len(groups))
    f["studentgroup"] = np.tile(np.array(groups, dtype=object), n_ent)
    return f[f[present].to_numpy() > 0].reset_index(drop=True)


def _entities(w: World, per_school: pd.DataFrame | None, per_district: pd.DataFrame | None,
              state: pd.DataFrame | None) -> pd.DataFrame:
    parts = []
    if per_school is not None:
        f = per_school.copy()
        f["cds"] = w.schools["cds"].to_numpy()[f["entity"]]
        f["rtype"] = "S"
        parts.append(f)
    if per_district is not None:
        f = per_district.copy()
        f["cds"] = (w.districts["county_code"] + w.districts["code"] + "0000000").to_numpy()[f["entity"]]
        f["rtype"] = "D"
        parts.append(f)
    if state is not None:
        f = state.copy()
        f["cds"] = STATE_CDS
        f["rtype"] = "X"
        parts.append(f)
    return pd.concat(parts, ignore_index=True).drop(columns=["entity"])


def aggregate(yd: YearData, w: World, spec: ScaleSpec, seed: int,
              config_dir: str | Path = CONFIG_DIR) -> dict[str, pd.DataFrame]:
    """Per indicator: a long table (cds, rtype, studentgroup, metrics...) for this year. ELA and math
    follow ``config/state_codes.yaml`` (``reclassified_years``) and ``config/participation_rule.csv``,
    as the preview does."""
    p = yd.pop
    n_s, n_d = w.n, len(w.districts)
    dist_of = w.schools["district"].to_numpy()
    real_d = not spec.partial_district
    real_x = spec.profile == "state"
    out: dict[str, pd.DataFrame] = {}
    # LTEL rows are published from the 2024 Dashboard on, with prior-year numbers: aggregate it always
    groups, acad_groups, elpi_groups = RATE_GROUPS, ACAD_GROUPS, ELPI_GROUPS
    n = len(p["ssid"])
    all_idx = np.arange(n)

    # chronic absenteeism: K-8 (TK counts as kindergarten), at least 31 days at the school
    sec = yd.sec
    rec_idx = np.concatenate([all_idx, sec["idx"]])
    rec_school = np.concatenate([p["school"], sec["school"]])
    rec_days = np.concatenate([yd.exit - yd.entry, sec["days"]])
    rec_abs = np.concatenate([yd.absent, sec["absent"]])
    elig = (p["grade"][rec_idx] <= 8) & (rec_days >= 31)
    chronic = elig & (10 * rec_abs >= rec_days)
    a = group_attrs(p, rec_idx)
    s_tab = _agg(rec_school, n_s, a, groups, {"numer": chronic, "denom": elig}, "denom")
    # district and state: one record per student, days summed over the student's schools
    tot_days = (yd.exit - yd.entry).copy()
    tot_abs = yd.absent.copy()
    np.add.at(tot_days, sec["idx"], sec["days"])
    np.add.at(tot_abs, sec["idx"], sec["absent"])
    st_elig = (p["grade"] <= 8) & (tot_days >= 31)
    st_chronic = st_elig & (10 * tot_abs >= tot_days)
    a_st = group_attrs(p, all_idx)
    st_metrics = {"numer": st_chronic, "denom": st_elig}
    d_tab = _agg(dist_of[p["school"]], n_d, a_st, groups, st_metrics, "denom") if real_d else None
    x_tab = _agg(np.zeros(n, np.int64), 1, a_st, groups, st_metrics, "denom") if real_x else None
    out["chronic"] = _entities(w, s_tab, d_tab, x_tab)

    # suspension: unduplicated suspended students / cumulative enrollment
    rec_susp = np.concatenate([yd.suspended, np.zeros(len(sec["idx"]), bool)])
    s_tab = _agg(rec_school, n_s, a, groups, {"numer": rec_susp, "denom": np.ones(len(rec_idx), bool)}, "denom")
    st_metrics = {"numer": yd.suspended, "denom": np.ones(n, bool)}
    d_tab = _agg(dist_of[p["school"]], n_d, a_st, groups, st_metrics, "denom") if real_d else None
    x_tab = _agg(np.zeros(n, np.int64), 1, a_st, groups, st_metrics, "denom") if real_x else None
    out["susp"] = _entities(w, s_tab, d_tab, x_tab)

    # graduation: combined four- and five-year rate
    gd = yd.grad
    metrics = {"numer": gd["grad"], "denom": np.ones(len(gd["grad"]), bool), "fiveyrnumer": gd["five"]}
    s_tab = _agg(gd["school"], n_s, gd, groups, metrics, "denom")
    d_tab = _agg(dist_of[gd["school"]], n_d, gd, groups, metrics, "denom") if real_d else None
    x_tab = _agg(np.zeros(len(gd["grad"]), np.int64), 1, gd, groups, metrics, "denom") if real_x else None
    out["grad"] = _entities(w, s_tab, d_tab, x_tab)

    # ELA and math: distance from standard, with the participation-rate adjustment
    t = yd.tested
    ti = t["idx"]
    codes = load_codes(config_dir)
    a_t = academic_attrs(p, ti, yd.spring, codes.reclassified_years)
    # ELO, RFP and EO rows are published until language_groups_until (the real 2024 files have none)
    acad_published = [g for g in acad_groups if yd.spring <= codes.language_groups_until or g not in LANGUAGE]
    rule = load_participation_rule(config_dir)
    for subj in ("ELA", "MATH"):
        blank, caa = t[f"{subj}_blank"], t[f"{subj}_caa"]
        sba = ~blank & ~caa
        diff = np.where(sba, t[f"{subj}_score"] - t[f"{subj}_cut"], 0)
        nottested = blank & ~caa
        metrics = {"enrolled": np.ones(len(ti), bool), "tested": ~nottested, "n": sba, "sum": diff, "nt": nottested}
        school_t = p["school"][ti]
        s_tab = _agg(school_t, n_s, a_t, acad_published, metrics, "enrolled", True)
        d_tab = _agg(dist_of[school_t], n_d, a_t, acad_published, metrics, "enrolled", True) if real_d else None
        x_tab = _agg(np.zeros(len(ti), np.int64), 1, a_t, acad_published, metrics, "enrolled", True) if real_x else None
        year_rule = rule[(rule["subject"] == subj) & (rule["dashboard_year"] == yd.spring)]
        out[subj.lower()] = _acad_finish(_entities(w, s_tab, d_tab, x_tab),
                                         None if year_rule.empty else year_rule.iloc[0])

    # ELPI
    e = yd.elpi
    ei = e["idx"]
    a_e = group_attrs(p, ei)
    metrics = {f"c{k}": e["cat"] == k for k in range(7)}
    metrics["denom"] = np.ones(len(ei), bool)
    school_e = p["school"][ei]
    s_tab = _agg(school_e, n_s, a_e, elpi_groups, metrics, "denom")
    d_tab = _agg(dist_of[school_e], n_d, a_e, elpi_groups, metrics, "denom") if real_d else None
    x_tab = _agg(np.zeros(len(ei), np.int64), 1, a_e, elpi_groups, metrics, "denom") if real_x else None
    out["elpi"] = _elpi_finish(_entities(w, s_tab, d_tab, x_tab))

    # synthetic district / state rows
    for ind in DASHBOARD_INDICATORS:
        extra = []
        gl = {"ela": acad_published, "math": acad_published, "elpi": elpi_groups}.get(ind, groups)
        if not real_d:
            for j in range(n_d):
                cds = w.districts["county_code"][j] + w.districts["code"][j] + "0000000"
                extra.append(synthetic_rows(ind, yd.spring, "la_district", gl, seed, cds, "D"))
        if not real_x:
            extra.append(synthetic_rows(ind, yd.spring, "state", gl, seed, STATE_CDS, "X"))
        if extra:
            out[ind] = pd.concat([out[ind], *extra], ignore_index=True)
    return out


def _acad_finish(f: pd.DataFrame, rule: pd.Series | None) -> pd.DataFrame:
    """CDE's participation rule as measured on the real files (:mod:`pipeline.participation`): the
    students missing to reach the target share of those enrolled count at the year's one imputed
    distance. A year without a measured rule adds no one."""
    if rule is None:
        prloss = np.zeros(len(f), np.int64)
    else:
        prloss = students_added(f["enrolled"].to_numpy(), f["tested"].to_numpy(), int(rule["target_per_mille"]))
    pen = prloss * (0 if rule is None else int(rule["imputed_distance"]))
    f["prloss"] = prloss
    f["denom"] = f["n"] + prloss
    f["sumadj"] = f["sum"] + pen
    return f


def _elpi_finish(f: pd.DataFrame) -> pd.DataFrame:
    f["numer"] = f["c0"] + f["c1"] + f["c4"] + f["c5"]
    return f
