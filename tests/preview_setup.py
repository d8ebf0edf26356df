"""A warehouse filled from the tiny sample's state files only (CAASPP, ELPAC, CALPADS STAS, SELA,
SPRG and CDE's Dashboard files; no assessment.csv or attendance.csv), scored for two years: the
district's preview (origin ``district``) beside the sample's CDE files (origin ``cde``)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline import warehouse
from pipeline.config import load_settings
from pipeline.ingest import ingest
from pipeline.ingest_store import store
from pipeline.sample import generate
from pipeline.scoring.attendance import score_attendance
from pipeline.scoring.indicators import score_indicators
from pipeline.sources import SOURCES
from pipeline.state_tables import load_state_tables

YEARS = ("2022-23", "2023-24")
SOURCES_READ = ["directory", "caaspp", "elpac", "calpads_stas", "calpads_sela", "calpads_sprg",
                "dashboard_chronic", "dashboard_ela", "dashboard_math", "dashboard_elpi"]


def preview_results(root: Path, scale: str = "tiny", seed: int = 7) -> pd.DataFrame:
    """``score_indicators`` of the last year (before any disclosure step: the rules alone)."""
    raw = root / "raw"
    generate(raw, scale=scale, seed=seed, years=YEARS, state_files=True)
    for year in YEARS:
        for name in ("assessment.csv", "attendance.csv"):
            (raw / year / name).unlink()
    return preview_of(raw, root / "scorecards.duckdb", YEARS)[YEARS[-1]]


def preview_of(raw: Path, path: Path, years: tuple[str, ...], sources: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """``score_indicators`` of each of ``years`` (in order: each needs the one before) from the state's
    files and CDE's Dashboard files under ``raw`` (``sources``, default ``SOURCES_READ``), stored in
    the warehouse at ``path``."""
    settings = load_settings()
    out = {}
    for year in years:
        for name in sources or SOURCES_READ:
            store(path, SOURCES[name], ingest(SOURCES[name], raw, year, settings), year, None)
        load_state_tables(path, year)
        with warehouse.connect(path) as con:
            warehouse.replace_rows(con, "attendance", score_attendance(con, year, settings), {"school_year": year})
            out[year] = score_indicators(con, year, settings)
    return out


def real_student_n_size(sbs: pd.DataFrame) -> pd.Series:
    """Compared rows whose difference is the n-size counted on real students: CDE counts the students
    added for its 95 % participation rule towards 11, the preview (privacy) does not, so our figure,
    or last year's behind our change, is hidden where CDE's is shown."""
    ours_hidden = sbs["note_district"].eq("n_lt_11") & sbs["n_cde"].notna()
    change_only = sbs["differs"].apply(lambda d: bool(d) and set(d.split(", ")) <= {"change", "change_level", "color"})
    prior_hidden = change_only & sbs["change_district"].isna() & sbs["change_cde"].notna()
    return sbs["compared"] & sbs["indicator"].isin(["ela", "math"]) & (ours_hidden | prior_hidden)
