"""The simulation model's parameters, and the random generators every draw comes from.

The numbers set how outcomes shift with a school's poverty, a student's group and the year, so
that gaps between groups and year-to-year movements look like California's. Tables keyed by
year hold the values of known years; :func:`year_value` carries the nearest one beyond them.
"""
from __future__ import annotations

import zlib

import numpy as np

# --------------------------------------------------------------------------------------------
# Smarter Balanced scale (lowest/highest obtainable score, standard-met cut, spread per grade)
# --------------------------------------------------------------------------------------------
SBAC = {
    # grade: (loss, hoss, cut, sd, state DFS 2022)
    "ELA": {3: (2114, 2623, 2432, 88, -16), 4: (2131, 2663, 2473, 93, -20), 5: (2201, 2701, 2502, 95, -8),
            6: (2210, 2724, 2531, 96, -16), 7: (2258, 2745, 2552, 98, -11), 8: (2288, 2769, 2567, 100, -18),
            11: (2299, 2795, 2583, 110, 8)},
    "MATH": {3: (2189, 2621, 2436, 80, -15), 4: (2204, 2659, 2485, 88, -30), 5: (2219, 2700, 2528, 95, -50),
             6: (2235, 2748, 2552, 105, -55), 7: (2250, 2778, 2567, 112, -58), 8: (2265, 2802, 2586, 118, -68),
             11: (2280, 2862, 2628, 125, -90)},
}
SCORE_YEAR_SHIFT = {"ELA": {2021: -8.0, 2022: 0.0, 2023: -1.4, 2024: -1.0},
                    "MATH": {2021: -10.0, 2022: 0.0, 2023: 2.6, 2024: 4.1}}
LA_SCORE_BONUS = 0.22  # the large district does better than its demographics predict (its high-need network does not)
SCORE_COMP = {"ELA": 0.45, "MATH": 0.36}  # offsets the state-average demographic shift so state DFS lands near CDE's


# --------------------------------------------------------------------------------------------
# Model parameters
# --------------------------------------------------------------------------------------------
ETH_BASE = {  # AA, AI, AS, FI, HI, PI, WH, MR
    "la": np.array([0.08, 0.003, 0.025, 0.015, 0.83, 0.003, 0.03, 0.014]),
    "la_district": np.array([0.075, 0.002, 0.035, 0.018, 0.74, 0.003, 0.10, 0.027]),
    "state": np.array([0.05, 0.005, 0.095, 0.024, 0.56, 0.004, 0.21, 0.052]),
}
SED_ETH = np.array([0.2, 0.0, -0.7, -0.5, 0.35, 0.1, -1.0, -0.5])
EVER_EL_ETH = np.array([0.03, 0.05, 0.42, 0.22, 0.5, 0.18, 0.05, 0.05])
AB_G, AB_S = 0.97, 0.243  # ability = AB_G * general + AB_S * subject-specific (unit variance)
VAR_AB, VAR_E = 0.64, 0.2  # score variance from persistent ability and from the test occasion
STILL_EL = np.array([1.0, 1.0, 0.92, 0.85, 0.75, 0.62, 0.52, 0.45, 0.4, 0.37, 0.35, 0.33, 0.3, 0.28])  # by grade+1
SCORE_ETH = {"ELA": np.array([-0.55, -0.35, 0.7, 0.35, -0.15, -0.25, 0.25, 0.2]),
             "MATH": np.array([-0.6, -0.35, 1.0, 0.35, -0.15, -0.3, 0.25, 0.2])}
GRAD_ETH = np.array([-0.5, -0.5, 0.6, 0.5, -0.1, -0.2, 0.1, 0.0])
ABS_ETH = np.array([0.3, 0.35, -0.45, -0.3, 0.1, 0.4, -0.1, 0.0])
ABS_GRADE = np.array([0.35, 0.25, 0.0, -0.05, -0.05, -0.05, 0.0, 0.1, 0.1, 0.15, 0.2, 0.25, 0.35, 0.5])
ABS_YEAR = {2021: -3.8, 2022: -2.9, 2023: -3.07, 2024: -3.19, 2025: -3.27}
SUSP_ETH = np.array([1.15, 0.8, -1.0, -0.6, 0.1, 0.5, -0.05, 0.15])
SUSP_GRADE = np.array([-2.5, -2.0, -1.6, -1.4, -1.2, -1.0, -0.8, 0.1, 0.35, 0.4, 0.35, 0.2, 0.0, -0.3])
SUSP_YEAR = {2021: -6.5, 2022: -4.0, 2023: -3.86, 2024: -3.93, 2025: -3.95}
GRAD_YEAR = {2021: 0.0, 2022: 0.18, 2023: 0.1, 2024: 0.1, 2025: 0.13}
ELPI_YEAR = {2021: -0.3, 2022: -0.08, 2023: -0.15, 2024: -0.28, 2025: -0.25}
TK_SHARE = {2021: 0.45, 2022: 0.55, 2023: 0.7, 2024: 0.85}  # of a K class, as universal TK rolls out
GRADE_WEIGHT = np.array([1.0, 1.0] + [1.0] * 8 + [1.08, 1.03, 0.98, 0.93])


def year_value(table: dict[int, float], year: int) -> float:
    """The table's value for the year; before or after the years it holds, its first or last value."""
    if year in table:
        return table[year]
    return table[min(table)] if year < min(table) else table[max(table)]


# --------------------------------------------------------------------------------------------
# Random draws and link functions
# --------------------------------------------------------------------------------------------
def keyed_rng(seed: int, *keys: object) -> np.random.Generator:
    """A generator keyed by the seed and a purpose, stable across runs and Python versions."""
    words = [int(seed) % (2 ** 63)] + [zlib.crc32(str(k).encode("utf-8")) for k in keys]
    return np.random.default_rng(np.random.SeedSequence(words))


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))

