"""One school year's records of the population: enrolment spells, absences, suspensions, tests, ELPI, graduation.

Outcomes shift with school poverty, SED, disability, foster and homeless status, English-learner
status (through lower English ability) and ethnicity, so gaps between groups look like
California's. Some students leave or transfer within the district during the year and so have a
second, earlier record at the school they left.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.config import school_year_of
from pipeline.sample.codes import CENSUS_DAY, DAYS, EL, IFEP, RFP, TEST_DAY, TESTED_GRADES
from pipeline.sample.parameters import (
    AB_G, AB_S, ABS_ETH, ABS_GRADE, ABS_YEAR, ELPI_YEAR, GRAD_ETH, GRAD_YEAR, SBAC, SCORE_COMP, SCORE_ETH,
    SCORE_YEAR_SHIFT, SUSP_ETH, SUSP_GRADE, SUSP_YEAR, VAR_AB, VAR_E, keyed_rng, sigmoid, year_value,
)
from pipeline.sample.population import Simulator


@dataclass
class YearData:
    """Everything generated about one school year: the exports and Dashboard counts are read from it."""

    spring: int
    label: str
    pop: dict[str, np.ndarray]  # one entry per student: the student's end-of-year (primary) record
    entry: np.ndarray
    exit: np.ndarray
    absent: np.ndarray
    sec: dict[str, np.ndarray]  # secondary records (mid-year transfer: the school left), index into pop
    suspended: np.ndarray
    tested: dict[str, np.ndarray]  # assessment rows (per student arrays, index into pop)
    elpi: dict[str, np.ndarray]
    grad: dict[str, np.ndarray]


def year_records(sim: Simulator, spring: int, prev_grad: dict[str, np.ndarray] | None) -> YearData:
    """The year's records of the simulated population; ``prev_grad`` (last year's cohort) adds five-year graduates."""
    w = sim.w
    s = w.schools
    p = sim.pop
    n = len(p["ssid"])
    r = keyed_rng(sim.seed, "records", spring)
    grade = p["grade"]
    school = p["school"]
    # end-of-year leavers (decided now so some can leave mid-year)
    leave = r.random(n) < (0.06 + 0.05 * p["homeless"] + 0.05 * p["foster"])
    midyear_leave = leave & (r.random(n) < 0.35) & (grade < 12)
    p["leave"] = leave
    entry = np.where(r.random(n) < 0.72, 0, r.integers(1, 11, n))
    late = p["new"] & ~p["entry_grade"] & (r.random(n) < 0.3)
    entry = np.where(late, r.integers(15, 175, n), entry)
    exit_ = np.where(midyear_leave, r.integers(8, 176, n), DAYS)
    exit_ = np.maximum(exit_, np.minimum(entry + r.integers(3, 40, n), DAYS))
    entry = np.minimum(entry, exit_ - 1)
    # mid-year transfers within the district: an earlier record at another school
    cand = ~p["new"] & ~midyear_leave & (r.random(n) < 0.025)
    ci = np.nonzero(cand)[0]
    other = sim.picker.pick(sim.dist[school[ci]], grade[ci], r.random(len(ci)))
    okt = (other >= 0) & (other != school[ci])
    ci, other = ci[okt], other[okt]
    sec_exit = r.integers(15, 150, len(ci))
    entry[ci] = np.minimum(sec_exit + r.integers(0, 6, len(ci)), DAYS - 5)
    days = exit_ - entry
    # absences
    yr = year_value(ABS_YEAR, spring)
    ab = AB_G * p["g"]
    lin = (yr + s["abs_eff"].to_numpy()[school] + p["abs_lat"] + 0.22 * p["sed"] + 0.25 * p["swd"] + 0.35 * p["homeless"]
           + 0.35 * p["foster"] + ABS_GRADE[grade + 1] + ABS_ETH[p["eth"]] - 0.12 * ab)
    prob = sigmoid(lin + r.normal(0, 0.25, n))
    absent = r.binomial(days, prob)
    sec_days = sec_exit
    sec_abs = r.binomial(sec_days, prob[ci])
    sec = dict(idx=ci, school=other, days=sec_days, absent=sec_abs)
    # suspension (at the end-of-year school)
    lin = (year_value(SUSP_YEAR, spring) + s["susp_eff"].to_numpy()[school] + SUSP_GRADE[grade + 1] + SUSP_ETH[p["eth"]]
           + 0.45 * p["sed"] + 0.55 * p["swd"] + 1.2 * p["foster"] + 0.5 * p["homeless"] + 0.35 * p["abs_lat"]
           + p["susp_lat"])
    suspended = r.random(n) < sigmoid(lin) * (days / DAYS)
    # assessment
    present = (entry <= TEST_DAY + 10) & (exit_ > TEST_DAY)
    tested_idx = np.nonzero(present & np.isin(grade, TESTED_GRADES))[0]
    nt = len(tested_idx)
    mu = (s["score_eff"].to_numpy()[school[tested_idx]] - 0.35 * p["sed"][tested_idx]
          - 0.25 * p["foster"][tested_idx] - 0.1 * p["homeless"][tested_idx])
    u_miss = r.random(nt)
    tested: dict[str, np.ndarray] = {"idx": tested_idx}
    for subj, spec_key, miss in (("ELA", "s_ela", (u_miss < 0.010) | ((u_miss >= 0.990) & (u_miss < 0.995))),
                                 ("MATH", "s_math", (u_miss < 0.010) | (u_miss >= 0.995))):
        tab = SBAC[subj]
        gi = grade[tested_idx]
        loss = np.zeros(nt)
        hoss = np.zeros(nt)
        cut = np.zeros(nt)
        sd = np.zeros(nt)
        dfs = np.zeros(nt)
        for gr, (lo, hi, c, d, f) in tab.items():
            m = gi == gr
            loss[m], hoss[m], cut[m], sd[m], dfs[m] = lo, hi, c, d, f
        ability = AB_G * p["g"][tested_idx] + AB_S * p[spec_key][tested_idx]
        el_eff = (-0.3 if subj == "ELA" else -0.1) * p["ever_el"][tested_idx]
        z = (mu + el_eff + SCORE_ETH[subj][p["eth"][tested_idx]] + SCORE_COMP[subj] + np.sqrt(VAR_AB) * ability
             + np.sqrt(VAR_E) * r.standard_normal(nt))
        mean = cut + dfs + year_value(SCORE_YEAR_SHIFT[subj], spring)
        score = np.clip(np.floor(mean + sd * z + 0.5), loss, hoss).astype(np.int64)
        caa = p["caa"][tested_idx]
        tested[f"{subj}_score"] = score
        tested[f"{subj}_blank"] = miss | caa
        tested[f"{subj}_caa"] = caa
        tested[f"{subj}_cut"] = cut.astype(np.int64)
        tested[f"{subj}_loss"] = loss.astype(np.int64)
    # ELPI: ELs with a prior ELPAC, present in spring
    ei = np.nonzero(present & (p["lang"] == EL) & p["prior_elpac"] & (grade >= 1))[0]
    ne = len(ei)
    ab_e = AB_G * p["g"][ei] + AB_S * p["s_ela"][ei]
    ltel = is_ltel(p)[ei]
    p_prog = sigmoid(-0.15 + year_value(ELPI_YEAR, spring) + 0.55 * (ab_e + 0.6) + 0.25 * (grade[ei] <= 5) + 0.25 * ltel
                      + s["elpi_eff"].to_numpy()[school[ei]])
    p_decl = sigmoid(-1.45 - 0.45 * (ab_e + 0.6))
    u = r.random(ne)
    cat = np.where(u < p_prog, 0, np.where(u < p_prog + 0.03, 1, np.where(u < p_prog + 0.03 + p_decl, 3, 2)))
    alt = p["caa"][ei]
    ua = r.random(ne)
    cat = np.where(alt, np.where(ua < 0.4, 4, np.where(ua < 0.5, 5, 6)), cat)
    elpi = dict(idx=ei, cat=cat)
    # graduation: grade-12 students present at year end, plus dropouts of the cohort
    g12 = np.nonzero((grade == 12) & (exit_ == DAYS))[0]
    ab12 = AB_G * p["g"][g12] + 0.5 * AB_S * (p["s_ela"][g12] + p["s_math"][g12])
    lin = (year_value(GRAD_YEAR, spring) + 3.05 + GRAD_ETH[p["eth"][g12]] + 0.8 * ab12 - 0.25 * p["sed"][g12]
           - 0.5 * p["swd"][g12] - 0.9 * p["foster"][g12] - 0.6 * p["homeless"][g12] - 0.3 * (p["lang"][g12] == EL)
           + s["grad_eff"].to_numpy()[school[g12]])
    grads = r.random(len(g12)) < sigmoid(lin)
    drop = g12[r.random(len(g12)) < 0.06]
    cohort_idx = np.concatenate([g12, drop])
    graduated = np.concatenate([grads, np.zeros(len(drop), dtype=bool)])
    grad = {"school": school[cohort_idx], "grad": graduated, "five": np.zeros(len(cohort_idx), dtype=bool)}
    grad.update(group_attrs(p, cohort_idx))
    if prev_grad is not None and len(prev_grad["school"]):
        ng = ~prev_grad["grad"] & ~prev_grad["five"]
        five = ng & (r.random(len(ng)) < 0.12)
        f = {k: v[five] for k, v in prev_grad.items()}
        f["grad"] = np.ones(int(five.sum()), dtype=bool)
        f["five"] = np.ones(int(five.sum()), dtype=bool)
        grad = {k: np.concatenate([grad[k], f[k]]) for k in grad}
    return YearData(spring=spring, label=school_year_of(spring), pop=p, entry=entry, exit=exit_, absent=absent,
                    sec=sec, suspended=suspended, tested=tested, elpi=elpi, grad=grad)


def is_ltel(p: dict[str, np.ndarray]) -> np.ndarray:
    """Long-term English learners: still learning English in grade 6 or later."""
    return (p["lang"] == EL) & (p["grade"] >= 6) & (p["ltel_u"] < 0.7)


def group_attrs(p: dict[str, np.ndarray], idx: np.ndarray) -> dict[str, np.ndarray]:
    """Group-membership attributes of records. Socioeconomically disadvantaged is the Dashboard's
    group: meal eligibility or parent education (``sed``), or categorically a homeless or foster
    student (CALPADS Data Guide v11.0 section 3.1.1, confirmed in state-files.md 2.4)."""
    return dict(eth=p["eth"][idx], lang=p["lang"][idx], ltel=is_ltel(p)[idx],
                sed=(p["sed"] | p["homeless"] | p["foster"])[idx], swd=p["swd"][idx],
                foster=p["foster"][idx], homeless=p["homeless"][idx])


def academic_attrs(p: dict[str, np.ndarray], idx: np.ndarray, spring: int, reclassified_years: int) -> dict[str, np.ndarray]:
    """:func:`group_attrs` for ELA and math: a student reclassified before the last
    ``reclassified_years`` school years (the tested one included) is in no language group (as IFEP)."""
    a = group_attrs(p, idx)
    old = (a["lang"] == RFP) & (p["rfep_spring"][idx] <= spring - reclassified_years)
    a["lang"] = np.where(old, IFEP, a["lang"]).astype(a["lang"].dtype)
    return a


def language_statuses(yd: YearData) -> pd.DataFrame:
    """Each student's English language acquisition status (EO, IFEP, EL, RFEP) and, for RFEP, the
    spring of the school year they were reclassified in (0 otherwise)."""
    p = yd.pop
    return pd.DataFrame({"ssid": p["ssid"], "elas": np.array(["EO", "IFEP", "EL", "RFEP"])[p["lang"]],
                         "rfep_spring": p["rfep_spring"]})


def census(yd: YearData) -> tuple[np.ndarray, np.ndarray]:
    """(student index, school) of every record enrolled on census day."""
    p = yd.pop
    on = (yd.entry <= CENSUS_DAY) & (yd.exit > CENSUS_DAY)
    idx = np.nonzero(on)[0]
    sec_on = yd.sec["days"] > CENSUS_DAY
    return (np.concatenate([idx, yd.sec["idx"][sec_on]]),
            np.concatenate([p["school"][idx], yd.sec["school"][sec_on]]))


def elpi_students(yd: YearData, w) -> pd.DataFrame:
    """The students the year's ELPI counts: SSID, the school they are counted at, grade and ELPI
    category (0-3 Summative progressed, maintained level 4, maintained other, declined; 4-6
    Alternate progressed, maintained level 3, neither)."""
    ei = yd.elpi["idx"]
    p = yd.pop
    return pd.DataFrame({"ssid": p["ssid"][ei], "cds": w.schools["cds"].to_numpy()[p["school"][ei]],
                         "grade": p["grade"][ei], "category": yd.elpi["cat"]})
