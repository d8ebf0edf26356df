"""CDE's rules the Dashboard files follow: cut scores, colour grid and CDE's rounding.

All rounding is integer arithmetic (half away from zero), never float ``round``.
"""
from __future__ import annotations

import numpy as np

# --------------------------------------------------------------------------------------------
# Dashboard rules (see /work/shared/reference/ca-dashboard.md and config/cut_scores.csv)
# Cut points are upper-inclusive band edges in tenths, low values first; `better` says which end
# is level 5.
# --------------------------------------------------------------------------------------------
CUTS = {
    "chronic": {"status": (25, 50, 100, 200), "change": (-30, -5, 4, 30), "better": "low"},
    "susp": {"status": (5, 15, 60, 100), "change": (-20, -3, 2, 30), "better": "low"},
    "grad": {"status": (679, 799, 904, 949), "change": (-51, -10, 9, 49), "better": "high"},
    "elpi": {"status": (349, 449, 549, 649), "change": (-101, -20, 19, 99), "better": "high"},
    "ela": {"status": (-701, -51, 99, 449), "status_hs": (-451, -1, 299, 749), "change": (-151, -30, 29, 149),
            "better": "high"},
    "math": {"status": (-951, -251, -1, 349), "status_hs": (-1151, -601, -1, 249), "change": (-151, -30, 29, 149),
             "better": "high"},
}
# colour by [status level][change level]; 1 Red, 2 Orange, 3 Yellow, 4 Green, 5 Blue
COLOR_GRID = np.array([
    [0, 0, 0, 0, 0, 0],
    [0, 1, 1, 1, 2, 3],
    [0, 1, 2, 2, 3, 3],
    [0, 2, 2, 3, 4, 4],
    [0, 2, 3, 4, 4, 5],
    [0, 3, 4, 5, 5, 5],
], dtype=np.int64)


def half_up_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """round(num / den) with ties away from zero, in exact integer arithmetic (den > 0)."""
    num = np.asarray(num, dtype=np.int64)
    den = np.asarray(den, dtype=np.int64)
    q = (2 * np.abs(num) + den) // (2 * den)
    return np.sign(num) * q


def levels(tenths: np.ndarray, cuts: tuple[int, ...], better: str) -> np.ndarray:
    band = np.searchsorted(np.array(cuts), tenths, side="left")  # 0..4, low values first
    return (5 - band) if better == "low" else (band + 1)
