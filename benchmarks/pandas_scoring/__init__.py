"""A plain-pandas baseline of the pipeline's DuckDB scoring, for benchmarks (issue #7).

The same rules as the SQL under ``pipeline/scoring/sql``, written as vectorised pandas
(groupby/merge, no per-row Python loops), over the same validated warehouse tables held as
DataFrames, and a comparison that shows the two give the same figures.

Computations, one module each (each mirrors the named SQL and the pipeline module of the same
name; the comment at the top of each SQL file is the spec):

- ``attendance``         attendance.sql (+ the ``student_groups`` macro of macros.sql)
- ``growth``             growth_students.sql, growth_model.sql, growth.sql -> ``growth`` and ``growth_model``
- ``climate``            climate_answers.sql, climate.sql
- ``indicators``         indicator_inputs.sql, indicator_results.sql -> ``indicator_results``
                         (before complementary suppression / top-bottom coding, i.e. what
                         ``pipeline.scoring.indicators.score_indicators`` returns)

and beside them: ``loading`` (the warehouse and its tables as DataFrames), ``groups`` (the
``student_groups`` macro), ``rounding`` (DuckDB's rounding), ``compare`` (both sides cell by cell)
and ``sides`` (both sides run and timed).

Privacy steps that the pipeline applies in Python after the SQL (``protect_results``,
``protect_climate`` of ``pipeline/scoring/privacy.py``) are applied to both sides by
:func:`published` and compared too (``indicator_results_published``, ``climate_published``).

Public API (all frames are pandas DataFrames; ``settings`` defaults to ``load_settings()``)::

    load_inputs(con, school_year, computations=None) -> dict[str, DataFrame]
        The tables the DuckDB scoring reads (all, or those the named computations need, NEEDS), as DataFrames: validated_<source> for the year
        (validated_assessment for the year and the two before), the stored ``attendance`` table
        of the year and the year before, and the reference tables ``cut_scores``,
        ``standard_met``, ``color_grid``, ``dashboard_rules`` exactly as ``scoring.indicators.load_reference_tables`` loads them.
    score_attendance(inputs, school_year, settings=None) -> DataFrame      # like scoring.attendance.score_attendance
    growth_tables(inputs, school_year, settings=None, *, tau2_floor=TAU2_FLOOR)
        -> (growth, growth_model)                                          # like scoring.growth.growth_tables
    score_climate(inputs, school_year, settings=None) -> DataFrame         # like scoring.climate.score_climate
    score_indicators(inputs, school_year, settings=None) -> DataFrame      # like scoring.indicators.score_indicators
    score_pandas(inputs, school_year, settings=None) -> dict[str, DataFrame]
    score_duckdb(con, school_year, settings=None) -> dict[str, DataFrame]  # the pipeline's own functions
        Both return the keys of OUTPUTS: attendance, growth, growth_model, climate, indicator_results.
    published(tables, settings=None) -> dict[str, DataFrame]
        Adds indicator_results_published and climate_published (the pipeline's privacy functions).
    compare(duck, pandas, keys=KEYS) -> list[str]
        Human-readable differences; [] means identical. Rows are aligned on KEYS[name]; integers,
        strings, booleans and every figure the SQL rounds (EXACT[name]) must be equal exactly;
        other floats to 1e-9 relative (|a - b| <= 1e-9 * max(|a|, |b|, 1)); NULL/NaN/NA are one value.
    run_both(warehouse_path, school_year, repeats=3, settings=None, computations=COMPUTATIONS,
             threads=None) -> dict
        Opens the warehouse read-only, loads the inputs once (timed apart: "load_seconds"), then
        times each computation ``repeats`` times on each side. DuckDB side: the pipeline's own
        pipeline.scoring functions on the warehouse connection (their SQL, temp tables and the
        result's conversion to a DataFrame: what the assets do). Pandas side: the functions here
        on the in-memory inputs. Returns {"school_year", "warehouse", "repeats", "duckdb_threads",
        "load_seconds", "input_rows": {table: rows}, "output_rows": {table: rows},
        "duckdb": {computation: [seconds, ...]}, "pandas": {computation: [seconds, ...]},
        "duckdb_cpu" / "pandas_cpu": the same in process CPU seconds (all threads), "summary":
        {computation: {"duckdb_best", "duckdb_median", "pandas_best", "pandas_median", "ratio",
        "duckdb_cpu_best", "pandas_cpu_best"}}, "differences": compare(...) including the
        published tables}. ``ratio`` is pandas_best / duckdb_best in wall time (above 1: DuckDB
        is faster). The tables of the last repeat are the ones compared.
    duckdb_runners(settings), pandas_runners(settings) -> {computation: run(source, year)}
        One side's function per computation, each giving {table: DataFrame}.
    build_warehouse(raw_dir, warehouse_path, years=None, settings=None) -> dict[str, float]
        Ingest every source of each year and store ``attendance`` with the plain pipeline
        functions (no Dagster): what the scoring reads. Returns seconds per year.
    format_report(result) -> str
        A plain-text table of run_both's result.

Command line: ``python -m benchmarks.pandas_scoring WAREHOUSE YEAR [REPEATS [THREADS]]``.

COMPUTATIONS = ("attendance", "growth", "climate", "indicators"); "growth" produces two tables.
"""
from benchmarks.pandas_scoring.attendance import score_attendance
from benchmarks.pandas_scoring.climate import score_climate
from benchmarks.pandas_scoring.compare import EXACT, KEYS, RELATIVE_TOLERANCE, compare, published
from benchmarks.pandas_scoring.growth import growth_tables
from benchmarks.pandas_scoring.indicators import score_indicators
from benchmarks.pandas_scoring.loading import NEEDS, REFERENCE_TABLES, build_warehouse, input_rows, load_inputs
from benchmarks.pandas_scoring.rounding import decimal_tenths
from benchmarks.pandas_scoring.sides import (
    COMPUTATIONS,
    OUTPUTS,
    duckdb_runners,
    format_report,
    pandas_runners,
    run_both,
    score_duckdb,
    score_pandas,
)

__all__ = [
    "COMPUTATIONS", "EXACT", "KEYS", "NEEDS", "OUTPUTS", "REFERENCE_TABLES", "RELATIVE_TOLERANCE",
    "build_warehouse", "compare", "decimal_tenths", "duckdb_runners", "format_report", "growth_tables",
    "input_rows", "load_inputs", "pandas_runners", "published", "run_both", "score_attendance",
    "score_climate", "score_duckdb", "score_indicators", "score_pandas",
]
