"""The students, simulated year by year: who enrols where, and the traits each student keeps.

The simulation starts one year before the first requested year (a burn-in year that is not
written, so the first year already has continuing students and prior Dashboard numbers). Each
year students move up a grade, graduate after grade 12, leave, move to a school that serves their
next grade (feeder) or transfer; every school's grades are then filled up to a target enrollment
with new students (most of them in the entry grade). A student keeps one 10-digit SSID for life.

Each student has persistent latent traits: a general ability with ELA- and math-specific parts
(prior-year scores predict current scores, r ~ 0.8, and ELA and math correlate), an absence and a
discipline propensity, and group memberships (ethnicity, SED, disability, foster and homeless
status, English-learner status with reclassification of the stronger students). All vectorised
with numpy: there is no Python loop over students.
"""
from __future__ import annotations

import numpy as np

from pipeline.sample.codes import EL, EO, IFEP, RFP
from pipeline.sample.parameters import (
    AB_G, AB_S, EVER_EL_ETH, GRADE_WEIGHT, SED_ETH, STILL_EL, TK_SHARE, keyed_rng, logit, sigmoid, year_value,
)
from pipeline.sample.world import World

_SSID_P = 8_999_999_993  # a prime below 9e9: ssid = 1e9 + (a*k + b) mod p is a bijection of k


class _Picker:
    """Pick a school in a district that serves a grade, with probability proportional to size."""

    def __init__(self, world: World):
        s = world.schools
        low = s["low"].to_numpy()
        high = s["high"].to_numpy()
        dist = s["district"].to_numpy()
        keys, ids = [], []
        for g in range(-1, 13):
            idx = np.nonzero((low <= g) & (high >= g))[0]
            keys.append(dist[idx] * 14 + g + 1)
            ids.append(idx)
        keys = np.concatenate(keys)
        ids = np.concatenate(ids)
        order = np.lexsort((ids, keys))
        self.keys, self.ids = keys[order], ids[order]
        self.cum = np.cumsum(s["size"].to_numpy()[self.ids])
        nkeys = (int(dist.max()) + 1) * 14
        self.start = np.searchsorted(self.keys, np.arange(nkeys), "left")
        self.end = np.searchsorted(self.keys, np.arange(nkeys), "right")

    def pick(self, district: np.ndarray, grade: np.ndarray, u: np.ndarray) -> np.ndarray:
        if len(district) == 0:
            return np.zeros(0, dtype=np.int64)
        k = district * 14 + grade + 1
        s, e = self.start[k], self.end[k]
        ok = e > s
        s_safe = np.where(ok, s, 0)
        e_safe = np.where(ok, e, 1)
        base = np.where(s_safe > 0, self.cum[np.maximum(s_safe - 1, 0)], 0.0)
        total = self.cum[e_safe - 1] - base
        idx = np.searchsorted(self.cum, base + u * total, side="right")
        idx = np.clip(idx, s_safe, e_safe - 1)
        return np.where(ok, self.ids[idx], -1)


def _subset(p: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[mask] for k, v in p.items()}


def _concat(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    if not a:
        return b
    return {k: np.concatenate([a[k], b[k]]) for k in a}


class Simulator:
    """The population of one world, advanced one school year at a time."""

    def __init__(self, world: World, seed: int):
        self.w = world
        self.seed = seed
        s = world.schools
        self.low = s["low"].to_numpy()
        self.high = s["high"].to_numpy()
        self.dist = s["district"].to_numpy()
        self.picker = _Picker(world)
        eth_p = np.diff(world.eth_cum, prepend=0.0, axis=1)
        self.sed_shift = eth_p @ SED_ETH  # so that a school's SED share is close to its poverty rate
        r = keyed_rng(seed, "ssid")
        self.ssid_a = int(r.integers(1_000_000, _SSID_P - 1))
        self.ssid_b = int(r.integers(0, _SSID_P))
        self.counter = 0
        self.pop: dict[str, np.ndarray] = {}
        self.first_year: int | None = None

    # ---- targets
    def _targets(self, spring: int) -> np.ndarray:
        s = self.w.schools
        r = keyed_rng(self.seed, "targets", spring)
        n = self.w.n
        w = np.tile(GRADE_WEIGHT, (n, 1))
        w[:, 0] = year_value(TK_SHARE, spring)
        g = np.arange(-1, 13)
        served = (g[None, :] >= self.low[:, None]) & (g[None, :] <= self.high[:, None])
        w = np.where(served, w, 0.0)
        # size is the 2023-24 target; about 1.5 % a year fewer students later (and more earlier)
        trend = 0.985 ** (spring - 2024)
        ref = np.where(served, np.tile(GRADE_WEIGHT, (n, 1)), 0.0)
        ref[:, 0] = np.where(served[:, 0], TK_SHARE[2024], 0.0)
        per = s["size"].to_numpy() / ref.sum(axis=1)
        noise = np.exp(r.normal(0, 0.03, (n, 14)))
        return np.floor(per[:, None] * w * trend * noise + 0.5).astype(np.int64)

    # ---- new students
    def _new(self, school: np.ndarray, grade: np.ndarray, r: np.random.Generator, initial: bool,
             spring: int) -> dict[str, np.ndarray]:
        n = len(school)
        s = self.w.schools
        k = np.arange(self.counter, self.counter + n, dtype=np.int64)
        self.counter += n
        ssid = 1_000_000_000 + (self.ssid_a * k + self.ssid_b) % _SSID_P
        eth = (r.random(n)[:, None] > self.w.eth_cum[school]).sum(axis=1).clip(0, 7).astype(np.int8)
        pov = s["poverty"].to_numpy()[school]
        sed = r.random(n) < sigmoid(logit(pov) + SED_ETH[eth] - self.sed_shift[school])
        g = r.standard_normal(n).astype(np.float32)
        s_ela = r.standard_normal(n).astype(np.float32)
        s_math = r.standard_normal(n).astype(np.float32)
        swd = r.random(n) < (0.10 + 0.02 * sed)
        g = g - 1.5 * swd
        ever_el = r.random(n) < np.clip(EVER_EL_ETH[eth] * s["el_factor"].to_numpy()[school], 0, 0.95)
        g = g - 0.25 * ever_el
        ela_ab = AB_G * g + AB_S * s_ela - 0.5 * ever_el
        still = r.random(n) < sigmoid(logit(STILL_EL[grade + 1]) - 1.1 * ela_ab)
        lang = np.where(ever_el, np.where(still | (grade <= 0), EL, RFP),
                        np.where(r.random(n) < 0.07, IFEP, EO)).astype(np.int8)
        hom = r.random(n) < np.clip(s["hom_rate"].to_numpy()[school] * np.where(sed, 1.1, 0.3), 0, 0.5)
        # a student who arrives reclassified was reclassified in one of the school years from grade 1 on
        # (drawn from the SSID, so the other draws stay as they were)
        ago = (ssid * 40503 % 65521) % np.maximum(grade, 1)
        return dict(
            ssid=ssid, school=school.astype(np.int64), grade=grade.astype(np.int64), eth=eth, sed=sed,
            ever_el=ever_el, lang=lang, rfep_spring=np.where(lang == RFP, spring - ago, 0).astype(np.int64),
            ltel_u=r.random(n).astype(np.float32), swd=swd,
            caa=swd & (r.random(n) < 0.08), foster=r.random(n) < (0.004 + 0.008 * sed), homeless=hom,
            g=g, s_ela=s_ela, s_math=s_math, abs_lat=r.normal(0, 0.75, n).astype(np.float32),
            susp_lat=r.normal(0, 0.8, n).astype(np.float32),
            prior_elpac=(lang == EL) & (grade >= 1) & (r.random(n) < (0.95 if initial else 0.6)),
            new=np.full(n, not initial), entry_grade=(grade == self.low[school]) | (grade == 0),
        )

    # ---- one year
    def advance(self, spring: int) -> dict[str, np.ndarray]:
        r = keyed_rng(self.seed, "population", spring)
        p = self.pop
        initial = not p
        if not initial:
            keep = ~p["leave"] & (p["grade"] < 12)
            p = _subset(p, keep)
            was_el = p["lang"] == EL
            p.pop("leave")
            p["grade"] = p["grade"] + 1
            n = len(p["grade"])
            # move on to the next school when the grade is past the school's span, or change school
            past = p["grade"] > self.high[p["school"]]
            change = ~past & (r.random(n) < 0.03)
            move = past | change
            dest = self.picker.pick(self.dist[p["school"][move]], p["grade"][move], r.random(int(move.sum())))
            gone = (dest < 0) | (r.random(len(dest)) < np.where(past[move], 0.10, 0.0))
            new_school = p["school"].copy()
            new_school[move] = np.where(gone, -1, dest)
            p["school"] = new_school
            p = _subset(p, new_school >= 0)
            was_el = was_el[new_school >= 0]
            n = len(p["grade"])
            # status changes
            ela_ab = AB_G * p["g"] + AB_S * p["s_ela"]
            recl = was_el & (p["grade"] >= 2) & (r.random(n) < sigmoid(-1.9 + 1.3 * ela_ab + 0.1 * (p["grade"] - 3)))
            p["lang"] = np.where(recl, RFP, p["lang"]).astype(np.int8)
            p["rfep_spring"] = np.where(recl, spring, p["rfep_spring"])
            p["prior_elpac"] = was_el
            s = self.w.schools
            pov = s["poverty"].to_numpy()[p["school"]]
            redraw = r.random(n) < 0.08
            p_sed = sigmoid(logit(pov) + SED_ETH[p["eth"]] - self.sed_shift[p["school"]])
            p["sed"] = np.where(redraw, r.random(n) < p_sed, p["sed"])
            hom_p = np.clip(s["hom_rate"].to_numpy()[p["school"]] * np.where(p["sed"], 1.1, 0.3), 0, 0.5)
            p["homeless"] = np.where(r.random(n) < 0.5, p["homeless"], r.random(n) < hom_p)
            p["foster"] = np.where(r.random(n) < 0.75, p["foster"], r.random(n) < (0.004 + 0.008 * p["sed"]))
            p["swd"] = np.where(p["swd"], p["caa"] | (r.random(n) > 0.03), r.random(n) < 0.012)
            drift = 0.15
            p["g"] = (p["g"] * np.sqrt(1 - drift ** 2) + drift * r.standard_normal(n)).astype(np.float32)
            p["new"] = np.zeros(n, dtype=bool)
            p["entry_grade"] = np.zeros(n, dtype=bool)
        # capacity: trim over-full grades, fill the rest with new students
        t = self._targets(spring).ravel()
        nslots = len(t)
        if p:
            key = p["school"] * 14 + p["grade"] + 1
            order = np.lexsort((r.random(len(key)), key))
            ks = key[order]
            start = np.searchsorted(ks, np.arange(nslots), "left")
            rank = np.arange(len(ks)) - start[ks]
            keep = np.ones(len(key), dtype=bool)
            keep[order[rank >= t[ks]]] = False
            p = _subset(p, keep)
            counts = np.bincount(p["school"] * 14 + p["grade"] + 1, minlength=nslots)
        else:
            counts = np.zeros(nslots, dtype=np.int64)
        deficit = np.maximum(t - counts, 0)
        slots = np.repeat(np.arange(nslots), deficit)
        new = self._new(slots // 14, slots % 14 - 1, r, initial, spring)
        p = _concat(p, new)
        order = np.lexsort((p["ssid"], p["grade"], p["school"]))
        self.pop = _subset(p, order)
        if self.first_year is None:
            self.first_year = spring
        return self.pop
