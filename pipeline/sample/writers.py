"""Writing the generated files, and the column and number formats they share.

Every file is UTF-8 delimited text with a header and ``\\n`` line ends, so the same seed gives
the same bytes on every machine.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def fmt_tenths(t: np.ndarray) -> np.ndarray:
    """Integers in tenths as decimal text with one digit after the point: -25 -> '-2.5'."""
    t = np.asarray(t, dtype=np.int64)
    a = np.abs(t)
    s = np.char.add(np.char.add((a // 10).astype(str), "."), (a % 10).astype(str))
    return np.where(t < 0, np.char.add("-", s), s)


def yn_column(mask: np.ndarray) -> pd.Categorical:
    """A Y/N flag column."""
    return pd.Categorical.from_codes(np.asarray(mask, dtype=np.int8), ["N", "Y"])


def constant_column(label: str, n: int) -> pd.Categorical:
    """A column of n equal values (e.g. the school year), stored once."""
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), [label])


FAST_WRITE_ROWS = 50_000  # frames this long are written by DuckDB when it is installed


def _duckdb():
    try:
        import duckdb  # noqa: PLC0415
    except ImportError:  # pragma: no cover
        return None
    return duckdb


def write_csv(df: pd.DataFrame, path: Path, sep: str = ",", float_format: str | None = None,
              fast: bool | None = None) -> int:
    """Write a frame as UTF-8 delimited text with a header and \\n line ends; return its rows.

    Large frames go through DuckDB's CSV writer when available (same bytes as pandas for the
    integer, category and nullable-integer columns used here, about six times faster).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    duckdb = _duckdb() if fast is not False and float_format is None else None
    if duckdb is not None and (fast or len(df) >= FAST_WRITE_ROWS):
        con = duckdb.connect()
        try:
            con.execute("SET enable_progress_bar = false")
            con.register("frame", df)
            target = str(path).replace("'", "''")
            con.execute(f"COPY frame TO '{target}' (FORMAT CSV, HEADER, DELIMITER '{sep}')")
        finally:
            con.close()
        return len(df)
    df.to_csv(path, index=False, sep=sep, lineterminator="\n", encoding="utf-8", float_format=float_format,
              chunksize=200_000)
    return len(df)
