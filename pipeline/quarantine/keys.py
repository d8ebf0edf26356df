"""Duplicate keys: the first occurrence of a file's key is kept, every later one is quarantined with
the line of the one kept. Both ways: on the values (reference engine) and on codes (fast engine)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.quarantine.encoded import Encoded
from pipeline.readers import LINE


def duplicate_keys(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Later occurrences of a key already seen: the first occurrence is kept."""
    if not key or not set(key) <= set(frame.columns):
        return pd.DataFrame()
    complete = frame[key].notna().all(axis=1)
    sub = frame.loc[complete, key + [LINE]]
    dup = sub.duplicated(key, keep="first")
    if not dup.any():
        return pd.DataFrame()
    first_line = sub.groupby(key, sort=False)[LINE].transform("first")
    rows = sub.index[dup]
    return pd.DataFrame(
        {
            "line": sub.loc[rows, LINE].to_numpy(),
            "column_name": ", ".join(key),
            "check_name": "unique_key",
            "value": "",
            "reason": [f"duplicate key ({', '.join(key)}): same as line {n}, which is kept"
                       for n in first_line.loc[rows]],
        }
    )


def duplicate_keys_encoded(encoded: dict[str, Encoded], key: list[str], lines: np.ndarray) -> pd.DataFrame:
    """:func:`duplicate_keys` on codes: later occurrences of a complete key already seen."""
    if not key or not set(key) <= set(encoded):
        return pd.DataFrame()
    complete = np.ones(len(lines), dtype=bool)
    for c in key:
        complete &= encoded[c].codes != encoded[c].missing
    rows = np.flatnonzero(complete)
    group = pd.Series(_combine([(encoded[c].codes[rows], encoded[c].missing + 1) for c in key]))
    dup = group.duplicated(keep="first").to_numpy()
    if not dup.any():
        return pd.DataFrame()
    first_line = pd.Series(lines[rows]).groupby(group.to_numpy(), sort=False).transform("first").to_numpy()
    return pd.DataFrame(
        {
            "line": lines[rows[dup]],
            "column_name": ", ".join(key),
            "check_name": "unique_key",
            "value": "",
            "reason": [f"duplicate key ({', '.join(key)}): same as line {n}, which is kept" for n in first_line[dup]],
        }
    )


def _combine(parts: list[tuple[np.ndarray, int]]) -> np.ndarray:
    """One integer per row for several code columns (``(codes, number of codes)``): equal iff all are equal."""
    combined, span = parts[0][0].astype(np.int64), max(parts[0][1], 1)
    for codes, size in parts[1:]:
        size = max(size, 1)
        if span * size < 2 ** 62:
            combined, span = combined * size + codes, span * size
        else:  # too many combinations for one integer: number the distinct pairs
            combined = pd.DataFrame({"a": combined, "b": codes}).groupby(["a", "b"], sort=False).ngroup().to_numpy()
            span = int(combined.max()) + 1 if len(combined) else 1
    return combined
