"""The baseline's inputs: the warehouse built from the raw exports without Dagster, and the tables
the DuckDB scoring reads, as pandas DataFrames (each read the first time a computation asks for it)."""
from __future__ import annotations

import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow.compute as pc

from benchmarks.pandas_scoring.groups import FLAG_COLUMNS
from pipeline.config import Settings, load_settings, prior_school_year
from pipeline.warehouse import columns, quote

ASSESSMENT_COLUMNS = ["school_year", "ssid", "cds", "grade", "subject", "test_type", "scale_score",
                      *FLAG_COLUMNS, "source_line"]


def _read(con: duckdb.DuckDBPyConnection, table: str, years: list[str]) -> pd.DataFrame:
    """The table's rows of ``years`` as DuckDB's ``.df()`` gives them, except that equal strings
    are one Python object (``.df()`` makes one per cell: 18 million assessment rows took 15 GB)."""
    types = dict(con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
        "ORDER BY ordinal_position", [table]).fetchall())
    if "school_year" not in types:
        return pd.DataFrame(columns=list(types))
    marks = ", ".join("?" for _ in years)
    where = f"FROM {quote(table)} WHERE school_year IN ({marks})"
    text = [c for c, t in types.items() if t == "VARCHAR"]
    other = [c for c in types if c not in text]
    # two scans of the same rows in the same order (DuckDB keeps insertion order without ORDER BY)
    frame = con.execute(f"SELECT {', '.join(map(quote, other))} {where}", years).df() if other else None
    strings = con.sql(f"SELECT {', '.join(map(quote, text))} {where}", params=years).to_arrow_table() if text else None
    n = len(frame) if frame is not None else strings.num_rows
    values = {}
    for c in types:
        if c in text:
            encoded = strings.column(c).combine_chunks().dictionary_encode()
            words = np.append(encoded.dictionary.to_numpy(zero_copy_only=False).astype(object), None)
            values[c] = words[pc.fill_null(encoded.indices, -1).to_numpy()]
        else:
            values[c] = frame[c].reset_index(drop=True)
    return pd.DataFrame(values, index=pd.RangeIndex(n))


def _input_years(school_year: str) -> dict[str, list[str]]:
    """Every warehouse table the DuckDB scoring of ``school_year`` reads, with the years it reads."""
    from pipeline.sources import SOURCES

    prior = prior_school_year(school_year)
    years = {f"validated_{source.name}": ([school_year, prior, prior_school_year(prior)]
                                          if source.name == "assessment" else [school_year])
             for source in SOURCES.values()}
    years["attendance"] = [school_year, prior]
    return years


class LazyInputs(dict):
    """The inputs of :func:`load_inputs`, each read from the warehouse the first time a
    computation asks for it, so that one computation holds only its own tables in memory."""

    def __init__(self, con: duckdb.DuckDBPyConnection, school_year: str):
        super().__init__()
        from pipeline.scoring.indicators import load_reference_tables

        self._con, self._years = con, _input_years(school_year)
        load_reference_tables(con)

    def _load(self, table: str) -> None:
        if not dict.__contains__(self, table):
            if table in self._years:
                self[table] = _read(self._con, table, self._years[table])
            elif table in REFERENCE_TABLES:
                self[table] = self._con.execute(f"SELECT * FROM {table}").df()

    def __getitem__(self, table: str) -> pd.DataFrame:
        self._load(table)
        return dict.__getitem__(self, table)

    def get(self, table: str, default=None):
        self._load(table)
        return dict.get(self, table, default)


REFERENCE_TABLES = ("cut_scores", "standard_met", "color_grid", "dashboard_rules")
# The tables each computation reads (tests/test_pandas_baseline.py checks this against what they ask for).
NEEDS = {
    "attendance": ("validated_attendance", "validated_directory"),
    "growth": ("validated_assessment",),
    "climate": ("validated_survey_codebook", "validated_survey_population", "validated_survey_responses"),
    "indicators": ("attendance", "color_grid", "cut_scores", "dashboard_rules", "standard_met", "validated_assessment",
                   "validated_dashboard_cci", "validated_dashboard_chronic", "validated_dashboard_ela",
                   "validated_dashboard_elpi", "validated_dashboard_grad", "validated_dashboard_growth",
                   "validated_dashboard_math", "validated_dashboard_susp", "validated_directory"),
}


def load_inputs(con: duckdb.DuckDBPyConnection, school_year: str,
                computations: tuple[str, ...] | None = None) -> dict[str, pd.DataFrame]:
    """The tables the DuckDB scoring of ``school_year`` reads, as DataFrames (see the module doc):
    every one, or those the named ``computations`` need (at state scale all of them at once do
    not fit in memory as pandas frames). Any other table is read when first asked for."""
    inputs = LazyInputs(con, school_year)
    tables = [*_input_years(school_year), *REFERENCE_TABLES] if computations is None else \
        sorted({t for c in computations for t in NEEDS[c]})
    for table in tables:
        inputs.get(table)
    return inputs


def input_rows(con: duckdb.DuckDBPyConnection, school_year: str) -> dict[str, int]:
    """Rows of each input table the scoring of ``school_year`` reads (counted in the warehouse)."""
    out = {}
    for table, years in _input_years(school_year).items():
        if "school_year" in columns(con, table):
            marks = ", ".join("?" for _ in years)
            out[table] = con.execute(f"SELECT count(*) FROM {quote(table)} WHERE school_year IN ({marks})",
                                     years).fetchone()[0]
        else:
            out[table] = 0
    return out


def input_frame(inputs: dict[str, pd.DataFrame], table: str, needed: list[str]) -> pd.DataFrame:
    """The input table, or an empty one with the needed columns; missing optional columns are NULL."""
    frame = inputs.get(table)
    if frame is None or not len(frame.columns):
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in needed})
    missing = [c for c in needed if c not in frame.columns]
    return frame.assign(**{c: None for c in missing}) if missing else frame


def of_year(frame: pd.DataFrame, years) -> pd.DataFrame:
    years = [years] if isinstance(years, str) else list(years)
    return frame[frame["school_year"].isin(years)]


def build_warehouse(raw_dir: str | Path, warehouse_path: str | Path, years: tuple[str, ...] | None = None,
                    settings: Settings | None = None) -> dict[str, float]:
    """Ingest every source of each year (in order) and store ``attendance``, without Dagster.

    The same calls the ingest and attendance assets make: ``ingest`` + ``kept_table`` into
    ``validated_<source>``, then ``score_attendance`` into ``attendance`` (which the
    indicator scoring of the next year reads as its prior year).
    """
    from pipeline import warehouse
    from pipeline.ingest import ingest, kept_table
    from pipeline.scoring.attendance import score_attendance
    from pipeline.sources import SOURCES

    settings = settings or load_settings()
    years = tuple(years or settings.school_years)
    seconds = {}
    with warehouse.connect(warehouse_path) as con:
        for year in years:
            started = time.perf_counter()
            where = {"school_year": year}
            for source in SOURCES.values():
                kept = kept_table(ingest(source, raw_dir, year, settings))
                warehouse.replace_rows(con, f"validated_{source.name}", kept if len(kept.columns) else
                                       pd.DataFrame({"source_line": pd.Series([], dtype="int64")}), where)
            warehouse.replace_rows(con, "attendance", score_attendance(con, year, settings), where)
            seconds[year] = time.perf_counter() - started
    return seconds
