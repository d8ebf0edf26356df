"""The rows of an Excel workbook's first sheet (``.xlsx``, Office Open XML), as text, with their row
numbers: enough to read a report export saved as a spreadsheet, with the standard library only (a zip
of XML parts). Shared strings, inline strings, numbers and booleans are read; formulas give their
cached value; a number that is whole is written without a decimal point (``1234567890``, not
``1234567890.0``), as a spreadsheet shows it. Styles, dates as dates and other sheets are not read.
"""
from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

from pipeline.readers.table import SourceFileError

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
CELL = re.compile(r"([A-Z]+)(\d+)")


def _column(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _text(node) -> str:
    return "".join(t.text or "" for t in node.iter(f"{{{NS['m']}}}t"))


def _first_sheet(book: zipfile.ZipFile) -> str:
    """The part name of the workbook's first sheet (``xl/worksheets/sheet1.xml`` when not said)."""
    try:
        workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
        first = workbook.find("m:sheets/m:sheet", NS).get(f"{{{NS['r']}}}id")
        target = next(r.get("Target") for r in rels.findall("p:Relationship", NS) if r.get("Id") == first)
        return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    except (KeyError, AttributeError, StopIteration):
        return "xl/worksheets/sheet1.xml"


def _value(cell, shared: list[str]) -> str:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        node = cell.find("m:is", NS)
        return "" if node is None else _text(node)
    node = cell.find("m:v", NS)
    raw = "" if node is None or node.text is None else node.text
    if kind == "s":
        return shared[int(raw)] if raw.isdigit() and int(raw) < len(shared) else ""
    if kind == "n" and raw:
        try:
            number = float(raw)
        except ValueError:
            return raw
        return str(int(number)) if number.is_integer() and abs(number) < 1e15 else raw
    return raw


def xlsx_rows(path: Path, data: bytes) -> Iterator[tuple[int, list[str]]]:
    """Each non-empty row of the first sheet: its row number and its cells' text by column (A is 0)."""
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        shared = ([_text(si) for si in ElementTree.fromstring(book.read("xl/sharedStrings.xml")).findall("m:si", NS)]
                  if "xl/sharedStrings.xml" in book.namelist() else [])
        sheet = ElementTree.fromstring(book.read(_first_sheet(book)))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as exc:
        raise SourceFileError(path, f"is not a readable Excel workbook (.xlsx): {exc}; export the report as "
                                    "CSV instead") from None
    for row in sheet.iterfind("m:sheetData/m:row", NS):
        cells: dict[int, str] = {}
        for cell in row.findall("m:c", NS):
            where = CELL.fullmatch(cell.get("r", ""))
            column = _column(where.group(1)) if where else len(cells) + 1
            cells[column] = _value(cell, shared)
        if cells:
            number = int(row.get("r")) if (row.get("r") or "").isdigit() else 0
            yield number, [cells.get(i, "") for i in range(1, max(cells) + 1)]
