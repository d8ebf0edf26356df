"""The rows of an Excel workbook's first sheet (``.xlsx``), as text, with their row numbers: enough
to read a report export saved as a spreadsheet. Read with openpyxl (read-only, cached values of
formulas); a whole number is written without a decimal point (``1234567890``, not ``1234567890.0``),
as a spreadsheet shows it; a date is written YYYY-MM-DD. Styles and other sheets are not read.
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from pipeline.readers.table import SourceFileError


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def xlsx_rows(path: Path, data: bytes) -> Iterator[tuple[int, list[str]]]:
    """Each non-empty row of the first sheet: its row number and its cells' text by column (A is 0)."""
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise SourceFileError(path, f"is not a readable Excel workbook (.xlsx): {exc}; export the report as "
                                    "CSV instead") from None
    try:
        sheet = book.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_text(v) for v in row]
            while cells and not cells[-1]:
                cells.pop()
            if cells:
                yield number, cells
    finally:
        book.close()
