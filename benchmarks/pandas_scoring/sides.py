"""The two sides, run and timed on one warehouse: the pipeline's own DuckDB scoring functions and
the pandas baseline, each computation ``repeats`` times, then compared."""
from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from benchmarks.pandas_scoring.attendance import score_attendance
from benchmarks.pandas_scoring.climate import score_climate
from benchmarks.pandas_scoring.compare import compare, published
from benchmarks.pandas_scoring.growth import growth_tables
from benchmarks.pandas_scoring.indicators import score_indicators
from benchmarks.pandas_scoring.loading import input_rows, load_inputs
from pipeline.config import Settings, load_settings
from pipeline.warehouse import connect

COMPUTATIONS = ("attendance", "growth", "climate", "indicators")
OUTPUTS = ("attendance", "growth", "growth_model", "climate", "indicator_results")


def score_pandas(inputs: dict[str, pd.DataFrame], school_year: str, settings: Settings | None = None) -> dict[str, pd.DataFrame]:
    """Every computation of the baseline on ``inputs`` (from :func:`load_inputs`): the tables of OUTPUTS."""
    settings = settings or load_settings()
    growth, model = growth_tables(inputs, school_year, settings)
    return {"attendance": score_attendance(inputs, school_year, settings),
            "growth": growth, "growth_model": model,
            "climate": score_climate(inputs, school_year, settings),
            "indicator_results": score_indicators(inputs, school_year, settings)}


def duckdb_runners(settings: Settings) -> dict[str, Callable]:
    """Computation -> ``run(con, year)`` with the pipeline's function, giving ``{table: frame}``."""
    from pipeline.scoring.attendance import score_attendance as duck_attendance
    from pipeline.scoring.climate import score_climate as duck_climate
    from pipeline.scoring.growth import growth_tables as duck_growth_tables
    from pipeline.scoring.indicators import score_indicators as duck_indicators

    def growth(con, year):
        g, m = duck_growth_tables(con, year, settings)
        return {"growth": g, "growth_model": m}

    return {
        "attendance": lambda con, year: {"attendance": duck_attendance(con, year, settings)},
        "growth": growth,
        "climate": lambda con, year: {"climate": duck_climate(con, year, settings)},
        "indicators": lambda con, year: {"indicator_results": duck_indicators(con, year, settings)},
    }


def pandas_runners(settings: Settings) -> dict[str, Callable]:
    """Computation -> ``run(inputs, year)`` with the baseline's function, giving ``{table: frame}``."""
    def growth(inputs, year):
        g, m = growth_tables(inputs, year, settings)
        return {"growth": g, "growth_model": m}

    return {
        "attendance": lambda inputs, year: {"attendance": score_attendance(inputs, year, settings)},
        "growth": growth,
        "climate": lambda inputs, year: {"climate": score_climate(inputs, year, settings)},
        "indicators": lambda inputs, year: {"indicator_results": score_indicators(inputs, year, settings)},
    }


def score_duckdb(con: duckdb.DuckDBPyConnection, school_year: str, settings: Settings | None = None) -> dict[str, pd.DataFrame]:
    """The pipeline's own DuckDB scoring functions (pipeline.scoring.*) on ``con``."""
    settings = settings or load_settings()
    out: dict[str, pd.DataFrame] = {}
    for run in duckdb_runners(settings).values():
        out.update(run(con, school_year))
    return out


def _timed(fn: Callable, *args) -> tuple[float, dict]:
    started = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - started, result


def _measured(fn: Callable, *args) -> tuple[float, float, dict]:
    """(wall seconds, CPU seconds of the whole process, i.e. of all DuckDB's threads too, result)."""
    cpu = time.process_time()
    wall, result = _timed(fn, *args)
    return wall, time.process_time() - cpu, result


def run_both(warehouse_path: str | Path, school_year: str, repeats: int = 3, settings: Settings | None = None,
             computations: tuple[str, ...] = COMPUTATIONS, threads: int | None = None) -> dict:
    """Time the pipeline's DuckDB scoring and the pandas baseline on one warehouse and year (see module doc).

    ``threads`` sets DuckDB's thread count (default: DuckDB's own, one per core); pandas uses one core.
    Only the tables the ``computations`` need are loaded (timed apart, ``load_seconds``).
    """
    settings = settings or load_settings()
    duck_run, pandas_run = duckdb_runners(settings), pandas_runners(settings)
    result: dict = {"school_year": school_year, "warehouse": str(warehouse_path), "repeats": repeats,
                    "duckdb": {}, "pandas": {}, "duckdb_cpu": {}, "pandas_cpu": {}, "summary": {}}
    duck_tables: dict[str, pd.DataFrame] = {}
    pandas_tables: dict[str, pd.DataFrame] = {}
    with connect(warehouse_path, read_only=True) as con:
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        result["duckdb_threads"] = int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])
        load_seconds, inputs = _timed(load_inputs, con, school_year, tuple(computations))
        result["load_seconds"] = load_seconds
        result["input_rows"] = input_rows(con, school_year)
        for name in computations:
            for side, run, source, tables in (("duckdb", duck_run, con, duck_tables),
                                              ("pandas", pandas_run, inputs, pandas_tables)):
                walls, cpus = [], []
                for _ in range(repeats):
                    wall, cpu, out = _measured(run[name], source, school_year)
                    walls.append(wall)
                    cpus.append(cpu)
                result[side][name], result[f"{side}_cpu"][name] = walls, cpus
                tables.update(out)
    for name in computations:
        d, m = result["duckdb"][name], result["pandas"][name]
        dc, mc = result["duckdb_cpu"][name], result["pandas_cpu"][name]
        result["summary"][name] = {"duckdb_best": min(d), "duckdb_median": statistics.median(d),
                                   "pandas_best": min(m), "pandas_median": statistics.median(m),
                                   "ratio": min(m) / min(d) if min(d) > 0 else float("inf"),
                                   "duckdb_cpu_best": min(dc), "pandas_cpu_best": min(mc)}
    result["output_rows"] = {t: len(f) for t, f in duck_tables.items()}
    result["differences"] = compare(published(duck_tables, settings), published(pandas_tables, settings))
    return result


def format_report(result: dict) -> str:
    lines = [f"school year {result['school_year']}, warehouse {result['warehouse']}, "
             f"{result['repeats']} repeats, DuckDB threads {result.get('duckdb_threads')}",
             f"loading the inputs into pandas: {result['load_seconds']:.3f} s "
             f"({sum(result['input_rows'].values()):,} rows)",
             f"{'computation':<12} {'duckdb best':>12} {'median':>9} {'cpu':>8} {'pandas best':>12} {'median':>9} "
             f"{'cpu':>8} {'pandas/duckdb':>14}"]
    for name, s in result["summary"].items():
        lines.append(f"{name:<12} {s['duckdb_best']:>11.3f}s {s['duckdb_median']:>8.3f}s {s['duckdb_cpu_best']:>7.3f}s "
                     f"{s['pandas_best']:>11.3f}s {s['pandas_median']:>8.3f}s {s['pandas_cpu_best']:>7.3f}s "
                     f"{s['ratio']:>13.2f}x")
    lines.append("output rows: " + ", ".join(f"{t} {n:,}" for t, n in result["output_rows"].items()))
    diffs = result["differences"]
    lines.append("identical results" if not diffs else f"{len(diffs)} differences:")
    lines += [f"  {d}" for d in diffs]
    return "\n".join(lines)
