"""What a reader gives: one file as text values, each record with its physical line number
(:class:`RawTable`), the records it set aside (:class:`BadRecord`), and the error that says a file
cannot be used at all (:class:`SourceFileError`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

LINE = "_line"  # column holding each record's first physical line number in its file


class SourceFileError(Exception):
    """The file as a whole cannot be used. The message names the file and the problem in plain words."""

    def __init__(self, path: Path | str, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


@dataclass
class BadRecord:
    """A record the parser could not line up with the header (kept for the quarantine)."""

    line: int
    problem: str
    text: str


@dataclass
class RawTable:
    """One file as read: every value as text, plus what the reader noticed."""

    path: Path
    frame: pd.DataFrame  # text columns named as in the header (normalised), plus LINE
    encoding: str
    delimiter: str
    checksum: str  # sha256 of the file's bytes
    bad_records: list[BadRecord] = field(default_factory=list)
    blank_lines: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reader: str = "csv"  # which reader read it: "pyarrow" (fast) or "csv" (the csv module)
    heading_lines: int = 0  # a report export's title, heading and total lines, skipped (readers/calpads_report.py)

    @property
    def rows_read(self) -> int:
        """Data records found in the file (kept by the parser or set aside as bad records)."""
        return len(self.frame) + len(self.bad_records)
