"""CDE Dashboard research files: one row per school, district and state and student group, with CDE's rules.

From the counts of :mod:`pipeline.sample.dashboard_counts`: status ``round-half-up(100*numer/denom,
0.1)`` (distance from standard for ELA and math), change from the unrounded current and prior
rates, levels, colour and box by CDE's rules as ``config/`` states them
(:mod:`pipeline.sample.dashboard_rules`: suspension's cut set by the row's ``type``, the
small-denominator rule written to ``smalldenom``, one grid per indicator, the groups CDE never
colours), n-size and ``*`` privacy marks, in CDE's published tab-delimited layout (status-only
until the 2022 Dashboard).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.sample.codes import ACAD_GROUPS, DASHBOARD_INDICATORS, STATE_CDS
from pipeline.sample.dashboard_rules import DashboardRules, half_up_div
from pipeline.sample.world import World
from pipeline.sample.writers import fmt_tenths

LEA_SMALL_GROUPS = {"LTEL", "FOS", "HOM"}
LTEL_FROM = 2024  # first Dashboard year with a long-term English learner group

LEAD_COLS = ["cds", "rtype", "schoolname", "districtname", "countyname", "charter_flag", "coe_flag",
             "dass_flag", "studentgroup"]
_RATE_TAIL = ["currnumer", "currdenom", "currstatus", "priornumer", "priordenom", "priorstatus", "change",
              "statuslevel", "changelevel", "color", "box", "smalldenom", "currnsizemet", "priornsizemet",
              "accountabilitymet"]
_ACAD_TAIL = ["currdenom", "currstatus", "priordenom", "priorstatus", "change", "statuslevel", "changelevel",
              "color", "box", "currnsizemet", "priornsizemet", "accountabilitymet", "hscutpoints",
              "curradjustment", "prioradjustment", "pairshare_method", "notestflag", "currprate_enrolled",
              "currprate_tested", "currprate", "currnumprloss", "currdenom_withoutprloss",
              "currstatus_withoutprloss", "priorprate_enrolled", "priorprate_tested", "priorprate",
              "priornumprloss", "priordenom_withoutprloss", "priorstatus_withoutprloss"]
_ELPI_PARTS = ["progressed", "maintainPL4", "maintainOth", "declined", "progressed_Alternate",
               "maintainPL3_Alternate", "notprognotmain_Alternate", "95"]
_ELPI_TAIL = ([f"curr{p}" for p in _ELPI_PARTS] + ["currnumer", "currdenom", "currstatus"]
              + [f"prior{p}" for p in _ELPI_PARTS] + ["priornumer", "priordenom", "priorstatus"]
              + ["change", "statuslevel", "changelevel", "color", "box", "currnsizemet", "priornsizemet",
                 "accountabilitymet"])
_FULL_COLUMNS = {
    "chronic": LEAD_COLS + _RATE_TAIL + ["indicator", "reportingyear"],
    "susp": LEAD_COLS + [c for t in _RATE_TAIL for c in ((t, "type") if t == "statuslevel" else (t,))]
    + ["indicator", "reportingyear"],
    "grad": LEAD_COLS + _RATE_TAIL + ["fiveyrnumer", "priorfiveyrnumer", "indicator", "reportingyear"],
    "ela": LEAD_COLS + _ACAD_TAIL + ["indicator", "reportingyear"],
    "math": LEAD_COLS + _ACAD_TAIL + ["indicator", "reportingyear"],
    "elpi": LEAD_COLS + _ELPI_TAIL + ["reportingyear"],
}
STATUS_ONLY_UNTIL = 2022  # 2022 Dashboard files are status-only


def dashboard_columns(indicator: str, reporting_year: int) -> list[str]:
    """The header the generator writes for one Dashboard research file."""
    cols = _FULL_COLUMNS[indicator]
    if reporting_year <= STATUS_ONLY_UNTIL:
        drop = {"change", "changelevel", "color", "box"}
        cols = [c for c in cols if not c.startswith("prior") and c not in drop]
    return list(cols)


SUSPENSION_TYPE = {"ES": "ES", "K8": "ES", "MS": "MS", "HS": "HS", "K12": "UD"}  # school type -> CDE's type


def _cut_sets(ind: str) -> tuple[str, ...]:
    if ind == "susp":
        return ("ES", "MS", "HS", "ED", "HD", "UD")
    return ("default", "hs") if ind in ("ela", "math") else ("default",)


def check_rules(rules: DashboardRules, springs: list[int]) -> None:
    """Raise ConfigError before anything is written when a requested year has no rule or cut scores to use."""
    for spring in springs:
        for ind in DASHBOARD_INDICATORS:
            status_only = rules.rule(ind, spring).status_only
            for cut_set in _cut_sets(ind):
                for measure in ("status",) if status_only else ("status", "change"):
                    rules.require_bands(ind, measure, cut_set, spring)


def dashboard_meta(w: World) -> pd.DataFrame:
    """The leading columns of every entity's rows (names, flags), plus its school type and high-school flag."""
    s = w.schools
    d = w.districts
    dist_of = s["district"].to_numpy()
    sch = pd.DataFrame(dict(cds=s["cds"], rtype="S", schoolname=s["school_name"],
                            districtname=d["name"].to_numpy()[dist_of], countyname=d["county_name"].to_numpy()[dist_of],
                            charter_flag=s["charter"], coe_flag="N", dass_flag="N",
                            hs=(s["school_type"] == "HS").map({True: "Y", False: "N"}), stype=s["school_type"],
                            stype_susp=s["school_type"].map(SUSPENSION_TYPE)))
    # a district's suspension type: high school district (only high schools), elementary (none), else unified
    hs_only = pd.Series(s["school_type"].eq("HS").to_numpy()).groupby(dist_of).all().reindex(range(len(d)), fill_value=False)
    no_hs = pd.Series(~s["school_type"].isin(["HS", "K12"]).to_numpy()).groupby(dist_of).all().reindex(
        range(len(d)), fill_value=True)
    dis_type = np.where(hs_only.to_numpy(), "HD", np.where(no_hs.to_numpy(), "ED", "UD"))
    dis = pd.DataFrame(dict(cds=d["county_code"] + d["code"] + "0000000", rtype="D", schoolname="",
                            districtname=d["name"], countyname=d["county_name"], charter_flag="N", coe_flag="N",
                            dass_flag="N", hs="N", stype="", stype_susp=dis_type))
    # the state's row: no suspension type is known (no cut set, no level)
    st = pd.DataFrame([dict(cds=STATE_CDS, rtype="X", schoolname="State of California",
                            districtname="State of California", countyname="", charter_flag="", coe_flag="",
                            dass_flag="", hs="N", stype="", stype_susp="")])
    return pd.concat([st, dis, sch], ignore_index=True)


_SMALLDENOM = ("chronic", "susp", "grad")  # the rate files that carry smalldenom
_APPLIES = {
    "chronic": lambda t: t in ("ES", "MS", "K8", "K12"),
    "grad": lambda t: t in ("HS", "K12"),
}


def dashboard_frame(ind: str, cur: pd.DataFrame, prior: pd.DataFrame | None, meta: pd.DataFrame, spring: int,
                    rules: DashboardRules) -> pd.DataFrame:
    """One indicator's research file for one Dashboard year, from this year's and last year's counts."""
    status_only = spring <= STATUS_ONLY_UNTIL
    acad = ind in ("ela", "math")
    key = ["cds", "studentgroup"]
    f = cur[(cur["studentgroup"] != "LTEL") | (spring >= LTEL_FROM)]
    f = f.merge(meta, on=["cds", "rtype"], how="left")
    if ind in _APPLIES:
        f = f[(f["rtype"] != "S") | f["stype"].map(_APPLIES[ind])]
    if prior is not None:
        pr = prior.drop(columns=["rtype"]).add_prefix("p_")
        pr = pr.rename(columns={"p_cds": "cds", "p_studentgroup": "studentgroup"})
        f = f.merge(pr, on=key, how="left")
    f = f.reset_index(drop=True)
    order = {g: i for i, g in enumerate(ACAD_GROUPS)}
    f["_o"] = f["studentgroup"].map(order)
    f = f.sort_values(["cds", "_o"], kind="stable").reset_index(drop=True)
    m = len(f)
    cd = f["denom"].to_numpy(np.int64)
    has_p = (f["p_denom"].notna().to_numpy() if prior is not None else np.zeros(m, bool))
    pdn = f["p_denom"].fillna(0).to_numpy(np.int64) if prior is not None else np.zeros(m, np.int64)
    cur_ok = cd >= 11
    pri_ok = has_p & (pdn >= 11)
    if acad:
        cs = f["sumadj"].to_numpy(np.int64)
        ps = f["p_sumadj"].fillna(0).to_numpy(np.int64) if prior is not None else np.zeros(m, np.int64)
        cur_t = half_up_div(10 * cs, np.maximum(cd, 1))
        pri_t = half_up_div(10 * ps, np.maximum(pdn, 1))
        chg_t = half_up_div(10 * (cs * pdn - ps * cd), np.maximum(cd * pdn, 1))
    else:
        cn = f["numer"].to_numpy(np.int64)
        pn = f["p_numer"].fillna(0).to_numpy(np.int64) if prior is not None else np.zeros(m, np.int64)
        cur_t = half_up_div(1000 * cn, np.maximum(cd, 1))
        pri_t = half_up_div(1000 * pn, np.maximum(pdn, 1))
        chg_t = half_up_div(1000 * (cn * pdn - pn * cd), np.maximum(cd * pdn, 1))
    has_chg = cur_ok & pri_ok
    hs = (f["hs"] == "Y").to_numpy()

    # the cut set: high schools' ELA and math the grade-11 cut points (hscutpoints), suspension the
    # row's type; the rest the one set
    if acad:
        cut_set = np.where(hs, "hs", "default").astype(object)
    elif ind == "susp":
        stype_susp = f["stype_susp"].fillna("").to_numpy(dtype=object)
        cut_set = np.where(stype_susp == "", None, stype_susp)
    else:
        cut_set = np.full(m, "default", dtype=object)
    rule = rules.rule(ind, spring)
    small = (rule.small_below is not None) & (cd < (rule.small_below or 0)) if ind in _SMALLDENOM else np.zeros(m, bool)
    lea = (f["rtype"] != "S").to_numpy() & f["studentgroup"].isin(LEA_SMALL_GROUPS).to_numpy()
    nmin = np.where(lea, 15, 30)
    cur_n = cd >= nmin
    pri_n = has_p & (pdn >= nmin)
    acc = cur_n & pri_n if not status_only else cur_n
    sl, cl, color, box = rules.assess(ind, spring, cur_t, chg_t, cut_set, (f["rtype"] != "S").to_numpy(), small,
                                      f["studentgroup"].to_numpy(dtype=object), acc)
    sl = np.where(cur_ok, sl, 0)
    cl = np.where(has_chg, cl, 0)
    color = np.where(cur_ok & has_chg, color, 0)
    box = np.where(color > 0, box, 0)
    yn = lambda x: np.where(x, "Y", "N")  # noqa: E731

    def num(v: np.ndarray, ok: np.ndarray, exists: np.ndarray | None = None) -> np.ndarray:
        s = np.where(ok, np.asarray(v, dtype=np.int64).astype(str), "*")
        return s if exists is None else np.where(exists, s, "")

    def stat(t: np.ndarray, ok: np.ndarray, exists: np.ndarray | None = None) -> np.ndarray:
        s = np.where(ok, fmt_tenths(t), "*")
        return s if exists is None else np.where(exists, s, "")

    o = pd.DataFrame({c: f[c] for c in LEAD_COLS})
    o["currdenom"] = cd
    o["priordenom"] = np.where(has_p, pdn.astype(str), "")
    o["currstatus"] = stat(cur_t, cur_ok)
    o["priorstatus"] = stat(pri_t, pri_ok, has_p)
    o["change"] = np.where(has_chg, fmt_tenths(chg_t), "")
    o["statuslevel"] = sl
    o["changelevel"] = cl
    o["color"] = color
    o["box"] = box
    o["currnsizemet"] = yn(cur_n)
    o["priornsizemet"] = yn(pri_n)
    o["accountabilitymet"] = yn(acc)
    o["reportingyear"] = spring
    if acad:
        o["indicator"] = ind.upper()
        o["hscutpoints"] = f["hs"].to_numpy()
        o["curradjustment"] = ""
        o["prioradjustment"] = ""
        o["pairshare_method"] = ""
        o["notestflag"] = yn(f["n"].to_numpy() == 0)
        for pre, src, exists in (("curr", "", np.ones(m, bool)), ("prior", "p_", has_p)):
            enr = f[f"{src}enrolled"].fillna(0).to_numpy(np.int64)
            tst = f[f"{src}tested"].fillna(0).to_numpy(np.int64)
            nn = f[f"{src}n"].fillna(0).to_numpy(np.int64)
            ss = f[f"{src}sum"].fillna(0).to_numpy(np.int64)
            ok = (cd if pre == "curr" else pdn) >= 11
            prate = half_up_div(100 * tst, np.maximum(enr, 1))
            o[f"{pre}prate_enrolled"] = np.where(exists, enr.astype(str), "")
            o[f"{pre}prate_tested"] = np.where(exists, np.where(ok, tst.astype(str), "*"), "")
            o[f"{pre}prate"] = np.where(exists, np.where(ok, prate.astype(str), "*"), "")
            o[f"{pre}numprloss"] = np.where(
                exists, np.where(ok, f[f"{src}prloss"].fillna(0).to_numpy(np.int64).astype(str), "*"), "")
            o[f"{pre}denom_withoutprloss"] = np.where(exists, nn.astype(str), "")
            o[f"{pre}status_withoutprloss"] = np.where(
                exists, np.where(ok & (nn > 0), fmt_tenths(half_up_div(10 * ss, np.maximum(nn, 1))), "*"), "")
    else:
        o["currnumer"] = num(f["numer"].to_numpy(), cur_ok)
        o["priornumer"] = num(f["p_numer"].fillna(0).to_numpy() if prior is not None else np.zeros(m), pri_ok, has_p)
        if ind in _SMALLDENOM:
            o["indicator"] = ind.upper()
            o["smalldenom"] = yn(small)
        if ind == "susp":
            o["type"] = f["stype_susp"].fillna("").to_numpy()
        if ind == "grad":
            o["fiveyrnumer"] = num(f["fiveyrnumer"].to_numpy(), cur_ok)
            o["priorfiveyrnumer"] = num(f["p_fiveyrnumer"].fillna(0).to_numpy() if prior is not None else np.zeros(m),
                                        pri_ok, has_p)
        if ind == "elpi":
            for k, part in enumerate(_ELPI_PARTS[:7]):
                o[f"curr{part}"] = num(f[f"c{k}"].to_numpy(), cur_ok)
                o[f"prior{part}"] = num(f[f"p_c{k}"].fillna(0).to_numpy() if prior is not None else np.zeros(m),
                                        pri_ok, has_p)
            o["curr95"] = 0
            o["prior95"] = np.where(has_p, "0", "")
    return o[dashboard_columns(ind, spring)]
