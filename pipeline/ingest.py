"""Ingest one source for one school year: find, read, normalise, validate. Plain functions, no Dagster.

What a run notes about its files beside the counts (``ingest_notes``) is shaped here too: the
files that match no source, and the Dashboard files whose rows keep CDE's published status.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.config import Settings
from pipeline.normalise import directory_rules, normalise_dashboard, normalise_directory, survey_rules, year_rules
from pipeline.quarantine import Validated, validate
from pipeline.raw_files import display, locate
from pipeline.readers.state import read_state_file
from pipeline.readers import LINE, RawTable, SourceFileError, normalise_name, peek_columns, read_delimited
from pipeline.sources import Source, publishes_change
from schemas.dashboard import COLUMN_ALIASES


@dataclass
class Ingested:
    source: Source
    path: Path
    display_path: str  # the path as shown to users: relative to the raw folder's parent
    provided: bool
    raw: RawTable | None = None
    validated: Validated | None = None
    # a Dashboard file without a column the n-size comes from: why its rows keep CDE's published
    # status (see ``Source.needs``); None when the recomputation has everything it needs
    cde_status: str | None = None
    # where the rows came from when the file is in another layout (``ingest_notes`` rows, kind "origin")
    notes: list[dict] = field(default_factory=list)

    @property
    def file_row(self) -> dict:
        """One row of the ``ingest_files`` table: what was read and what became of it."""
        v, r = self.validated, self.raw
        return {
            "source": self.source.name,
            "file": self.display_path,
            "provided": self.provided,
            "checksum": r.checksum if r else None,
            "encoding": r.encoding if r else None,
            "delimiter": {"\t": "tab", ",": "comma"}.get(r.delimiter, r.delimiter) if r else None,
            "rows_read": v.rows_read if v else 0,
            "rows_kept": v.rows_kept if v else 0,
            "rows_quarantined": v.rows_quarantined if v else 0,
            "blank_lines": r.blank_lines if r else 0,
            "ignored_columns": ", ".join(r.ignored_columns) if r else "",
        }

    @property
    def note_rows(self) -> list[dict]:
        """Every ``ingest_notes`` row of the file: the CDE-status note and where the rows came from."""
        return ([self.note_row] if self.note_row else []) + list(self.notes) + self.heading_rows

    @property
    def heading_rows(self) -> list[dict]:
        """The ``ingest_notes`` row (kind ``headings``) counting a report export's title, heading and
        total lines, skipped as no student's (``pipeline/readers/calpads_report.py``); none without."""
        n = self.raw.heading_lines if self.raw is not None else 0
        return [{"source": self.source.name, "file": self.display_path, "kind": "headings", "rows": n,
                 "note": f"{n} line{'s' if n != 1 else ''} of report title, headings or totals skipped "
                         "(no SSID in the SSID column): not student lines"}] if n else []

    @property
    def note_row(self) -> dict | None:
        """The ``ingest_notes`` row saying the file's rows keep CDE's published status, if they do."""
        if self.cde_status is None:
            return None
        return {"source": self.source.name, "file": self.display_path, "kind": "cde_status",
                "rows": self.validated.rows_kept, "note": self.cde_status}


FILE_COLUMNS = {
    "source": "string", "file": "string", "provided": "boolean", "problem": "string",
    "checksum": "string", "encoding": "string", "delimiter": "string", "rows_read": "Int64",
    "rows_kept": "Int64", "rows_quarantined": "Int64", "blank_lines": "Int64", "ignored_columns": "string",
}


def file_frame(**row) -> pd.DataFrame:
    """One ``ingest_files`` row with fixed column types (unknown values stay NULL)."""
    return pd.DataFrame([{c: row.get(c) for c in FILE_COLUMNS}]).astype(FILE_COLUMNS)


# What the run notes about the files beside the counts (``ingest_notes``): a file of the raw folder
# that matches no source ("unrecognised", no source, the hint as note), or a Dashboard file whose
# rows keep CDE's published status for want of a column ("cde_status", with the rows kept).
NOTES_TABLE = "ingest_notes"
NOTE_COLUMNS = {"source": "string", "file": "string", "kind": "string", "rows": "Int64", "note": "string"}


def notes_frame(rows: list[dict]) -> pd.DataFrame:
    """``ingest_notes`` rows with fixed column types (an empty list gives an empty, typed frame)."""
    return pd.DataFrame([{c: row.get(c) for c in NOTE_COLUMNS} for row in rows],
                        columns=list(NOTE_COLUMNS)).astype(NOTE_COLUMNS)


def ingest(source: Source, raw_dir: Path | str, school_year: str, settings: Settings, *,
           reference: bool = False) -> Ingested:
    """Read and validate ``source`` for ``school_year``.

    The file is found by name (:func:`pipeline.raw_files.locate`: a Dashboard file whatever its
    case and whether ``.txt`` or ``.csv``). A missing file gives ``provided=False`` (whether that
    is allowed is the caller's decision: see ``settings.required_sources``); any problem with a
    present file as a whole raises :class:`SourceFileError`, among them two files for the source,
    a Dashboard file without a column the recomputation needs, and a layout CDE once published
    that holds nothing to score (``Source.older_layouts``).

    ``reference=True`` takes the slow path throughout (the csv-module reader and pandera over
    the whole frame): the definition the fast path is tested against.
    """
    from pipeline.mapping import translate  # a file in another layout (CDE's public files, a mapped export)

    raw_dir = Path(raw_dir)
    path = locate(source, raw_dir, school_year)
    translated = None if source.indicator else translate(source, raw_dir, school_year, settings,
                                                         reference=reference, own_file=path)
    if path is None and translated is None:
        expected = source.path(raw_dir, school_year)
        return Ingested(source, expected, display(expected, raw_dir), provided=False)
    path = translated.path if translated else path
    shown = display(path, raw_dir)
    codebook = _codebook(raw_dir, school_year, settings, reference) if source.name == "survey_responses" else None
    # Survey answers are the columns the codebook names; any other column (a platform's ImageURL,
    # notes) is ignored and listed. Without a usable codebook every unknown column is an item.
    items = codebook_items(codebook)
    try:
        raw = translated.raw if translated else read_state_file(
            path, source.layout, required=source.required_columns, optional=source.optional_columns,
            engine="csv" if reference else "auto",
        ) if source.layout is not None else read_delimited(
            path,
            required=source.required_columns,
            optional=source.optional_columns + items,
            aliases=COLUMN_ALIASES if source.indicator else None,
            delimiters=source.delimiters,
            keep_unknown=source.open_columns and not items,
            engine="csv" if reference else "auto",
        )
    except SourceFileError as exc:
        raise SourceFileError(shown, _older_layout(source, path) or exc.problem) from None
    cde_status = _check_needs(source, raw, shown)
    if source.indicator:
        raw = normalise_dashboard(raw, school_year, settings)
    if source.name == "directory":
        raw = normalise_directory(raw, shown)
    try:
        rules = year_rules(raw, school_year)
    except SourceFileError as exc:
        raise SourceFileError(shown, exc.problem) from None
    if source.name == "survey_responses":
        rules += survey_rules(raw, codebook)
    if source.location == "year":  # district exports of the year: only the directory's schools
        rules += directory_rules(raw, _directory_codes(raw_dir, school_year, settings, reference))
    validated = validate(raw, source.model, source.name, rules=rules,
                         identifier_columns=source.identifier_columns, display_path=shown,
                         engine="reference" if reference else "auto")
    if translated:
        validated = translated.merged(validated)
    return Ingested(source, path, shown, provided=True, raw=raw, validated=validated, cde_status=cde_status,
                    notes=translated.notes if translated else [])


def _older_layout(source: Source, path: Path) -> str | None:
    """Why a refused file is a layout CDE once published under this name (None when it is not one)."""
    if not source.older_layouts:
        return None
    columns = set(peek_columns(path, source.delimiters))
    return next((layout.problem for layout in source.older_layouts
                 if layout.columns <= columns and layout.lacks not in columns), None)


def _check_needs(source: Source, raw: RawTable, shown: str) -> str | None:
    """Refuse a Dashboard file without a column the recomputation needs; say why the rows keep CDE's
    published status when a column the n-size comes from is missing (None when nothing is)."""
    if source.needs is None:
        return None
    refused, flagged = source.needs.missing(raw.frame.columns)
    if refused:
        raise SourceFileError(shown, f"missing column{'s' if len(refused) > 1 else ''} {', '.join(refused)}, "
                                     f"which the recomputation needs: {source.needs.why}")
    if not flagged:
        return None
    change = " and change" if publishes_change(raw.frame.columns) else ""
    return (f"the file has no {' or '.join(flagged)} column: CDE's published status{change} "
            f"{'are' if change else 'is'} kept without the n-size, so no row gets a colour")


def _codebook(raw_dir: Path, school_year: str, settings: Settings, reference: bool = False) -> pd.DataFrame | None:
    """The valid rows of the survey codebook, to check answers against (None when unusable)."""
    from pipeline.sources import SOURCES

    try:
        result = ingest(SOURCES["survey_codebook"], raw_dir, school_year, settings, reference=reference)
    except SourceFileError:
        return None
    return result.validated.kept if result.provided else None


def _directory_codes(raw_dir: Path, school_year: str, settings: Settings, reference: bool = False) -> set[str] | None:
    """The CDS codes of the directory's valid rows (None when it is missing or unusable)."""
    from pipeline.sources import SOURCES

    try:
        result = ingest(SOURCES["directory"], raw_dir, school_year, settings, reference=reference)
    except SourceFileError:
        return None
    return set(result.validated.kept["cds"].astype(str)) if result.provided else None


def codebook_items(codebook: pd.DataFrame | None) -> list[str]:
    """The survey item columns the codebook names, as the reader spells headers (ST01 is st01)."""
    if codebook is None or codebook.empty:
        return []
    return sorted({normalise_name(i) for i in codebook["item_id"].dropna().astype(str)} - {""})


def kept_table(ingested: Ingested) -> pd.DataFrame:
    """The rows to store in ``validated_<source>``: the coerced frame, file line kept for tracing."""
    if not ingested.provided:
        return pd.DataFrame()
    return ingested.validated.kept.rename(columns={LINE: "source_line"})
