"""Ingest one source for one school year: read, normalise, validate. Plain functions, no Dagster."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.config import Settings
from pipeline.normalise import normalise_dashboard, survey_rules, year_rules
from pipeline.quarantine import Validated, validate
from pipeline.readers import LINE, RawTable, SourceFileError, normalise_name, read_delimited
from pipeline.sources import Source
from schemas.dashboard import COLUMN_ALIASES


@dataclass
class Ingested:
    source: Source
    path: Path
    display_path: str  # the path as shown to users: relative to the raw folder's parent
    provided: bool
    raw: RawTable | None = None
    validated: Validated | None = None

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


FILE_COLUMNS = {
    "source": "string", "file": "string", "provided": "boolean", "problem": "string",
    "checksum": "string", "encoding": "string", "delimiter": "string", "rows_read": "Int64",
    "rows_kept": "Int64", "rows_quarantined": "Int64", "blank_lines": "Int64", "ignored_columns": "string",
}


def file_frame(**row) -> pd.DataFrame:
    """One ``ingest_files`` row with fixed column types (unknown values stay NULL)."""
    return pd.DataFrame([{c: row.get(c) for c in FILE_COLUMNS}]).astype(FILE_COLUMNS)


def display(path: Path, raw_dir: Path) -> str:
    try:
        return str(Path(raw_dir).name / path.relative_to(raw_dir))
    except ValueError:
        return str(path)


def ingest(source: Source, raw_dir: Path | str, school_year: str, settings: Settings, *,
           reference: bool = False) -> Ingested:
    """Read and validate ``source`` for ``school_year``.

    A missing file gives ``provided=False`` (whether that is allowed is the caller's decision:
    see ``settings.required_sources``); any problem with a present file as a whole raises
    :class:`SourceFileError`.

    ``reference=True`` takes the slow path throughout (the csv-module reader and pandera over
    the whole frame): the definition the fast path is tested against.
    """
    raw_dir = Path(raw_dir)
    path = source.path(raw_dir, school_year)
    shown = display(path, raw_dir)
    if not path.exists():
        return Ingested(source, path, shown, provided=False)
    codebook = _codebook(raw_dir, school_year, settings, reference) if source.name == "survey_responses" else None
    # Survey answers are the columns the codebook names; any other column (a platform's ImageURL,
    # notes) is ignored and listed. Without a usable codebook every unknown column is an item.
    items = codebook_items(codebook)
    try:
        raw = read_delimited(
            path,
            required=source.required_columns,
            optional=source.optional_columns + items,
            aliases=COLUMN_ALIASES if source.indicator else None,
            delimiters=source.delimiters,
            keep_unknown=source.open_columns and not items,
            engine="csv" if reference else "auto",
        )
    except SourceFileError as exc:
        raise SourceFileError(shown, exc.problem) from None
    if source.indicator:
        raw = normalise_dashboard(raw, school_year, settings)
    try:
        rules = year_rules(raw, school_year)
    except SourceFileError as exc:
        raise SourceFileError(shown, exc.problem) from None
    if source.name == "survey_responses":
        rules += survey_rules(raw, codebook)
    validated = validate(raw, source.model, source.name, rules=rules,
                         identifier_columns=source.identifier_columns, display_path=shown,
                         engine="reference" if reference else "auto")
    return Ingested(source, path, shown, provided=True, raw=raw, validated=validated)


def _codebook(raw_dir: Path, school_year: str, settings: Settings, reference: bool = False) -> pd.DataFrame | None:
    """The valid rows of the survey codebook, to check answers against (None when unusable)."""
    from pipeline.sources import SOURCES

    try:
        result = ingest(SOURCES["survey_codebook"], raw_dir, school_year, settings, reference=reference)
    except SourceFileError:
        return None
    return result.validated.kept if result.provided else None


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
