"""Where exports are read from and everything is written: the two folders and their defaults.

``SCORECARDS_RAW_DIR`` and ``SCORECARDS_OUT_DIR`` name them; unset (or empty), they are
``data/raw`` and ``data/out`` of the project. The Dagster ``files`` resource binds the same
variables (``assets/resources.py``); ``scorecards deliver`` and ``status`` and the sensor read
them here.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from pipeline.config import PROJECT_ROOT

RAW_ENV = "SCORECARDS_RAW_DIR"
OUT_ENV = "SCORECARDS_OUT_DIR"
DEFAULT_RAW_DIR = str(PROJECT_ROOT / "data" / "raw")
DEFAULT_OUT_DIR = str(PROJECT_ROOT / "data" / "out")
WAREHOUSE_FILE = "scorecards.duckdb"


def raw_dir(env: Mapping[str, str]) -> str:
    """The raw folder ``env`` names (``SCORECARDS_RAW_DIR``), else the project's ``data/raw``."""
    return env.get(RAW_ENV) or DEFAULT_RAW_DIR


def out_dir(env: Mapping[str, str]) -> str:
    """The output folder ``env`` names (``SCORECARDS_OUT_DIR``), else the project's ``data/out``."""
    return env.get(OUT_ENV) or DEFAULT_OUT_DIR


@dataclass(frozen=True)
class Folders:
    """The raw and output folders, resolved, and the paths inside the output folder."""

    raw: Path
    out: Path

    @classmethod
    def of(cls, raw: str | Path | None, out: str | Path | None) -> "Folders":
        """The given folders, resolved; an unset or empty one is the project's default."""
        return cls(Path(raw or DEFAULT_RAW_DIR).resolve(), Path(out or DEFAULT_OUT_DIR).resolve())

    @classmethod
    def from_env(cls, env: Mapping[str, str], raw: str | None = None, out: str | None = None) -> "Folders":
        """``raw`` and ``out`` when given, else the folders ``env`` names, else the defaults."""
        return cls.of(raw or raw_dir(env), out or out_dir(env))

    def year_dir(self, school_year: str) -> Path:
        return self.out / school_year

    @property
    def warehouse_path(self) -> Path:
        return self.out / WAREHOUSE_FILE
