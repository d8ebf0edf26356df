"""Whether a school year may be e-mailed: rendered, validated, and approved by a person.

Sending is a person's decision, never a schedule's: :func:`deliver_year` sends only with
``approved_by`` (the name the ledger records) and only a year that :func:`release_problems` finds
nothing wrong with:

- the year was validated: the warehouse has its ``ingest_files`` rows, every required source
  (``config/settings.yaml``: ``required_sources``; of a group, one) was provided and none rejected, and every
  source's rows reconcile (read = kept + quarantined), i.e. the blocking checks ``required_source_present``
  and ``rows_reconcile`` pass;
- the year was rendered: ``<out>/<year>/manifest.json`` exists; each school's PDFs are sent only
  when they are byte for byte the files the manifest lists (:func:`rendered_checksums`), so a
  PDF changed or added by hand after rendering is never mailed;
- no earlier year was scored again after it (:mod:`pipeline.scoring.later_years`): its files on
  disk could then show prior-year figures the earlier year now hides.
"""
from __future__ import annotations

import json
from pathlib import Path

import duckdb

from pipeline import warehouse
from pipeline.publish import MANIFEST
from pipeline.reconcile import reconcile
from pipeline.scoring.later_years import stale_reasons


class ReleaseRefused(RuntimeError):
    """The year may not be sent (not approved, not validated or not rendered); nothing was sent."""

    def __init__(self, school_year: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"refusing to send {school_year}: " + "; ".join(problems))


def rendered_checksums(year_dir: Path) -> dict[str, str] | None:
    """The manifest's files (``schools/<cds>/scorecard.<lang>.pdf`` → SHA-256), or None if not rendered."""
    try:
        manifest = json.loads((Path(year_dir) / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    files = manifest.get("files")
    return dict(files) if isinstance(files, dict) else None


def release_problems(con: duckdb.DuckDBPyConnection, school_year: str, year_dir: Path,
                     required_sources) -> list[str]:
    """Why ``school_year`` may not be sent yet: empty when it was validated and rendered."""
    problems = []
    if not warehouse.table_exists(con, "ingest_files"):
        problems.append("it was never validated (no ingest_files in the warehouse): run `scorecards run` first")
    else:
        files = con.execute("SELECT source, coalesce(provided, false), problem FROM ingest_files "
                            "WHERE school_year = ? ORDER BY source", [school_year]).fetchall()
        seen = {source: (provided, problem) for source, provided, problem in files}
        if not seen:
            problems.append("it was never validated (no ingest_files rows for the year)")
        for group in required_sources:  # a group: sources of which one provided is enough
            group = (group,) if isinstance(group, str) else tuple(group)
            for source in group:
                problem = seen.get(source, (False, None))[1]
                if problem:
                    problems.append(f"required source {source} was rejected: {problem}")
            if not any(seen.get(source, (False, None))[0] for source in group):
                problems.append(f"required source {' or '.join(group)} is missing (check required_source_present)")
        for source in seen:
            counts = reconcile(con, source, school_year)
            if counts.provided and not counts.balanced:
                problems.append(f"{source}: rows read {counts.rows_read} != kept {counts.rows_kept} + "
                                f"quarantined {counts.rows_quarantined} (check rows_reconcile)")
    if rendered_checksums(year_dir) is None:
        problems.append(f"it was never rendered: no {Path(year_dir) / MANIFEST}")
    problems.extend(stale_reasons(con, school_year))
    return problems
