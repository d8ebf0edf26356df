"""Dagster resources for everything outside the code: the raw and output folders, the warehouse."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator, Optional

import dagster as dg
import duckdb

from pipeline import warehouse
from pipeline.config import PROJECT_ROOT

RAW_ENV = "SCORECARDS_RAW_DIR"
OUT_ENV = "SCORECARDS_OUT_DIR"


def default_raw_dir() -> str:
    return os.environ.get(RAW_ENV) or str(PROJECT_ROOT / "data" / "raw")


def default_out_dir() -> str:
    return os.environ.get(OUT_ENV) or str(PROJECT_ROOT / "data" / "out")


class ScorecardFiles(dg.ConfigurableResource):
    """Where exports are read from and scorecards, reports and the warehouse are written.

    Unset folders are read from SCORECARDS_RAW_DIR and SCORECARDS_OUT_DIR when a run starts,
    else data/raw and data/out of the project.
    """

    raw_dir: Optional[str] = None
    out_dir: Optional[str] = None

    @property
    def raw(self) -> Path:
        return Path(self.raw_dir or default_raw_dir()).resolve()

    @property
    def out(self) -> Path:
        return Path(self.out_dir or default_out_dir()).resolve()

    def year_dir(self, school_year: str) -> Path:
        return self.out / school_year

    @property
    def warehouse_path(self) -> Path:
        return self.out / "scorecards.duckdb"

    @contextlib.contextmanager
    def warehouse(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to ``<out>/scorecards.duckdb``, closed afterwards."""
        with warehouse.connect(self.warehouse_path, read_only=read_only) as con:
            yield con


