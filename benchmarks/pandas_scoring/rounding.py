"""DuckDB's rounding, reproduced in NumPy, so that the baseline's rounded figures equal the SQL's exactly."""
from __future__ import annotations

import numpy as np
import pandas as pd


def round_half_away(v: np.ndarray) -> np.ndarray:
    """C's round(): to the nearest integer, halves away from zero (exact for doubles)."""
    r = np.trunc(v)
    return r + np.sign(v) * (np.abs(v - r) >= 0.5)


def decimal_tenths(x, scale: int) -> np.ndarray:
    """``round(x::DECIMAL(18, scale), 1)`` of DuckDB for doubles ``x``, as doubles (NaN and infinities give NaN).

    DuckDB casts a double to DECIMAL by multiplying with 10^scale in double precision and rounding
    half away from zero; ``round(decimal, 1)`` then rounds the integer half away from zero.
    """
    x = np.asarray(x, dtype=float)
    out = np.full(x.shape, np.nan)
    ok = np.isfinite(x)
    q = round_half_away(x[ok] * 10.0 ** scale).astype(np.int64)
    d = 10 ** (scale - 1)
    out[ok] = np.sign(q) * ((np.abs(q) + d // 2) // d) / 10
    return out


def ratio_tenths(numer: pd.Series, denom: pd.Series, scale: int) -> pd.Series:
    """``scale * numer / denom`` rounded half away from zero to 0.1 in integer arithmetic
    (sign(P) * floor((2|P| + Q) / 2Q) with P = 10 * scale * numer, Q = denom), as a double."""
    ok = (numer.notna() & denom.notna() & denom.gt(0)).fillna(False).astype(bool)
    p = numer[ok].astype("int64").to_numpy()
    q = denom[ok].astype("int64").to_numpy()
    if len(p) and max(20 * scale * np.abs(p.astype(float)).max(), 2 * q.astype(float).max()) > 2 ** 62:
        p, q = p.astype(object), q.astype(object)  # beyond int64 (DuckDB uses HUGEINT): Python integers
    p = 10 * scale * p
    tenths = np.sign(p) * ((2 * np.abs(p) + q) // (2 * q))
    out = pd.Series(np.nan, index=numer.index)
    out[ok] = np.asarray(tenths, dtype=float) / 10
    return out
