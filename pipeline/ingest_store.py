"""One ingested export in the warehouse: storing it, recording a rejected file, and knowing when
a file is unchanged since the last run, so that it need not be read again. Also the run's notes
about the files (``ingest_notes``): the files of the raw folder that match no source, and the
Dashboard files whose rows keep CDE's published status.

The "unchanged" key of a file hashes its bytes with the fingerprint of the rules that read and
validate it (the code and settings in ``RULES_FILES``): when neither changed since the last run,
the rows stored then are what reading it again would store (a nightly refresh reads nothing).
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from pipeline import warehouse
from pipeline.config import PROJECT_ROOT
from pipeline.ingest import NOTES_TABLE, file_frame, kept_table, notes_frame
from pipeline.quarantine import empty_quarantine
from pipeline.raw_files import Unrecognised, locate
from pipeline.readers import SourceFileError
from pipeline.reconcile import reconcile
from pipeline.sources import SOURCES, Source
from pipeline.validation_report import write_report

if TYPE_CHECKING:  # types only: the ingest and reconcile modules' public names are the functions
    from pipeline.ingest import Ingested
    from pipeline.reconcile import Reconciliation

# What decides how a file is read and validated: when none of these and none of the file's bytes
# changed since the last run, the rows stored then are what reading it again would store.
# tests/test_ingest_step.py checks that every module pipeline.ingest imports is covered.
RULES_FILES = ["schemas/*.py", "pipeline/readers/*.py", "pipeline/quarantine/*.py", "pipeline/normalise.py",
               "pipeline/mapping/*.py", "config/public_files.yaml",
               "pipeline/ingest.py", "pipeline/raw_files.py", "pipeline/sources.py", "pipeline/config.py",
               "pipeline/__init__.py", "pipeline/plain_text.py", "config/settings.yaml", "config/student_groups.csv"]
CACHE_TABLE = "ingest_unchanged_key"


def rules_fingerprint() -> str:
    """SHA-256 of the code and settings that read and validate the exports."""
    h = hashlib.sha256()
    for pattern in RULES_FILES:
        for path in sorted(PROJECT_ROOT.glob(pattern)):
            h.update(path.relative_to(PROJECT_ROOT).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def unchanged_key(source: Source, raw_dir, year: str, fingerprint: str) -> str | None:
    """The file's name and bytes (and the survey codebook's, which the answers are checked against,
    and the directory's, whose schools a year's rows must belong to) with the rules' fingerprint;
    None when the file is missing or cannot be told apart from another."""
    try:
        path = locate(source, raw_dir, year)
        codebook = locate(SOURCES["survey_codebook"], raw_dir, year) if source.name == "survey_responses" else None
        directory = locate(SOURCES["directory"], raw_dir, year) if source.location == "year" else None
    except SourceFileError:
        return None  # two candidates: reading says so
    if path is None or not path.is_file():
        return None
    h = hashlib.sha256(fingerprint.encode())
    h.update(path.name.encode())  # the file's row names it: a renamed file is read again
    parts = [path] + ([codebook] if source.name == "survey_responses" else []) \
        + ([directory] if source.location == "year" else [])  # its rows are kept only for the directory's schools
    for part in parts:
        h.update(part.read_bytes() if part is not None and part.is_file() else b"(missing)")
    return h.hexdigest()


def stored_key(con, source: str, year: str) -> str | None:
    """The key recorded when this source was last stored for the year without a problem."""
    if not (warehouse.table_exists(con, CACHE_TABLE) and warehouse.table_exists(con, f"validated_{source}")):
        return None
    row = warehouse.one(con, f"SELECT key FROM {CACHE_TABLE} WHERE school_year = ? AND source = ?", [year, source])
    return row[0] if row else None


def unchanged_counts(warehouse_path: Path, source: Source, year: str, key: str) -> Reconciliation | None:
    """The stored counts when ``source`` was last stored for ``year`` under ``key``, else None."""
    with warehouse.connect(warehouse_path, read_only=True) as con:
        same = stored_key(con, source.name, year) == key
        return reconcile(con, source.name, year) if same else None


def record_rejected(warehouse_path: Path, source: Source, exc: SourceFileError, year: str, year_dir: Path,
                    raw_dir: Path | None = None, run: dict | None = None) -> None:
    """A file that cannot be used at all: its rows go, its problem is recorded and reported.

    With ``raw_dir``, the file's data lines are counted (an ``ingest_notes`` row of kind
    ``rejected``), so the report can say how many rows went unread; ``run`` (``run_id``) is shown
    on the report."""
    where = {"school_year": year}
    lines = rejected_lines(source, raw_dir, year) if raw_dir is not None else None
    with warehouse.connect(warehouse_path) as con:
        # rows from an earlier, good version of the file must not be used either
        warehouse.delete_rows(con, f"validated_{source.name}", where)
        warehouse.delete_rows(con, "quarantine", {**where, "source": source.name})
        warehouse.delete_rows(con, CACHE_TABLE, {**where, "source": source.name})
        warehouse.delete_rows(con, NOTES_TABLE, {**where, "source": source.name})
        warehouse.replace_rows(con, "ingest_files", file_frame(
            source=source.name, file=exc.path, provided=True, problem=exc.problem,
        ), {**where, "source": source.name})
        if lines is not None:
            _replace_notes(con, notes_frame([{"source": source.name, "file": exc.path, "kind": "rejected",
                                              "rows": lines, "note": exc.problem}]), {**where, "source": source.name})
        write_report(con, year, year_dir, **(run or {}))  # so the failure shows in the report too


def rejected_lines(source: Source, raw_dir: Path, year: str) -> int | None:
    """The data lines of a rejected file (its non-blank lines but the header), or None when it
    cannot be found or read: the rows the report says were not read."""
    try:
        path = locate(source, raw_dir, year)
        with open(path, "rb") as fh:
            lines = sum(1 for line in fh if line.strip())
    except (OSError, SourceFileError, ValueError, TypeError):
        return None
    return max(lines - 1, 0)


def store(warehouse_path: Path, source: Source, result: Ingested, year: str,
          key: str | None) -> tuple[pd.DataFrame, Reconciliation]:
    """Replace the year's kept rows, quarantined rows and file record of ``source`` (and its
    unchanged key, when there is one); returns the kept rows and the counts read back."""
    where = {"school_year": year}
    kept = kept_table(result)
    quarantine = result.validated.quarantine if result.provided else empty_quarantine()
    with warehouse.connect(warehouse_path) as con:
        warehouse.replace_rows(con, f"validated_{source.name}", kept if len(kept.columns) else
                               pd.DataFrame({"source_line": pd.Series([], dtype="int64")}), where)
        warehouse.replace_rows(con, "quarantine", quarantine, {**where, "source": source.name})
        warehouse.replace_rows(con, "ingest_files", file_frame(**result.file_row), {**where, "source": source.name})
        if key is not None:
            warehouse.replace_rows(con, CACHE_TABLE, pd.DataFrame(
                {"source": [source.name], "key": [key]}), {**where, "source": source.name})
        _replace_notes(con, notes_frame(result.note_rows if result.provided else []), {**where, "source": source.name})
        counts = reconcile(con, source.name, year)
    return kept, counts


def _replace_notes(con, frame: pd.DataFrame, where: dict) -> None:
    """Replace the notes matching ``where``. No table is made for no notes: a run without notes leaves
    the warehouse as runs always left it."""
    if frame.empty and not warehouse.table_exists(con, NOTES_TABLE):
        return
    warehouse.replace_rows(con, NOTES_TABLE, frame, where)


def record_unrecognised(warehouse_path: Path, year: str, files: list[Unrecognised]) -> None:
    """The year's list of the files that match no source, replacing the last run's."""
    frame = notes_frame([{"file": f.file, "kind": "unrecognised", "note": f.hint} for f in files])
    with warehouse.connect(warehouse_path) as con:
        _replace_notes(con, frame, {"school_year": year, "kind": "unrecognised"})


def read_notes(con, year: str, kind: str) -> pd.DataFrame:
    """The year's notes of one kind ("unrecognised" or "cde_status"), by file; empty when there are none."""
    if not warehouse.table_exists(con, NOTES_TABLE):
        return notes_frame([])
    return warehouse.read_table(con, NOTES_TABLE, {"school_year": year, "kind": kind}).sort_values("file")
