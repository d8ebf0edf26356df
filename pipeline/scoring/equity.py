"""Equity-need index: which schools need the most support, as a reproducible, explainable ranking.

In the spirit of LAUSD's Student Equity Need Index (SENI). Components, directions, weights, the
handling of missing data and the tier cut points are configuration (``config/equity_index.yaml``),
read and checked each time the index is computed. The SQL is in ``sql/equity_*.sql``; this module
checks the configuration, fills in trusted names, binds parameters and returns frames. See
the README, "Equity-need index".
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from pipeline import config as _config
from pipeline.config import ConfigError, Settings
from pipeline.scoring import sql
from pipeline.warehouse import columns, table_exists

CONFIG_FILE = "equity_index.yaml"
TIERS = ("Highest", "High", "Moderate", "Low", "Lowest")  # tier_rank 1..5


@dataclass(frozen=True)
class SourceQuery:
    """How one component source is computed: an ``equity_source_*.sql`` query and the tables it reads."""

    sql: str
    table: str
    fill: tuple[tuple[str, str], ...] = ()  # trusted placeholders of the SQL file
    needs_columns: tuple[str, ...] = ()

    def text(self) -> str:
        return sql(self.sql).format(**dict(self.fill))


# The fixed set of sources the configuration may name (a new one needs code: a query here).
SOURCES: dict[str, SourceQuery] = {
    "unduplicated_pct": SourceQuery("equity_source_unduplicated", "validated_attendance",
                                    needs_columns=("ssid", "sed", "el", "foster")),
    "deepest_poverty_pct": SourceQuery("equity_source_community", "validated_community",
                                       (("column", "deepest_poverty_pct"),), ("deepest_poverty_pct",)),
    "asthma_rate": SourceQuery("equity_source_community", "validated_community",
                               (("column", "asthma_rate"),), ("asthma_rate",)),
    "gun_injury_rate": SourceQuery("equity_source_community", "validated_community",
                                   (("column", "gun_injury_rate"),), ("gun_injury_rate",)),
    "chronic_absence_pct": SourceQuery("equity_source_chronic", "attendance", needs_columns=("chronic", "eligible")),
    "ela_dfs": SourceQuery("equity_source_dfs", "indicator_results", (("indicator", "ela"),), ("status",)),
    "math_dfs": SourceQuery("equity_source_dfs", "indicator_results", (("indicator", "math"),), ("status",)),
    "swd_pct": SourceQuery("equity_source_enrollment", "validated_enrollment",
                           (("student_group", "SWD"),), ("enrollment",)),
    "homeless_pct": SourceQuery("equity_source_enrollment", "validated_enrollment",
                                (("student_group", "HOM"),), ("enrollment",)),
}

INDEX_COLUMNS = ["school_year", "cds", "composite", "composite_percentile", "tier", "tier_rank",
                 "need_rank", "components_present", "weight_present"]
COMPONENT_COLUMNS = ["school_year", "cds", "component", "value", "percentile", "weight", "contribution",
                     "source", "higher_is_more_need", "configured_weight"]


@dataclass(frozen=True)
class Component:
    name: str
    source: str
    higher_is_more_need: bool
    weight: float


@dataclass(frozen=True)
class EquityConfig:
    components: tuple[Component, ...]
    min_weight_share: float
    cut_points: tuple[float, float, float, float]  # Low, Moderate, High, Highest: lower bounds


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _unknown_keys(d: dict, allowed: set[str], where: str) -> None:
    extra = sorted(set(d) - allowed)
    if extra:
        raise ConfigError(f"{where}: unknown key '{extra[0]}' (allowed: {', '.join(sorted(allowed))})")


def load_equity_config(config_dir: str | Path | None = None) -> EquityConfig:
    """Read and check ``equity_index.yaml``; :class:`ConfigError` names the file and the key."""
    path = Path(config_dir if config_dir is not None else _config.CONFIG_DIR) / CONFIG_FILE
    raw = _config.read_yaml(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{CONFIG_FILE}: expected keys components, missing, tiers")
    _unknown_keys(raw, {"components", "missing", "tiers"}, CONFIG_FILE)

    items = raw.get("components")
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{CONFIG_FILE}: key 'components' must be a non-empty list")
    components: list[Component] = []
    for i, item in enumerate(items):
        where = f"{CONFIG_FILE} components[{i}]"
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: expected a mapping with source, higher_is_more_need, weight")
        _unknown_keys(item, {"name", "source", "higher_is_more_need", "weight"}, where)
        source = item.get("source")
        if source not in SOURCES:
            raise ConfigError(f"{where}: key 'source' is {source!r}, not a known source "
                              f"(one of {', '.join(SOURCES)})")
        name = item.get("name", source)
        where = f"{CONFIG_FILE} components[{i}] ({name})"
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,39}", name):
            raise ConfigError(f"{where}: key 'name' must be a word of letters, digits and _, got {name!r}")
        if any(c.name == name for c in components):
            raise ConfigError(f"{where}: key 'name' repeats component '{name}'")
        direction = item.get("higher_is_more_need")
        if not isinstance(direction, bool):
            raise ConfigError(f"{where}: key 'higher_is_more_need' must be true or false, got {direction!r}")
        weight = item.get("weight")
        if not _number(weight) or weight <= 0:
            raise ConfigError(f"{where}: key 'weight' must be a positive number, got {weight!r}")
        components.append(Component(name, source, direction, float(weight)))

    missing = raw.get("missing")
    if not isinstance(missing, dict):
        raise ConfigError(f"{CONFIG_FILE}: missing key 'missing' (with min_weight_share)")
    _unknown_keys(missing, {"min_weight_share"}, f"{CONFIG_FILE} missing")
    share = missing.get("min_weight_share")
    if not _number(share) or not 0 < share <= 1:
        raise ConfigError(f"{CONFIG_FILE} missing: key 'min_weight_share' must be a number in (0, 1], got {share!r}")

    tiers = raw.get("tiers")
    if not isinstance(tiers, dict):
        raise ConfigError(f"{CONFIG_FILE}: missing key 'tiers' (with cut_points)")
    _unknown_keys(tiers, {"cut_points"}, f"{CONFIG_FILE} tiers")
    cuts = tiers.get("cut_points")
    if not isinstance(cuts, list) or len(cuts) != 4 or not all(_number(c) for c in cuts):
        raise ConfigError(f"{CONFIG_FILE} tiers: key 'cut_points' must be four numbers "
                          f"(Low, Moderate, High, Highest), got {cuts!r}")
    if not all(a < b for a, b in zip(cuts, cuts[1:])) or not 0 < cuts[0] or not cuts[-1] <= 100:
        raise ConfigError(f"{CONFIG_FILE} tiers: key 'cut_points' must be increasing, between 0 and 100, "
                          f"got {cuts!r}")
    return EquityConfig(tuple(components), float(share), tuple(float(c) for c in cuts))



def _bound(query: str, params: dict) -> dict:
    """The parameters the query uses (DuckDB refuses unused named parameters)."""
    code = re.sub(r"--[^\n]*", "", query)
    return {k: v for k, v in params.items() if re.search(rf"\${k}\b", code)}


def source_available(con: duckdb.DuckDBPyConnection, source: str) -> bool:
    """True when the warehouse holds the table (and columns) the source is computed from."""
    q = SOURCES[source]
    return table_exists(con, q.table) and set(q.needs_columns) <= set(columns(con, q.table))


def _prepare(con: duckdb.DuckDBPyConnection, school_year: str, settings: Settings,
             cfg: EquityConfig) -> None:
    """Fill the temp tables equity_config, equity_values and equity_components_scored."""
    con.execute("CREATE OR REPLACE TEMP TABLE equity_config (component VARCHAR, source VARCHAR, "
                "higher_is_more_need BOOLEAN, weight DOUBLE, position INTEGER)")
    con.executemany("INSERT INTO equity_config VALUES (?, ?, ?, ?, ?)", [
        [c.name, c.source, c.higher_is_more_need, c.weight, i]
        for i, c in enumerate(cfg.components, start=1)
    ])

    parts = [f"SELECT '{source}' AS source, cds, value::DOUBLE AS value FROM ({SOURCES[source].text()})"
             for source in dict.fromkeys(c.source for c in cfg.components)
             if source_available(con, source)]
    values = "\nUNION ALL\n".join(parts) or \
        "SELECT NULL::VARCHAR AS source, NULL::VARCHAR AS cds, NULL::DOUBLE AS value WHERE FALSE"
    p = settings.privacy
    params = {"school_year": school_year, "min_n": p.min_n, "color_min_n": p.color_min_n,
              "bottom_code_at": float(p.bottom_code_at), "top_code_at": float(p.top_code_at)}
    con.execute(f"CREATE OR REPLACE TEMP TABLE equity_values AS {values}", _bound(values, params))

    if table_exists(con, "validated_directory"):
        schools = "SELECT DISTINCT cds FROM validated_directory WHERE school_year = $school_year"
    else:
        schools = "SELECT DISTINCT cds FROM equity_values"
    query = sql("equity_components").format(schools=schools)
    con.execute(f"CREATE OR REPLACE TEMP TABLE equity_components_scored AS {query}",
                _bound(query, {"school_year": school_year, "min_weight_share": cfg.min_weight_share}))


def score_equity_tables(con: duckdb.DuckDBPyConnection, school_year: str, settings: Settings,
                        config: EquityConfig | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both tables at once: (``equity_index``, ``equity_components``)."""
    cfg = config if config is not None else load_equity_config()
    _prepare(con, school_year, settings, cfg)
    low, moderate, high, highest = cfg.cut_points
    index = con.execute(sql("equity_index"), {
        "school_year": school_year, "cut_low": low, "cut_moderate": moderate,
        "cut_high": high, "cut_highest": highest,
    }).df()
    components = con.execute("SELECT * FROM equity_components_scored").df()
    index["tier_rank"] = index["tier_rank"].astype("Int64")
    index["need_rank"] = index["need_rank"].astype("Int64")
    return index[INDEX_COLUMNS], components[COMPONENT_COLUMNS]


def score_equity(con: duckdb.DuckDBPyConnection, school_year: str, settings: Settings,
                 config: EquityConfig | None = None) -> pd.DataFrame:
    """The equity-need index, one row per school (table ``equity_index``; columns :data:`INDEX_COLUMNS`).

    ``config`` defaults to ``config/equity_index.yaml``, loaded and checked at each call.
    """
    return score_equity_tables(con, school_year, settings, config)[0]


def equity_components(con: duckdb.DuckDBPyConnection, school_year: str, settings: Settings,
                      config: EquityConfig | None = None) -> pd.DataFrame:
    """Why each school ranks where it does, one row per school x component (table ``equity_components``;
    columns :data:`COMPONENT_COLUMNS`): value, percentile, weight used, contribution."""
    return score_equity_tables(con, school_year, settings, config)[1]
