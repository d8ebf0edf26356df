"""The csv-module reader: every file, record by record.

It reads what the fast reader (:mod:`pipeline.readers.fast`) leaves to it (quotes, NUL bytes,
carriage returns inside a line) and is the reference the fast reader is tested against.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from pipeline.readers.header import column_names
from pipeline.readers.table import LINE, BadRecord, RawTable, SourceFileError


def read_csv(path: Path, text: str, delimiter: str, aliases: dict[str, str], known: set[str],
             required: list[str], contract: set[str], keep_unknown: bool) -> RawTable:
    """The csv-module reader: every file, record by record."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise SourceFileError(path, f"the header line cannot be parsed: {exc}") from None
    names = column_names(path, header, aliases, known, required)

    width = len(names)
    rows: list[list[str]] = []
    lines: list[int] = []
    bad: list[BadRecord] = []
    blank = 0
    previous_end = reader.line_num
    try:
        for record in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if not record or not any(f.strip() for f in record):
                blank += 1
                continue
            if len(record) != width:
                if len(record) > width and not any(f.strip() for f in record[width:]):
                    record = record[:width]  # trailing empty fields, e.g. "a,b,c,"
                else:
                    spans = reader.line_num - start
                    where = f" (lines {start}-{reader.line_num}: an unclosed quote?)" if spans else ""
                    bad.append(
                        BadRecord(
                            start,
                            f"row has {len(record)} fields; the header has {width}{where}",
                            delimiter.join(record)[:200],
                        )
                    )
                    continue
            rows.append(record)
            lines.append(start)
    except csv.Error as exc:
        raise SourceFileError(
            path, f"cannot be parsed after line {previous_end}: {exc} (an unclosed quote?)"
        ) from None
    if not rows and not bad:
        raise SourceFileError(path, "has a header but no data rows")

    frame = pd.DataFrame(rows, columns=names, dtype=object)
    keep = [n for n in names if keep_unknown or n in contract]
    ignored = [h for h, n in zip(header, names) if n not in keep]
    frame = frame[keep].apply(lambda s: s.str.strip())
    frame[LINE] = pd.array(lines, dtype="int64")
    return RawTable(
        path=path,
        frame=frame,
        encoding="",
        delimiter=delimiter,
        checksum="",
        bad_records=bad,
        blank_lines=blank,
        ignored_columns=ignored,
        reader="csv",
    )
