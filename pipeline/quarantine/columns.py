"""A column's pandera rules (coercion included) checked on its distinct values (:func:`check_column`).

A text column with many distinct values (identifiers) whose checks Arrow's kernels answer as
Python does is checked in Arrow; other values go through pandera as ``str``. Failures are kept
with the rows that hold each failing value (:class:`Failures`).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandas.api.extensions import ExtensionArray

from pipeline.quarantine.encoded import POOL, Encoded, is_arrow_text, is_text_dtype, pc, pyarrow
from pipeline.quarantine.passes import waits

# checks whose Arrow kernels give the same answer as Python's for printable-ASCII text
ARROW_SAFE_CHECKS = {"isin", "notin", "str_length", "str_matches"}
ARROW_DISTINCT = 50_000  # a text column with more distinct values than this is checked in Arrow
_PRINTABLE = r"^[\x20-\x7e]*$"


@dataclass
class Failures:
    """pandera's failure cases of one pass, with row positions in place of pandera's index."""

    column_level: list[tuple[str, str, np.ndarray, np.ndarray]]  # (column, check, rows, values)
    row_wide: list[tuple[str, np.ndarray]]  # (check, rows)
    schema_level: list[pd.DataFrame]
    raised: bool = False

    @property
    def any_rows(self) -> bool:
        return any(len(r) for _, _, r, _ in self.column_level) or any(len(r) for _, r in self.row_wide)


def schema_errors(schema: pa.DataFrameSchema, frame: pd.DataFrame,
                  inplace: bool = False) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """(failure cases or None, the frame as pandera left it: coerced where coercion worked)."""
    try:
        return None, schema.validate(frame, lazy=True, inplace=inplace)
    except pa.errors.SchemaErrors as exc:
        return exc.failure_cases, exc.data


def _column_schema(schema: pa.DataFrameSchema, key: str, column: pa.Column, dtype=None) -> pa.DataFrameSchema:
    """The schema with only this column and no frame-level rule; ``dtype`` replaces the column's
    (Arrow-backed text in place of ``str`` text: the same values, checked by Arrow's kernels)."""
    if dtype is not None:
        column = copy.deepcopy(column)
        column.dtype = dtype
    return pa.DataFrameSchema(columns={key: column}, coerce=schema.coerce, strict=False, name=schema.name)


def check_column(schema: pa.DataFrameSchema, name: str, column: pa.Column, enc: Encoded,
                 rows: np.ndarray, failures: Failures) -> tuple[bool, ExtensionArray | None]:
    """pandera's column rules (coercion included) on the distinct values of ``name`` among ``rows``.

    Failures go to ``failures``, with the rows that hold each failing value. Returns whether the
    column coerced, and for a column coerced to a type other than text, its coerced values
    indexed by code (a row's value is ``lookup.take(code)``); text is its own coerced value.
    """
    codes = enc.codes if len(rows) == len(enc.codes) else enc.codes[rows]
    present = np.flatnonzero(np.bincount(codes, minlength=enc.missing + 1))
    where = np.full(enc.missing + 1, -1, dtype=np.int64)
    where[present] = np.arange(len(present))
    row_pos = None  # each row's position in present, when needed

    def positions_of_rows() -> np.ndarray:
        nonlocal row_pos
        if row_pos is None:
            row_pos = where[codes]
        return row_pos

    text = is_text_dtype(column.dtype)
    parts: list[tuple[np.ndarray, pd.Series]] = []  # (positions in present, values as handed to pandera)
    if text and len(present) > ARROW_DISTINCT and all(c.name in ARROW_SAFE_CHECKS for c in column.checks) \
            and all(_re2_safe(c.statistics.get("pattern")) for c in column.checks if c.name == "str_matches"):
        real = present[present != enc.missing]
        values = pc.take(enc.dictionary, pyarrow.array(real), memory_pool=POOL)
        plain = np.asarray(pc.match_substring_regex(values, _PRINTABLE, memory_pool=POOL)
                           .to_numpy(zero_copy_only=False), dtype=bool)
        plain_pos = np.flatnonzero(plain)
        if len(plain_pos):
            parts.append((plain_pos, pd.Series(pd.arrays.ArrowStringArray(
                pc.filter(values, pyarrow.array(plain), memory_pool=POOL)))))
        others = np.ones(len(present), dtype=bool)
        others[plain_pos] = False
        rest = np.flatnonzero(others)
    else:
        rest = np.arange(len(present))
    if len(rest) or not parts:
        parts.append((rest, pd.Series(enc.values_of(present[rest]), dtype=object)))

    coerced_parts: list[tuple[np.ndarray, pd.Series]] = []
    coerced = True
    first = len(failures.column_level)  # this column's failures are appended from here
    for positions, values in parts:
        arrow = is_arrow_text(values)
        sub = _column_schema(schema, name, column, pd.StringDtype("pyarrow") if arrow else None)
        fc, out = schema_errors(sub, pd.DataFrame({name: values}, copy=False))
        coerced_parts.append((positions, out[name]))
        if fc is None:
            continue
        failures.raised = True
        fc = fc.reset_index(drop=True)
        at_rows = fc["index"].notna()
        failures.schema_level.append(fc[~at_rows])
        if (fc["check"].astype(str).str.startswith("coerce_dtype") & at_rows).any():
            coerced = False
        if not at_rows.any():
            continue
        # the rows that hold each failing value, in the order pandera reports the checks
        for (ctx, col, check), group in fc[at_rows].groupby(["schema_context", "column", "check"], sort=False,
                                                             dropna=False):
            failing = np.zeros(len(present), dtype=bool)
            failing[positions[group["index"].astype(np.int64).to_numpy()]] = True
            hit = np.flatnonzero(failing[positions_of_rows()])
            shown = enc.values_of(codes[hit])
            if ctx == "DataFrameSchema":
                failures.row_wide.append((str(check), rows[hit]))
            elif isinstance(col, str) and col == name:
                failures.column_level.append((name, str(check), rows[hit], shown))
            else:
                # pandera named another column than the one checked (not expected since pattern
                # columns are made concrete): as in the reference engine, the entry is the row's
                failures.column_level.append(("(row)", str(check), rows[hit], [""] * len(hit)))
    if not coerced:
        # the column kept its text: only its conversion and missing values are judged in this pass
        # (pipeline.quarantine.passes); its other checks wait for the next, on converted values
        failures.column_level[first:] = [f for f in failures.column_level[first:]
                                         if not waits(f[1], f[0], False, {name})]
        return False, None
    if text:
        return True, None
    ordered = pd.concat([s.reset_index(drop=True) for _, s in coerced_parts]) if len(coerced_parts) > 1 \
        else coerced_parts[0][1].reset_index(drop=True)
    slots = np.concatenate([p for p, _ in coerced_parts])
    values = ordered.iloc[np.argsort(slots, kind="stable")].reset_index(drop=True)
    # indexed by code (codes absent from these rows are NA): a row's value is lookup.take(its code)
    lookup = values.array.take(where, allow_fill=True)
    return True, lookup


def _re2_safe(pattern) -> bool:
    """A pattern whose meaning is the same for Arrow's RE2 and Python's re on printable ASCII text."""
    if not isinstance(pattern, str) or not pattern.startswith("^") or not pattern.endswith("$") \
            or pattern.endswith("\\$"):
        return False
    if any(token in pattern for token in ("(?", "\\Z", "\\A", "\\b", "\\B", "{,", "\\0", "\\1", "\\2")):
        return False
    depth = 0
    escaped = False
    in_class = False
    for ch in pattern:  # no alternation outside a group: ^a|b$ anchors differently
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return False
    return True


def schema_columns(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> list[tuple[str, pa.Column]]:
    """(frame column, schema column) for every frame column the schema checks, in schema order.
    :func:`~pipeline.quarantine.engine.validate` has already named the columns of a pattern
    (:func:`~pipeline.quarantine.engine.concrete_columns`)."""
    return [(key, col) for key, col in schema.columns.items() if key in frame.columns]
