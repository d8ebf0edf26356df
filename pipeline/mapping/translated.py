"""What a file in another layout gives the ingest step: the rows in the source's own contract, the
file's own checks, and what the run should note about where the rows came from."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from pipeline.quarantine import QUARANTINE_COLUMNS, QUARANTINE_TYPES, Validated
from pipeline.readers import LINE, RawTable, SourceFileError


@dataclass
class Translated:
    """A source's rows read from a file in another layout (CDE's public files, a mapped export).

    ``raw`` holds the rows in the columns of the source's contract (text), each with the physical
    line of the file it came from; ``earlier`` is what the file's own contract kept and quarantined
    (None when it has none); ``notes`` are ``ingest_notes`` rows (kind ``origin``) saying where the
    rows came from and what was left out on purpose.
    """

    path: Path
    layout: str  # in words, e.g. "CDE's Public Schools file" or "the mapping config/mappings/x.yaml"
    raw: RawTable
    earlier: Validated | None = None
    notes: list[dict] = field(default_factory=list)

    def merged(self, validated: Validated) -> Validated:
        """``validated`` (the source's contract on ``raw``) with the rows the file's own contract
        quarantined: rows read = kept + quarantined still holds, line for line of the file."""
        if self.earlier is None or self.earlier.quarantine.empty:
            return validated
        quarantine = pd.concat([self.earlier.quarantine, validated.quarantine], ignore_index=True)
        quarantine = quarantine.sort_values(["line", "column_name"], kind="stable").reset_index(drop=True)
        return replace(validated, quarantine=quarantine[QUARANTINE_COLUMNS].astype(QUARANTINE_TYPES),
                       rows_read=validated.rows_read + self.earlier.rows_quarantined)


def text_table(like: RawTable, frame: pd.DataFrame) -> RawTable:
    """A :class:`RawTable` of ``frame`` (text columns and LINE) that keeps what ``like`` knew of its file."""
    frame = frame.copy()
    for column in frame.columns:
        if column != LINE:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), "").astype(str)
    frame[LINE] = frame[LINE].astype("int64")
    return RawTable(path=like.path, frame=frame.reset_index(drop=True), encoding=like.encoding,
                    delimiter=like.delimiter, checksum=like.checksum, blank_lines=like.blank_lines,
                    ignored_columns=list(like.ignored_columns), notes=list(like.notes), reader=like.reader)


def read_district_rows(reader, path: Path, shown: str, choice, reference: bool):
    """A CDE public file's rows of the district's schools (``choice``: settings' public_files) with
    ``reader`` (``read_public_schools`` or ``read_census_enrollment``): ``(raw, other rows)``.
    A problem names the file as shown to the analyst."""
    if not choice.prefixes:
        raise SourceFileError(shown, "settings.yaml names none of the district's schools: set public_files."
                                     "district_code (7 digits) or public_files.schools (CDS codes)")
    try:
        return reader(path, choice.prefixes, engine="csv" if reference else "auto")
    except SourceFileError as exc:
        raise SourceFileError(shown, exc.problem) from None


def origin(source: str, file: str, note: str, rows: int | None = None) -> dict:
    """One ``ingest_notes`` row of kind ``origin``."""
    return {"source": source, "file": file, "kind": "origin", "rows": rows, "note": note}
