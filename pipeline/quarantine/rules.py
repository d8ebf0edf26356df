"""What validation checks besides the contract: :class:`RowRule` (a rule that depends on the run, such
as the school-year folder), and :func:`per_value`, which computes such a rule once per distinct value."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd


@dataclass
class RowRule:
    """A row-level rule the model cannot express alone (it depends on the run, e.g. the school year)."""

    column: str
    check: str
    reason: str
    failing: Callable[[pd.DataFrame], pd.Series]  # True where the row breaks the rule


def per_value(values: pd.Series, fn: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``fn`` (an element-wise function of ``object`` text) on ``values``, computed once per distinct value.

    Text columns from the fast reader are Arrow-backed; ``fn`` still sees ``str`` values (and
    None), so it gives exactly what it gives on the csv-module reader's columns.
    """
    if values.dtype == object:
        return fn(values)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    distinct = np.asarray(uniques, dtype=object)
    if (codes < 0).any():
        distinct = np.append(distinct, None)
    result = fn(pd.Series(distinct, dtype=object)).to_numpy()
    return pd.Series(result[np.where(codes < 0, len(uniques), codes)], index=values.index)
