"""What one validation pass may judge while a column has values that do not convert (:func:`waits`).

Both engines follow it. pandera converts each column to the contract's type (``coerce``); a
column where some value does not convert (``G5`` in the integer column ``grade``) keeps its
text, and pandera still runs that column's checks and the whole-row checks on the text:
``isin([3, 4, 5, ...])`` fails on every ``"3"`` (text is not a number), and ``days_absent <=
days_enrolled`` compares text (``"7" > "180"``) when both columns kept theirs. One bad value
quarantined most of a file (413,201 of 413,448 rows of an assessment export; 4,028,670 of
6,090,761 attendance rows). A range check on text raises a TypeError and names no row, which
the passes already left for later; these two did not raise, and answered wrongly.

So while a column has values that do not convert, a pass judges only what does not depend on
the column's type: for that column, the conversion itself (``coerce_dtype``, and the ``dtype``
check that repeats it) and missing values (``not_nullable``); every check of the columns that
did convert. The rest waits for the next pass: that column's other checks, every whole-row
check (which columns it reads is its own business), and the key's uniqueness when a key column
did not convert. The rows whose values did not convert leave with their entries, so the next
pass runs on converted values only and judges what waited.
"""
from __future__ import annotations

from typing import Iterable

TYPE_FREE = ("coerce_dtype", "dtype(", "not_nullable")  # checks whose answer does not depend on the type
UNIQUENESS = ("multiple_fields_uniqueness", "field_uniqueness")  # pandera's names for the key's check


def waits(check: str, column: str | None, row_wide: bool, unconverted: set[str], key: Iterable[str] = ()) -> bool:
    """Whether a failure of ``check`` found in a pass where the columns ``unconverted`` kept text
    is left to the next pass: ``column`` is the column checked, ``row_wide`` says a whole-row
    check (or the key's uniqueness), ``key`` is the file's key."""
    if not unconverted:
        return False
    if row_wide:
        return bool(unconverted & set(key or ())) if check in UNIQUENESS else True
    return column in unconverted and not check.startswith(TYPE_FREE)
