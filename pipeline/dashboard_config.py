"""CDE's Dashboard rules as the configuration states them: loaded from ``config/``, checked, one object.

Three files hold every rule the recomputed levels, colours and boxes follow (``docs/methodology.md``
gives each rule's source):

- ``cut_scores.csv``: the bands of status and change levels per indicator, Dashboard years, entity
  (``any``, ``school``, ``lea``) and cut set (``default``; ``hs`` for the grade-11 ELA and math cut
  points; ``ES``, ``MS``, ``HS``, ``ED``, ``HD``, ``UD`` for suspension's six sets, chosen by the
  file's ``type``; ``any``). Measures: ``status``, ``change`` and ``change_small``, the change
  levels of a row under the small-denominator rule (the 3x5 grid) where CDE's differ.
- ``color_grid.csv``: one grid per name (status level x change level -> colour and box); a cell
  whose colour is blank is not known, and no colour is given there.
- ``dashboard_rules.csv``: per indicator and Dashboard years, whether the year reports status only,
  which grid colours a row, the small-denominator threshold and grid, the student groups CDE
  never colours, and what a row flagged below 95 % participation gets (``no_level``: CDE's level
  follows counts the file does not hold, so none is given and the row is reported).

The scoring SQL reads them as tables (:meth:`DashboardRules.frames`) and the sample generator
through :meth:`DashboardRules.levels` and :meth:`DashboardRules.rule`, so both follow the same
configuration. A wrong value stops the run with the file, line and column named.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.config import CONFIG_DIR, ConfigError, config_path
from schemas.dashboard import GROUPS

INDICATORS = ("chronic", "susp", "grad", "cci", "ela", "math", "elpi")
MEASURES = ("status", "change", "change_small")
ENTITIES = ("any", "school", "lea")
CUT_SETS = ("any", "default", "hs", "ES", "MS", "HS", "ED", "HD", "UD")
CUT_COLUMNS = ("indicator", "dashboard_year_from", "dashboard_year_to", "entity", "cut_set", "measure", "level",
               "min", "max", "confirmed")
GRID_COLUMNS = ("grid", "status_level", "change_level", "color", "box", "confirmed")
RULE_COLUMNS = ("indicator", "dashboard_year_from", "dashboard_year_to", "status_only", "grid", "small_below",
                "small_grid", "groups_without_color", "below_95_participation", "confirmed")
PARTICIPATION_RULES = ("", "no_level")  # what a row flagged below 95 % participation (flag95pct = Y) gets
LEVELS = range(1, 6)
COLORS = range(0, 6)  # 0 none, 1 Red, 2 Orange, 3 Yellow, 4 Green, 5 Blue
YEARS = range(2017, 2100)


@dataclass(frozen=True)
class Cut:
    """One row of cut_scores.csv; bounds in tenths, None where open."""

    indicator: str
    year_from: int
    year_to: int
    entity: str
    cut_set: str
    measure: str
    level: int
    low: int | None
    high: int | None


@dataclass(frozen=True)
class Grid:
    """One colour grid: [status level, change level] -> colour and box; row and column 0 are 0.
    ``known`` is False where the configuration leaves the cell's colour blank."""

    color: np.ndarray
    box: np.ndarray
    known: np.ndarray


@dataclass(frozen=True)
class IndicatorRule:
    """One row of dashboard_rules.csv."""

    indicator: str
    year_from: int
    year_to: int
    status_only: bool
    grid: str | None
    small_below: int | None
    small_grid: str | None
    groups_without_color: tuple[str, ...]
    below_95_participation: str = ""  # "no_level": a row with flag95pct = Y gets no status level


@dataclass(frozen=True)
class DashboardRules:
    """The cut scores, grids and indicator rules of one configuration folder."""

    cuts: tuple[Cut, ...]
    grids: dict[str, Grid]
    rules: tuple[IndicatorRule, ...]
    cut_file: str = "cut_scores.csv"  # the files' names, for messages
    rule_file: str = "dashboard_rules.csv"

    def bands(self, indicator: str, measure: str, cut_set: str, year: int, entity: str = "any") -> list[Cut]:
        """The rows for one indicator, measure, cut set, Dashboard year and entity (none: an empty list)."""
        return [c for c in self.cuts if c.indicator == indicator and c.measure == measure
                and c.year_from <= year <= c.year_to and c.cut_set in (cut_set, "any")
                and c.entity in (entity, "any")]

    def levels(self, tenths: np.ndarray, indicator: str, measure: str, cut_set: str, year: int,
               entity: str = "any") -> np.ndarray:
        """The level (1..5; 0 where no band holds the value) of each value, given in tenths."""
        t = np.asarray(tenths, dtype=np.int64)
        out = np.zeros(t.shape, dtype=np.int64)
        for c in self.bands(indicator, measure, cut_set, year, entity):
            inside = np.ones(t.shape, dtype=bool)
            if c.low is not None:
                inside &= t >= c.low
            if c.high is not None:
                inside &= t <= c.high
            out = np.where(inside, np.maximum(out, c.level), out)
        return out

    def require_bands(self, indicator: str, measure: str, cut_set: str, year: int) -> None:
        """Raise ConfigError when no band of an indicator, measure and cut set applies in a Dashboard year."""
        if not self.bands(indicator, measure, cut_set, year):
            raise ConfigError(f"{self.cut_file} has no {measure} cut scores for {indicator} "
                              f"(cut set {cut_set}) in Dashboard year {year}")

    def assess(self, indicator: str, year: int, status: np.ndarray, change: np.ndarray, cut_set: np.ndarray,
               lea: np.ndarray, small: np.ndarray, groups: np.ndarray, accountable: np.ndarray,
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Status level, change level, colour and box of rows of one indicator and Dashboard year, as the
        scoring SQL gives them: ``status`` and ``change`` in tenths (a row without one: ``has`` masks
        are the caller's, pass any value and zero the level afterwards), ``cut_set`` per row (None:
        no level), ``lea`` for district and state rows, ``small`` for the small-denominator rule,
        ``accountable`` where the n-size is met in both years."""
        rule = self.rule(indicator, year)
        n = len(status)
        sl, cl = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
        small = np.asarray(small, dtype=bool) & (rule.small_below is not None)
        sets = np.asarray(cut_set, dtype=object)
        for cs in {c for c in sets if c is not None}:
            for is_lea in (False, True):
                m = (sets == cs) & (np.asarray(lea, dtype=bool) == is_lea)
                if not m.any():
                    continue
                entity = "lea" if is_lea else "school"
                sl[m] = self.levels(np.asarray(status)[m], indicator, "status", cs, year, entity)
                if rule.status_only:
                    continue
                has_small = bool(self.bands(indicator, "change_small", cs, year, entity))
                for sm in (False, True):
                    mm = m & (small == sm)
                    measure = "change_small" if sm and has_small else "change"
                    cl[mm] = self.levels(np.asarray(change)[mm], indicator, measure, cs, year, entity)
        color, box = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
        if not rule.status_only:
            ok = (np.asarray(accountable, dtype=bool) & (sl > 0) & (cl > 0)
                  & ~np.isin(np.asarray(groups, dtype=object), list(rule.groups_without_color)))
            for sm, name in ((False, rule.grid), (True, rule.small_grid)):  # no grid named: no colour
                if name is None:
                    continue
                g = self.grids[name]
                m = ok & (small == sm)
                known = g.known[sl, cl] & m
                color = np.where(known, g.color[sl, cl], color)
                box = np.where(known & (g.color[sl, cl] > 0), g.box[sl, cl], box)
        return sl, cl, color, box

    def rule(self, indicator: str, year: int) -> IndicatorRule:
        """The rule row of an indicator in a Dashboard year."""
        for r in self.rules:
            if r.indicator == indicator and r.year_from <= year <= r.year_to:
                return r
        raise ConfigError(f"{self.rule_file} has no rule for {indicator} in Dashboard year {year}")

    def frames(self) -> dict[str, pd.DataFrame]:
        """The three tables the scoring SQL joins: cut_scores, color_grid and dashboard_rules."""
        cuts = pd.DataFrame([{
            "indicator": c.indicator, "dashboard_year_from": c.year_from, "dashboard_year_to": c.year_to,
            "entity": c.entity, "cut_set": c.cut_set, "measure": c.measure, "level": c.level,
            "min": None if c.low is None else c.low / 10, "max": None if c.high is None else c.high / 10,
        } for c in self.cuts])
        grid = pd.DataFrame([{"grid": name, "status_level": s, "change_level": ch,
                              "color": int(g.color[s, ch]) if g.known[s, ch] else None,
                              "box": int(g.box[s, ch]) if g.known[s, ch] else None}
                             for name, g in self.grids.items() for s in LEVELS for ch in LEVELS])
        rules = pd.DataFrame([{
            "indicator": r.indicator, "dashboard_year_from": r.year_from, "dashboard_year_to": r.year_to,
            "status_only": r.status_only, "grid": r.grid, "small_below": r.small_below,
            "small_grid": r.small_grid, "groups_without_color": list(r.groups_without_color),
            "below_95_participation": r.below_95_participation or None,
        } for r in self.rules])
        return {"cut_scores": cuts, "color_grid": grid, "dashboard_rules": rules}


class _File:
    """A configuration CSV read row by row, with messages that name the file, line and column."""

    def __init__(self, path: Path, columns: tuple[str, ...]):
        self.name = path.name
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise ConfigError(f"{path.name}: missing column '{missing[0]}'")
            self.rows = [(i, {k: (v or "").strip() for k, v in row.items() if k})
                         for i, row in enumerate(reader, start=2)]

    def fail(self, line: int, col: str, what: str, value: str) -> ConfigError:
        return ConfigError(f"{self.name} line {line}: '{col}' must be {what}, got {value!r}")

    def one_of(self, line: int, row: dict[str, str], col: str, allowed: tuple[str, ...]) -> str:
        if row[col] not in allowed:
            raise self.fail(line, col, "one of " + ", ".join(allowed), row[col])
        return row[col]

    def whole(self, line: int, row: dict[str, str], col: str, allowed: range | None = None,
              blank: bool = False) -> int | None:
        value = row[col]
        if value == "" and blank:
            return None
        try:
            number = int(value)
        except ValueError:
            raise self.fail(line, col, "a whole number", value) from None
        if allowed is not None and number not in allowed:
            raise self.fail(line, col, f"{allowed.start} to {allowed.stop - 1}", value)
        return number

    def tenths(self, line: int, row: dict[str, str], col: str) -> int | None:
        value = row[col]
        if value == "":
            return None
        try:
            tenths = Decimal(value) * 10
        except InvalidOperation:
            tenths = None
        if tenths is None or not tenths.is_finite() or tenths != tenths.to_integral_value():
            raise self.fail(line, col, "a number with at most one decimal", value)
        return int(tenths)

    def years(self, line: int, row: dict[str, str]) -> tuple[int, int]:
        y0 = self.whole(line, row, "dashboard_year_from", YEARS)
        y1 = self.whole(line, row, "dashboard_year_to", YEARS)
        if y1 < y0:
            raise ConfigError(f"{self.name} line {line}: 'dashboard_year_to' {y1} is before 'dashboard_year_from' {y0}")
        return y0, y1

    def yes_no(self, line: int, row: dict[str, str], col: str) -> bool:
        return self.one_of(line, row, col, ("Y", "N")) == "Y"


def _load_cuts(path: Path) -> tuple[Cut, ...]:
    f = _File(path, CUT_COLUMNS)
    cuts: list[tuple[int, Cut]] = []
    for i, row in f.rows:
        y0, y1 = f.years(i, row)
        cut = Cut(indicator=f.one_of(i, row, "indicator", INDICATORS), year_from=y0, year_to=y1,
                  entity=f.one_of(i, row, "entity", ENTITIES), cut_set=f.one_of(i, row, "cut_set", CUT_SETS),
                  measure=f.one_of(i, row, "measure", MEASURES), level=f.whole(i, row, "level", LEVELS),
                  low=f.tenths(i, row, "min"), high=f.tenths(i, row, "max"))
        f.yes_no(i, row, "confirmed")
        if cut.low is not None and cut.high is not None and cut.low > cut.high:
            raise ConfigError(f"{f.name} line {i}: 'min' {row['min']} is above 'max' {row['max']}")
        for j, other in cuts:  # two bands of one set, measure and year must not hold the same value
            same = (other.indicator, other.measure, other.cut_set, other.entity) == \
                   (cut.indicator, cut.measure, cut.cut_set, cut.entity)
            years = other.year_from <= cut.year_to and cut.year_from <= other.year_to
            lo = max(-10**9 if cut.low is None else cut.low, -10**9 if other.low is None else other.low)
            hi = min(10**9 if cut.high is None else cut.high, 10**9 if other.high is None else other.high)
            if same and years and lo <= hi:
                raise ConfigError(f"{f.name} line {i}: the {cut.measure} band of level {cut.level} overlaps "
                                  f"line {j} (level {other.level}) for {cut.indicator}, cut set {cut.cut_set}")
        cuts.append((i, cut))
    return tuple(c for _, c in cuts)


def _load_grids(path: Path) -> dict[str, Grid]:
    f = _File(path, GRID_COLUMNS)
    grids: dict[str, Grid] = {}
    for i, row in f.rows:
        name = row["grid"]
        if not name:
            raise f.fail(i, "grid", "a grid name", name)
        g = grids.setdefault(name, Grid(color=np.zeros((6, 6), dtype=np.int64), box=np.zeros((6, 6), dtype=np.int64),
                                        known=np.zeros((6, 6), dtype=bool)))
        s, c = f.whole(i, row, "status_level", LEVELS), f.whole(i, row, "change_level", LEVELS)
        if g.known[s, c] or g.box[s, c] < 0:
            raise ConfigError(f"{f.name} line {i}: grid {name}, status level {s} and change level {c} are given twice")
        color = f.whole(i, row, "color", COLORS, blank=True)
        box = f.whole(i, row, "box", range(10, 251), blank=True)
        f.yes_no(i, row, "confirmed")
        if (color is None) != (box is None) or (box is not None and box % 10):
            raise ConfigError(f"{f.name} line {i}: 'box' must be a multiple of 10 given exactly when 'color' is, "
                              f"got {row['box']!r}")
        if color is None:
            g.box[s, c] = -1  # seen, colour not known
        else:
            g.color[s, c], g.box[s, c], g.known[s, c] = color, box, True
    for name, g in grids.items():
        seen = g.known | (g.box < 0)
        missing = [(s, c) for s in LEVELS for c in LEVELS if not seen[s, c]]
        if missing:
            raise ConfigError(f"{f.name}: grid {name} has no row for status level {missing[0][0]} and change level "
                              f"{missing[0][1]} (a cell whose colour is not known is given with a blank colour)")
        g.box[g.box < 0] = 0
    return grids


def _load_rules(path: Path, grids: dict[str, Grid], cuts: tuple[Cut, ...]) -> tuple[IndicatorRule, ...]:
    f = _File(path, RULE_COLUMNS)
    rules: list[IndicatorRule] = []
    for i, row in f.rows:
        y0, y1 = f.years(i, row)
        names = {}
        for col in ("grid", "small_grid"):
            if row[col] and row[col] not in grids:
                raise f.fail(i, col, "a grid of color_grid.csv (" + ", ".join(grids) + ")", row[col])
            names[col] = row[col] or None
        groups = tuple(g for g in row["groups_without_color"].split("|") if g)
        for g in groups:
            if g not in GROUPS:
                raise f.fail(i, "groups_without_color", "student-group codes separated by |", g)
        rule = IndicatorRule(indicator=f.one_of(i, row, "indicator", INDICATORS), year_from=y0, year_to=y1,
                             status_only=f.yes_no(i, row, "status_only"), grid=names["grid"],
                             small_below=f.whole(i, row, "small_below", range(1, 100_000), blank=True),
                             small_grid=names["small_grid"], groups_without_color=groups,
                             below_95_participation=f.one_of(i, row, "below_95_participation", PARTICIPATION_RULES))
        f.yes_no(i, row, "confirmed")
        for other in rules:
            if other.indicator == rule.indicator and other.year_from <= y1 and y0 <= other.year_to:
                raise ConfigError(f"{f.name} line {i}: {rule.indicator} has two rules for Dashboard year "
                                  f"{max(y0, other.year_from)}")
        rules.append(rule)
    for ind in INDICATORS:  # every year with cut scores has exactly one rule
        years = {y for c in cuts if c.indicator == ind for y in range(c.year_from, c.year_to + 1)}
        covered = {y for r in rules if r.indicator == ind for y in range(r.year_from, r.year_to + 1)}
        if years - covered:
            raise ConfigError(f"{f.name}: no rule for {ind} in Dashboard year {min(years - covered)}, "
                              f"a year {path.with_name('cut_scores.csv').name} has cut scores for")
    return tuple(rules)


def load_rules(config_dir: str | Path = CONFIG_DIR) -> DashboardRules:
    """Read and check ``cut_scores.csv``, ``color_grid.csv`` and ``dashboard_rules.csv`` of a folder."""
    cut_path = config_path("cut_scores.csv", config_dir)
    grid_path = config_path("color_grid.csv", config_dir)
    rule_path = config_path("dashboard_rules.csv", config_dir)
    cuts = _load_cuts(cut_path)
    grids = _load_grids(grid_path)
    rules = _load_rules(rule_path, grids, cuts)
    return DashboardRules(cuts=cuts, grids=grids, rules=rules, cut_file=cut_path.name, rule_file=rule_path.name)
