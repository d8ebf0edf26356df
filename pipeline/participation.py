"""CDE's 95 % participation rule on ELA and math, read from ``config/participation_rule.csv`` and checked.

Where fewer students of a school, LEA or student group were tested than 95 % of those enrolled, the
Dashboard adds the missing ones to the Distance From Standard denominator at a low score. Measured
on every real Monterey row of the 2022-2024 files (``tests/test_participation_rule.py``, the note
in ``docs/methodology.md``):

- students added = ``ceil(target_per_mille x enrolled / 1000) - tested`` when positive, with
  ``target_per_mille`` 945: the rate is 95 % once rounded to a whole percent;
- each added student counts at one flat distance per Dashboard year and subject
  (``imputed_distance``), not at the lowest obtainable score of the student's or the school's grade.

A Dashboard year without a row has no measured rule: the rule is then not applied and the
validation report says so. The preview (``pipeline/scoring/sql/indicator_inputs.sql``) and the
sample generator (:mod:`pipeline.sample.dashboard_counts`) both read this one table.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.config import CONFIG_DIR, ConfigError
from pipeline.config_tables import read_config_table

RULE_FILE = "participation_rule.csv"
COLUMNS = ["subject", "dashboard_year", "target_per_mille", "imputed_distance", "confirmed", "source"]
SUBJECTS = ("ELA", "MATH")


def load_participation_rule(config_dir: str | Path = CONFIG_DIR) -> pd.DataFrame:
    """The table, one row per subject and Dashboard year; a wrong value names the file, line and column."""
    path = Path(config_dir) / RULE_FILE
    frame = read_config_table(path, COLUMNS, ("dashboard_year", "target_per_mille", "imputed_distance"))
    for i, row in frame.iterrows():
        where = f"{path}: line {i + 2}"
        if row["subject"] not in SUBJECTS:
            raise ConfigError(f"{where}, column subject: one of {', '.join(SUBJECTS)} expected")
        if not 0 < row["target_per_mille"] <= 1000:
            raise ConfigError(f"{where}, column target_per_mille: 1-1000 expected")
        if row["imputed_distance"] > 0:
            raise ConfigError(f"{where}, column imputed_distance: a distance at or below 0 expected")
        if row["confirmed"] not in ("Y", "N"):
            raise ConfigError(f"{where}, column confirmed: Y or N expected")
    twice = frame.duplicated(["subject", "dashboard_year"])
    if twice.any():
        raise ConfigError(f"{path}: line {int(twice.idxmax()) + 2}: a second row for "
                          f"{frame.loc[twice.idxmax(), 'subject']} {frame.loc[twice.idxmax(), 'dashboard_year']}")
    return frame


def students_added(enrolled, tested, target_per_mille: int):
    """Students added to reach the target participation: ``ceil(target x enrolled / 1000) - tested``, at least 0."""
    need = (target_per_mille * enrolled + 999) // 1000
    return (need - tested).clip(0) if hasattr(need, "clip") else max(0, need - tested)
