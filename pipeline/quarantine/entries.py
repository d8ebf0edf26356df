"""The quarantine table: one entry per failure (line, column, check, value, reason in words),
student identifiers hidden, sorted by line; and :class:`Validated`, the kept rows beside it."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import pandas as pd

from pipeline.readers import RawTable

QUARANTINE_COLUMNS = ["source", "file", "line", "column_name", "check_name", "value", "reason"]
ENTRY_COLUMNS = QUARANTINE_COLUMNS[2:]
QUARANTINE_TYPES = {"source": "string", "file": "string", "line": "int64", "column_name": "string",
                    "check_name": "string", "value": "string", "reason": "string"}


def empty_quarantine() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in QUARANTINE_TYPES.items()})


HIDDEN = "(hidden: student identifier)"

SHOWN_NUMBER_LENGTH = 4
MISSING_MARKS = {"n/a", "na", "#n/a", "null", "none", "nan", "-", "--", ".", "?", "*"}  # shown: they name nobody
_DIGITS = re.compile(r"\d+")
_NUMBER = re.compile(r"[-+]?(\d+[.,]?\d*|[.,]\d+)([eE][-+]?\d+)?")
_DATE_LIKE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T].*)?")
_TEXT = re.compile(r"[^\W\d_]+([ '\-.][^\W\d_]+)*\.?")


def mask(value: object) -> str:
    """A quarantined value of a student-level or survey file as its kind and length, never itself:
    an SSID typed into ``grade`` or a name typed into an answer must not reach any output. A short
    number (at most ``SHOWN_NUMBER_LENGTH`` characters: an answer of 5 on a 4-point scale, 200
    days absent) and a missing-value mark (``n/a``, ``null``, ``-``) say nothing about who a student
    is and are shown as they are."""
    text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
    stripped = text.strip()
    if not stripped:
        return text
    if (_NUMBER.fullmatch(stripped) and len(stripped) <= SHOWN_NUMBER_LENGTH) or stripped.lower() in MISSING_MARKS:
        return stripped
    size = len(stripped)
    if _DIGITS.fullmatch(stripped):
        return f"(hidden: {size} digit{'s' * (size != 1)})"
    if _NUMBER.fullmatch(stripped):
        kind = "number"
    elif _DATE_LIKE.fullmatch(stripped):
        kind = "date-like"
    elif _TEXT.fullmatch(stripped):
        kind = "text"
    else:
        kind = "mixed"
    return f"(hidden: {kind}, {size} character{'s' * (size != 1)})"
MULTILINE = "(hidden: the value runs over several lines; an unclosed quote?)"


@dataclass
class Validated:
    kept: pd.DataFrame  # coerced to the model's types; keeps the LINE column
    quarantine: pd.DataFrame  # QUARANTINE_COLUMNS, one row per failure
    rows_read: int
    engine: str = "reference"  # which engine validated: "fast" (distinct values) or "reference"

    @property
    def rows_kept(self) -> int:
        return len(self.kept)

    @property
    def rows_quarantined(self) -> int:
        return int(self.quarantine["line"].nunique()) if len(self.quarantine) else 0


_CHECK_WORDS: list[tuple[str, Callable[[re.Match], str]]] = [
    (r"^coerce_dtype\('(Int64|int64)'\)$", lambda m: "not a whole number (or too large)"),
    (r"^coerce_dtype\('float64'\)$", lambda m: "not a number"),
    (r"^coerce_dtype\('(.*)'\)$", lambda m: f"cannot be read as {m.group(1)}"),
    (r"^dtype\(", lambda m: "wrong type"),
    (r"^not_nullable$", lambda m: "missing value (required)"),
    (r"^isin\((.*)\)$", lambda m: f"value not allowed; allowed: {m.group(1).strip('[]')}"),
    (r"^str_matches\('(.*)'\)$", lambda m: f"does not have the expected format ({m.group(1)})"),
    (r"^str_length\((.*)\)$", lambda m: f"text length outside {m.group(1)}"),
    (r"^greater_than_or_equal_to\((.*)\)$", lambda m: f"must be at least {m.group(1)}"),
    (r"^less_than_or_equal_to\((.*)\)$", lambda m: f"must be at most {m.group(1)}"),
    (r"^in_range\((.*)\)$", lambda m: f"must be within {m.group(1)}"),
    (r"^(field_uniqueness|multiple_fields_uniqueness)$", lambda m: "duplicate key"),
]


def describe_check(check: str) -> str:
    """Plain words for a pandera check name (custom checks carry their own description)."""
    for pattern, words in _CHECK_WORDS:
        m = re.match(pattern, check)
        if m:
            return words(m)
    return check.replace("_", " ")


def bad_record_entries(raw: RawTable) -> list[pd.DataFrame]:
    """One ``field_count`` entry per record the reader could not line up with the header."""
    if not raw.bad_records:
        return []
    return [pd.DataFrame(
        [(b.line, "(row)", "field_count", b.text, b.problem) for b in raw.bad_records],
        columns=ENTRY_COLUMNS,
    )]


def assemble(raw: RawTable, source: str, entries: list[pd.DataFrame], kept: pd.DataFrame,
             identifier_columns: list[str], display_path: str | None, engine: str = "reference") -> Validated:
    """The quarantine table from the entries (identifiers hidden, sorted by line) and the kept rows."""
    quarantine = pd.concat([e for e in entries if len(e)], ignore_index=True) if any(len(e) for e in entries) \
        else pd.DataFrame(columns=ENTRY_COLUMNS)
    if len(quarantine):
        hide = quarantine["column_name"].isin(identifier_columns) | quarantine["check_name"].eq("field_count")
        if identifier_columns:
            # a student-level or survey file (it has a student identifier column): no value of it
            # is shown verbatim, since an identifier, a name or a birth date may be in any column
            quarantine["value"] = quarantine["value"].map(mask)
        quarantine.loc[hide, "value"] = HIDDEN
        values = quarantine["value"].astype(str)
        # a value that runs over several lines swallowed the rows below it (an unclosed quote):
        # showing it would show those rows, student identifiers included
        quarantine["value"] = values.where(~values.str.contains("\n|\r", regex=True), MULTILINE).str.slice(0, 200)
    quarantine.insert(0, "file", display_path or str(raw.path))
    quarantine.insert(0, "source", source)
    quarantine["line"] = quarantine["line"].astype("int64")
    quarantine = quarantine.sort_values(["line", "column_name"], kind="stable").reset_index(drop=True)
    if not (isinstance(kept.index, pd.RangeIndex) and kept.index.start == 0 and kept.index.step == 1):
        kept = kept.reset_index(drop=True)
    return Validated(kept=kept, quarantine=quarantine[QUARANTINE_COLUMNS].astype(QUARANTINE_TYPES),
                     rows_read=raw.rows_read, engine=engine)
