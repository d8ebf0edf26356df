"""The ELPI levels of an ELPAC overall scale score, read from ``config/elpi_levels.csv`` and checked.

The English Learner Progress Indicator places each Summative ELPAC score in one of six levels (1,
2L, 2H, 3L, 3H, 4) by grade, and each Summative Alternate ELPAC score in one of three levels by
grade band. The preview (``pipeline/scoring/sql/elpi_preview.sql``) and the sample generator
(:mod:`pipeline.sample.state_files`) both read this one table, so a corrected range changes both.
Rows marked ``confirmed = N`` carry a split point (2L/2H, 3L/3H) that no CDE document we found
states: the validation report says so beside every ELPI figure of ours.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.config import CONFIG_DIR, ConfigError
from pipeline.config_tables import read_config_table

LEVELS_FILE = "elpi_levels.csv"
COLUMNS = ["test", "grade_from", "grade_to", "level", "rank", "min", "max", "confirmed", "source"]
TESTS = ("summative", "alternate")


def load_elpi_levels(config_dir: str | Path = CONFIG_DIR) -> pd.DataFrame:
    """The table, one row per test, grade span and level; ranges per test and grade span must be
    contiguous and ranked 1..n from the lowest score, or the file and row are named."""
    path = Path(config_dir) / LEVELS_FILE
    frame = read_config_table(path, COLUMNS, ("grade_from", "grade_to", "rank", "min", "max"))
    for i, row in frame.iterrows():
        where = f"{path}: line {i + 2}"
        if row["test"] not in TESTS:
            raise ConfigError(f"{where}, column test: one of {', '.join(TESTS)} expected")
        if row["confirmed"] not in ("Y", "N"):
            raise ConfigError(f"{where}, column confirmed: Y or N expected")
        if not 0 <= row["grade_from"] <= row["grade_to"] <= 12 or row["min"] > row["max"]:
            raise ConfigError(f"{where}: grades 0-12 (grade_from <= grade_to) and min <= max expected")
    for (test, g0, g1), part in frame.groupby(["test", "grade_from", "grade_to"]):
        part = part.sort_values("rank")
        contiguous = (part["min"].iloc[1:].to_numpy() == part["max"].iloc[:-1].to_numpy() + 1).all()
        if list(part["rank"]) != list(range(1, len(part) + 1)) or not contiguous:
            raise ConfigError(f"{path}: {test} grades {g0}-{g1}: ranks must run 1..n over contiguous score ranges")
    return frame


def level_rank(levels: pd.DataFrame, test: str, grade, score) -> pd.Series:
    """The rank of each (grade, score) under ``test``'s ranges (NA where none applies)."""
    t = levels[levels["test"] == test]
    grade = pd.Series(grade).reset_index(drop=True)
    score = pd.Series(score).reset_index(drop=True)
    out = pd.Series(pd.NA, index=grade.index, dtype="Int64")
    for _, r in t.iterrows():
        hit = grade.between(r["grade_from"], r["grade_to"]) & score.between(r["min"], r["max"])
        out[hit.fillna(False)] = r["rank"]
    return out
