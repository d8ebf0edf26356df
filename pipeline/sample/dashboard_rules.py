"""CDE's rules the Dashboard files follow: cut scores and colour grid read from ``config/``, and CDE's rounding.

The generator has no copy of its own: it reads ``config/cut_scores.csv`` and
``config/color_grid.csv``, the files the scoring reads (``pipeline/scoring/sql/indicator_results.sql``),
and applies them the same way. A value's level is the highest level whose inclusive bounds
(``min``, ``max``, in tenths; blank is open) hold it, among the rows of the indicator, measure and
Dashboard year whose cut set is the row's (``default``; ``hs`` for high schools' ELA and math) or
``any``; no band holds it, no level (0). The colour is the grid's cell for (status level, change
level), 0 where the grid has none. Changing a cut in ``config/`` so changes the generated files
and the scoring alike.

All rounding is integer arithmetic (half away from zero), never float ``round``.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np

from pipeline.config import CONFIG_DIR, ConfigError, config_path

CUT_COLUMNS = ("indicator", "dashboard_year_from", "dashboard_year_to", "cut_set", "measure", "level", "min", "max")
GRID_COLUMNS = ("status_level", "change_level", "color")
LEVELS = range(1, 6)
COLORS = range(0, 6)  # 0 none, 1 Red, 2 Orange, 3 Yellow, 4 Green, 5 Blue


def half_up_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """round(num / den) with ties away from zero, in exact integer arithmetic (den > 0)."""
    num = np.asarray(num, dtype=np.int64)
    den = np.asarray(den, dtype=np.int64)
    q = (2 * np.abs(num) + den) // (2 * den)
    return np.sign(num) * q


@dataclass(frozen=True)
class Cut:
    """One row of cut_scores.csv; bounds in tenths, None where open."""

    indicator: str
    year_from: int
    year_to: int
    cut_set: str
    measure: str
    level: int
    low: int | None
    high: int | None


@dataclass(frozen=True)
class DashboardRules:
    """The cut scores and the colour grid of one configuration folder."""

    cuts: tuple[Cut, ...]
    color_grid: np.ndarray  # [status level, change level] -> colour; row and column 0 (no level) are 0
    cut_file: str  # the file's name, for messages

    def bands(self, indicator: str, measure: str, cut_set: str, year: int) -> list[Cut]:
        """The rows that apply to one indicator, measure (status or change), cut set and Dashboard year."""
        bands = [c for c in self.cuts if c.indicator == indicator and c.measure == measure
                 and c.year_from <= year <= c.year_to and c.cut_set in (cut_set, "any")]
        if not bands:
            raise ConfigError(f"{self.cut_file} has no {measure} cut scores for {indicator} "
                              f"(cut set {cut_set}) in Dashboard year {year}")
        return bands

    def levels(self, tenths: np.ndarray, indicator: str, measure: str, cut_set: str, year: int) -> np.ndarray:
        """The level (1..5; 0 where no band holds the value) of each value, given in tenths."""
        t = np.asarray(tenths, dtype=np.int64)
        out = np.zeros(t.shape, dtype=np.int64)
        for c in self.bands(indicator, measure, cut_set, year):
            inside = np.ones(t.shape, dtype=bool)
            if c.low is not None:
                inside &= t >= c.low
            if c.high is not None:
                inside &= t <= c.high
            out = np.where(inside, np.maximum(out, c.level), out)
        return out


def _rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise ConfigError(f"{path.name}: missing column '{missing[0]}'")
        return [(i, {k: (v or "").strip() for k, v in row.items() if k}) for i, row in enumerate(reader, start=2)]


def _whole(path: Path, line: int, row: dict[str, str], col: str, allowed: range | None = None) -> int:
    value = row[col]
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{path.name} line {line}: '{col}' must be a whole number, got {value!r}") from None
    if allowed is not None and number not in allowed:
        raise ConfigError(f"{path.name} line {line}: '{col}' must be {allowed.start} to {allowed.stop - 1}, "
                          f"got {value!r}")
    return number


def _tenths(path: Path, line: int, row: dict[str, str], col: str) -> int | None:
    value = row[col]
    if value == "":
        return None
    try:
        tenths = Decimal(value) * 10
    except InvalidOperation:
        tenths = None
    if tenths is None or not tenths.is_finite() or tenths != tenths.to_integral_value():
        raise ConfigError(f"{path.name} line {line}: '{col}' must be a number with at most one decimal, "
                          f"got {value!r}")
    return int(tenths)


def load_rules(config_dir: str | Path = CONFIG_DIR) -> DashboardRules:
    """Read and check ``cut_scores.csv`` and ``color_grid.csv`` of a configuration folder."""
    cut_path = config_path("cut_scores.csv", config_dir)
    cuts = tuple(
        Cut(indicator=row["indicator"], year_from=_whole(cut_path, i, row, "dashboard_year_from"),
            year_to=_whole(cut_path, i, row, "dashboard_year_to"), cut_set=row["cut_set"], measure=row["measure"],
            level=_whole(cut_path, i, row, "level", LEVELS), low=_tenths(cut_path, i, row, "min"),
            high=_tenths(cut_path, i, row, "max"))
        for i, row in _rows(cut_path, CUT_COLUMNS))
    grid_path = config_path("color_grid.csv", config_dir)
    grid = np.zeros((6, 6), dtype=np.int64)
    seen: set[tuple[int, int]] = set()
    for i, row in _rows(grid_path, GRID_COLUMNS):
        cell = (_whole(grid_path, i, row, "status_level", LEVELS), _whole(grid_path, i, row, "change_level", LEVELS))
        if cell in seen:
            raise ConfigError(f"{grid_path.name} line {i}: status level {cell[0]} and change level {cell[1]} "
                              "are given twice")
        seen.add(cell)
        grid[cell] = _whole(grid_path, i, row, "color", COLORS)
    return DashboardRules(cuts=cuts, color_grid=grid, cut_file=cut_path.name)
