"""A hand-made year that may be sent: what a validated and rendered year leaves behind for delivery.

Delivery sends only a year whose required sources were provided and reconcile (``ingest_files``)
and only the PDFs ``manifest.json`` lists (``pipeline/delivery/release.py``). Delivery tests make
their PDFs by hand; :func:`release_year` writes those two records for them, as a run would.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pipeline import warehouse
from pipeline.config import load_settings
from pipeline.ingest import file_frame

APPROVER = "Dana Reviewer"


def release_year(out: Path, year: str) -> None:
    """``ingest_files`` rows (required sources present, balanced) and the manifest of the PDFs on disk."""
    year_dir = Path(out) / year
    with warehouse.connect(Path(out) / "scorecards.duckdb") as con:
        schools = con.execute("SELECT count(*) FROM validated_directory WHERE school_year = ?", [year]).fetchall()[0][0]
        for source, *_ in load_settings().required_sources:  # of a group, its first source
            rows = schools if source == "directory" else 0
            warehouse.replace_rows(con, "ingest_files", file_frame(
                source=source, file=f"raw/{source}.csv", provided=True, rows_read=rows, rows_kept=rows,
                rows_quarantined=0), {"school_year": year, "source": source})
    files = {p.relative_to(year_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted((year_dir / "schools").rglob("*.pdf"))}
    (year_dir / "manifest.json").write_text(json.dumps({"school_year": year, "documents": {}, "files": files}))
