"""A configuration table read from CSV and checked the one way every such table is: the file can be
read, its columns are exactly the ones expected, and the columns of whole numbers hold whole
numbers, or the file, line and column are named (``config/elpi_levels.csv``,
``config/participation_rule.csv``)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.config import ConfigError


def read_config_table(path: Path, columns: list[str], whole: tuple[str, ...]) -> pd.DataFrame:
    """``path`` as text, its ``whole`` columns as int64; a :class:`ConfigError` names what is wrong."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from exc
    if list(frame.columns) != columns:
        raise ConfigError(f"{path}: columns must be {', '.join(columns)}")
    for col in whole:
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna() | (values != values.round())
        if bad.any():
            raise ConfigError(f"{path}: line {int(bad.idxmax()) + 2}, column {col}: a whole number is expected")
        frame[col] = values.astype("int64")
    return frame
