"""The overall framework rating, declared in ``config/framework.yaml`` and computed in DuckDB.

This module loads and checks the configuration, registers it as small tables, and runs
``sql/framework_values.sql``, ``sql/framework_measures.sql`` and ``sql/framework_rating.sql``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.config import ConfigError, config_path, read_yaml
from pipeline.warehouse import table_exists

SOURCE_TABLES = {"indicator_results": "indicator", "growth": "subject", "climate": "respondent_group"}
CUTS = 9  # nine cut points -> index levels 1..10


@dataclass(frozen=True)
class Framework:
    name: str
    missing_weight: str
    min_weight_present: float
    measures: pd.DataFrame  # measure, label, domain, domain_label, domain_weight, weight, ...
    cuts: pd.DataFrame  # measure, position (1..9), cut
    levels: pd.DataFrame  # level, label, min


def _need(d: dict, key: str, where: str):
    if not isinstance(d, dict) or key not in d:
        raise ConfigError(f"{where}: missing key '{key}'")
    return d[key]


def load_framework(path: Path | str | None = None) -> Framework:
    """Read and check the framework configuration; errors name the file and the key."""
    path = Path(path) if path else config_path("framework.yaml")
    raw = read_yaml(path)
    where = path.name
    missing_weight = _need(raw, "missing_weight", where)
    if missing_weight not in ("reallocate", "zero"):
        raise ConfigError(f"{where}: missing_weight must be 'reallocate' or 'zero', got {missing_weight!r}")
    levels = pd.DataFrame(_need(raw, "levels", where))
    if not {"level", "label", "min"} <= set(levels.columns) or not levels["min"].is_monotonic_increasing:
        raise ConfigError(f"{where}: levels need level, label and min, with min increasing")
    rows, cuts = [], []
    seen: set[str] = set()
    for d_i, domain in enumerate(_need(raw, "domains", where)):
        dw = f"{where} domains[{d_i}]"
        d_id, d_weight = _need(domain, "id", dw), float(_need(domain, "weight", dw))
        total = 0.0
        for m_i, m in enumerate(_need(domain, "measures", dw)):
            mw = f"{dw} ({d_id}) measures[{m_i}]"
            m_id = _need(m, "id", mw)
            if m_id in seen:
                raise ConfigError(f"{mw}: measure id '{m_id}' appears twice")
            seen.add(m_id)
            source = _need(m, "source", mw)
            table = _need(source, "table", f"{mw} source")
            if table not in SOURCE_TABLES:
                raise ConfigError(f"{mw} source: unknown table '{table}'; known: {', '.join(SOURCE_TABLES)}")
            selector = _need(source, SOURCE_TABLES[table], f"{mw} source")
            weight = float(_need(m, "weight", mw))
            if weight <= 0:
                raise ConfigError(f"{mw}: weight must be positive")
            higher = bool(_need(m, "higher_is_better", mw))
            points = [float(c) for c in _need(m, "cuts", mw)]
            ordered = points == sorted(points) if higher else points == sorted(points, reverse=True)
            if len(points) != CUTS or not ordered:
                raise ConfigError(f"{mw}: cuts must be {CUTS} numbers, "
                                  f"{'increasing' if higher else 'decreasing (lower is better)'}")
            total += weight
            rows.append({
                "measure": m_id, "label": _need(m, "label", mw), "domain": d_id,
                "domain_label": domain.get("label", d_id), "domain_weight": d_weight, "weight": weight,
                "higher_is_better": higher, "min_n": int(_need(m, "min_n", mw)), "source_table": table,
                "indicator": selector if table == "indicator_results" else None,
                "subject": selector if table == "growth" else None,
                "respondent_group": selector if table == "climate" else None,
            })
            cuts += [{"measure": m_id, "position": i + 1, "cut": c} for i, c in enumerate(points)]
        if abs(total - d_weight) > 1e-9:
            raise ConfigError(f"{dw} ({d_id}): measure weights add up to {total:g}, the domain weight is {d_weight:g}")
    measures = pd.DataFrame(rows)
    if abs(measures.groupby("domain")["domain_weight"].first().sum() - 100) > 1e-9:
        raise ConfigError(f"{where}: domain weights must add up to 100")
    return Framework(
        name=raw.get("name", "Framework"), missing_weight=missing_weight,
        min_weight_present=float(_need(raw, "min_weight_present", where)),
        measures=measures, cuts=pd.DataFrame(cuts), levels=levels,
    )


def _register(con: duckdb.DuckDBPyConnection, fw: Framework, schools: pd.DataFrame) -> None:
    for name, frame in (("framework_measures", fw.measures), ("framework_cuts", fw.cuts),
                        ("framework_levels", fw.levels), ("schools", schools)):
        con.register(f"_{name}", frame)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _{name}")
        con.unregister(f"_{name}")


def _ensure_source_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Empty stand-ins for scored tables not built (yet), so a rating can still be made."""
    empty = {
        "indicator_results": "school_year VARCHAR, cds VARCHAR, rtype VARCHAR, student_group VARCHAR, "
                             "indicator VARCHAR, origin VARCHAR, status DOUBLE, n BIGINT",
        "growth": "school_year VARCHAR, cds VARCHAR, rtype VARCHAR, student_group VARCHAR, subject VARCHAR, "
                  "eb_estimate DOUBLE, mean DOUBLE, n BIGINT",
        "climate": "school_year VARCHAR, cds VARCHAR, rtype VARCHAR, respondent_group VARCHAR, level VARCHAR, "
                   "percent_favorable DOUBLE, respondents BIGINT, suppressed BOOLEAN",
    }
    for table, cols in empty.items():
        if not table_exists(con, table):
            con.execute(f"CREATE TEMP TABLE {table} ({cols})")


def score_framework(con: duckdb.DuckDBPyConnection, school_year: str, schools: pd.DataFrame,
                    fw: Framework | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(school_rating, rating_measures)`` for the schools in ``schools`` (columns cds, peer_tier)."""
    from pipeline.scoring import sql

    fw = fw or load_framework()
    _ensure_source_tables(con)
    _register(con, fw, schools[["cds", "peer_tier"]])
    params = {"school_year": school_year}
    con.execute(f"CREATE OR REPLACE TEMP TABLE framework_values AS {sql('framework_values')}", params)
    con.execute(f"CREATE OR REPLACE TEMP TABLE measure_scores AS {sql('framework_measures')}",
                {"missing_weight": fw.missing_weight})
    measures = con.execute("SELECT * FROM measure_scores").df().assign(school_year=school_year)
    rating = con.execute(sql("framework_rating"), {
        "school_year": school_year, "min_weight_present": fw.min_weight_present,
    }).df()
    keep = ["school_year", "cds", "domain", "domain_label", "measure", "label", "higher_is_better", "value", "n",
            "missing_reason", "index_level", "points", "weight", "effective_weight", "contribution",
            "next_cut", "improvement_needed"]
    return rating, measures[keep].sort_values(["cds", "domain", "measure"]).reset_index(drop=True)
