"""Validate a read file against its pandera model: keep the good rows, quarantine the rest with reasons.

Validation is lazy (every failure at once) and coerces types. Each failing row is quarantined,
never dropped: one quarantine entry per failure names the source, the file, the line in the file,
the column, the check, the offending value and a reason in words. Rows read always equal rows
kept plus rows quarantined.

Two engines give the same result. The reference runs pandera over the whole frame of text, pass
after pass (slow: it is the definition). The fast engine, used whenever the contract allows,
runs the same pandera rules on each column's distinct values and the whole-row rules on the
coerced frame (see the comment above :func:`validate`); the tests hold one against the other.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandas.api.extensions import ExtensionArray

try:
    import pyarrow
    import pyarrow.compute as pc

    # the C library's allocator for the big arrays made here (see pipeline.readers)
    _POOL = pyarrow.system_memory_pool()
except ImportError:  # pragma: no cover - without pyarrow every file takes the reference engine
    pyarrow = pc = _POOL = None

from pipeline.readers import LINE, RawTable

QUARANTINE_COLUMNS = ["source", "file", "line", "column_name", "check_name", "value", "reason"]
ENTRY_COLUMNS = QUARANTINE_COLUMNS[2:]
QUARANTINE_TYPES = {"source": "string", "file": "string", "line": "int64", "column_name": "string",
                    "check_name": "string", "value": "string", "reason": "string"}


def empty_quarantine() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in QUARANTINE_TYPES.items()})
HIDDEN = "(hidden: student identifier)"
MULTILINE = "(hidden: the value runs over several lines; an unclosed quote?)"
MAX_PASSES = 5


@dataclass
class RowRule:
    """A row-level rule the model cannot express alone (it depends on the run, e.g. the school year)."""

    column: str
    check: str
    reason: str
    failing: Callable[[pd.DataFrame], pd.Series]  # True where the row breaks the rule


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


def _entries(frame: pd.DataFrame, rows: pd.Index, column: str, check: str, reason: str,
             values: pd.Series | None = None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "line": frame.loc[rows, LINE].to_numpy(),
            "column_name": column,
            "check_name": check,
            "value": (values if values is not None else pd.Series([""] * len(rows))).to_numpy(),
            "reason": reason,
        }
    )


def _duplicates(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Later occurrences of a key already seen: the first occurrence is kept."""
    if not key or not set(key) <= set(frame.columns):
        return pd.DataFrame()
    complete = frame[key].notna().all(axis=1)
    sub = frame.loc[complete, key + [LINE]]
    dup = sub.duplicated(key, keep="first")
    if not dup.any():
        return pd.DataFrame()
    first_line = sub.groupby(key, sort=False)[LINE].transform("first")
    rows = sub.index[dup]
    return pd.DataFrame(
        {
            "line": sub.loc[rows, LINE].to_numpy(),
            "column_name": ", ".join(key),
            "check_name": "unique_key",
            "value": "",
            "reason": [f"duplicate key ({', '.join(key)}): same as line {n}, which is kept"
                       for n in first_line.loc[rows]],
        }
    )


def _pandera_failures(frame: pd.DataFrame, schema: pa.DataFrameSchema) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Validate; return (row failures, coerced frame when it passed)."""
    try:
        return pd.DataFrame(), schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
    rows = fc[fc["index"].notna()]
    schema_level = fc[fc["index"].isna()]
    # Checks that could not run because a column did not coerce report no index: they run again
    # on the next pass, once the rows that failed coercion are out.
    fatal = schema_level[~schema_level["failure_case"].astype(str).str.contains("TypeError|not supported", regex=True)]
    fatal = fatal[~fatal["check"].astype(str).str.startswith(("coerce_dtype", "dtype("))]
    if len(fatal) and rows.empty:
        first = fatal.iloc[0]
        raise ValueError(f"column {first['column']}: {describe_check(str(first['check']))}: {first['failure_case']}")
    # A failed row-wide check is reported once per column: one entry per row is enough.
    row_wide = rows["schema_context"].eq("DataFrameSchema")
    rows = pd.concat([rows[~row_wide], rows[row_wide].drop_duplicates(["index", "check"])])
    described = {c.name: c.description for c in schema.checks if c.description}
    out = []
    for _, f in rows.iterrows():
        idx = f["index"]
        if idx not in frame.index:
            continue
        check = str(f["check"])
        wide = f["schema_context"] == "DataFrameSchema"
        column = f["column"] if not wide and isinstance(f["column"], str) and f["column"] in frame.columns else "(row)"
        if check.startswith("dtype(") and column != "(row)":
            continue  # the matching coerce_dtype entry already says it
        value = frame.at[idx, column] if column != "(row)" else ""
        out.append((frame.at[idx, LINE], column, check, "" if pd.isna(value) else str(value),
                    described.get(check) or describe_check(check)))
    return pd.DataFrame(out, columns=ENTRY_COLUMNS), None


def _validate_reference(
    raw: RawTable,
    schema: pa.DataFrameSchema,
    source: str,
    *,
    rules: list[RowRule] = (),
    identifier_columns: list[str] = (),
    display_path: str | None = None,
) -> Validated:
    """The straightforward implementation: pandera on the whole frame of ``str`` values, pass after pass.

    It is the definition of the result; :func:`_validate_fast` must give the same, and the tests
    hold one against the other.
    """
    frame = _as_object_frame(raw.frame).replace({"": None})
    entries: list[pd.DataFrame] = []
    if raw.bad_records:
        entries.append(pd.DataFrame(
            [(b.line, "(row)", "field_count", b.text, b.problem) for b in raw.bad_records],
            columns=ENTRY_COLUMNS,
        ))
    for rule in rules:
        if rule.column in frame.columns:
            bad = rule.failing(frame).fillna(False).astype(bool)
            if bad.any():
                rows = frame.index[bad]
                entries.append(_entries(frame, rows, rule.column, rule.check, rule.reason,
                                        frame.loc[rows, rule.column].astype(str)))
    entries.append(_duplicates(frame, list(schema.unique or [])))

    bad_lines = set().union(*(set(e["line"]) for e in entries if len(e)))
    remaining = frame[~frame[LINE].isin(bad_lines)]
    kept = None
    for _ in range(MAX_PASSES):
        failures, kept = _pandera_failures(remaining, schema)
        if kept is not None:
            break
        entries.append(failures)
        remaining = remaining[~remaining[LINE].isin(set(failures["line"]))]
    if kept is None:
        raise RuntimeError(f"{source}: validation did not settle after {MAX_PASSES} passes")

    return _result(raw, source, entries, kept, identifier_columns, display_path)


def _result(raw: RawTable, source: str, entries: list[pd.DataFrame], kept: pd.DataFrame,
            identifier_columns: list[str], display_path: str | None, engine: str = "reference") -> Validated:
    """The quarantine table from the entries (identifiers hidden, sorted by line) and the kept rows."""
    quarantine = pd.concat([e for e in entries if len(e)], ignore_index=True) if any(len(e) for e in entries) \
        else pd.DataFrame(columns=ENTRY_COLUMNS)
    if len(quarantine):
        hide = quarantine["column_name"].isin(identifier_columns) | quarantine["check_name"].eq("field_count")
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


# --- the fast engine -------------------------------------------------------------------------
#
# pandera's rules are checked on each column's distinct values rather than on every row: the
# column checks of these contracts (coercion, nullability, isin, str_matches, ranges, ...) are
# element-wise, so a value fails a check on every row where it occurs or on none. The distinct
# values of a column are few (a grade, a flag, a school code) except for identifiers, whose
# checks then run in Arrow's vectorised kernels. The rules that need whole rows (the key's
# uniqueness and the dataframe checks, such as days_absent <= days_enrolled) run through pandera
# on the whole frame, with the columns already coerced. Each pass treats the rows still in play
# exactly as a pandera run over them would, so the passes, and the entries, are those of
# :func:`_validate_reference`.

ELEMENTWISE_CHECKS = {
    "isin", "notin", "str_matches", "str_contains", "str_startswith", "str_endswith", "str_length",
    "greater_than", "greater_than_or_equal_to", "less_than", "less_than_or_equal_to", "in_range",
    "equal_to", "not_equal_to",
}
# checks whose Arrow kernels give the same answer as Python's for printable-ASCII text
ARROW_SAFE_CHECKS = {"isin", "notin", "str_length", "str_matches"}
ARROW_DISTINCT = 50_000  # a text column with more distinct values than this is checked in Arrow
DIGITS_MIN_ROWS = 100_000  # a column at least this long may be encoded from its numbers (identifiers)
_PRINTABLE = r"^[\x20-\x7e]*$"


def validate(
    raw: RawTable,
    model: type[pa.DataFrameModel],
    source: str,
    *,
    rules: list[RowRule] = (),
    identifier_columns: list[str] = (),
    display_path: str | None = None,
    engine: str = "auto",
) -> Validated:
    """Split ``raw`` into rows that pass ``model`` (coerced) and quarantine entries for the rest.

    ``engine``: ``"auto"`` checks each column's distinct values (fast) whenever the contract
    allows it; ``"reference"`` runs pandera over the whole frame (slow; the definition the fast
    engine is tested against).
    """
    if engine not in ("auto", "reference"):
        raise ValueError(f"engine must be 'auto' or 'reference', not {engine!r}")
    schema = concrete_columns(model.to_schema(), raw.frame)
    kwargs = dict(rules=rules, identifier_columns=identifier_columns, display_path=display_path)
    if engine == "auto" and _fast_engine_applies(raw.frame, schema):
        return _validate_fast(raw, schema, source, **kwargs)
    return _validate_reference(raw, schema, source, **kwargs)


def concrete_columns(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pa.DataFrameSchema:
    """``schema`` with each pattern column (the survey items) replaced by one column per column of
    ``frame`` it matches, so that a failure names its own column and value, not the pattern."""
    patterns = [key for key, col in schema.columns.items() if col.regex]
    if not patterns:
        return schema
    head = frame.iloc[:0]
    named = {}
    for key in patterns:
        col = schema.columns[key]
        try:
            matched = [str(m) for m in col.get_backend(head).get_regex_columns(col, head)]
        except pa.errors.SchemaError:
            matched = []
        if not matched:
            continue  # the pattern column stays, and says so if it is required
        for name in matched:
            if name not in schema.columns and name not in named:
                one = copy.deepcopy(col)
                one.regex = False
                named[name] = one.set_name(name)
        schema = schema.remove_columns([key])
    return schema.add_columns(named) if named else schema


def _as_object_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as ``object`` columns of ``str`` (what the csv-module reader gives)."""
    arrow = [c for c in frame.columns if pyarrow is not None and _is_arrow_text(frame[c])]
    if not arrow:
        return frame
    frame = frame.copy()
    for c in arrow:
        frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
    return frame


def per_value(values: pd.Series, fn: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``fn`` (an element-wise function of ``object`` text) on ``values``, computed once per distinct value.

    Text columns from the fast reader are Arrow-backed; ``fn`` still sees ``str`` values (and
    None), so it gives exactly what it gives on the csv-module reader's columns.
    """
    if values.dtype == object:
        return fn(values)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    distinct = np.asarray(uniques, dtype=object)
    if (codes < 0).any():
        distinct = np.append(distinct, None)
    result = fn(pd.Series(distinct, dtype=object)).to_numpy()
    return pd.Series(result[np.where(codes < 0, len(uniques), codes)], index=values.index)


def _fast_engine_applies(frame: pd.DataFrame, schema: pa.DataFrameSchema) -> bool:
    """The fast engine covers contracts whose column checks are element-wise builtins (all of ours)."""
    if pyarrow is None or frame.columns.duplicated().any():
        return False
    if schema.dtype is not None or schema.parsers or schema.index is not None or schema.drop_invalid_rows \
            or schema.add_missing_columns or schema.unique_column_names:
        return False
    for col in schema.columns.values():
        if col.parsers or col.unique or col.drop_invalid_rows or col.default is not None:
            return False
        if any(check.name not in ELEMENTWISE_CHECKS for check in col.checks):
            return False
    for name in frame.columns:
        if name != LINE and not (frame[name].dtype == object or _is_arrow_text(frame[name])):
            return False
    return True


def _is_arrow_text(series: pd.Series) -> bool:
    """Arrow-backed text: ``pd.ArrowDtype(pa.string())`` (the fast reader's) or ``string[pyarrow]``."""
    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype):
        return dtype.storage == "pyarrow"
    return isinstance(dtype, pd.ArrowDtype) and (pyarrow.types.is_string(dtype.pyarrow_dtype)
                                                 or pyarrow.types.is_large_string(dtype.pyarrow_dtype))


def _is_text_dtype(dtype) -> bool:
    return isinstance(getattr(dtype, "type", None), pd.StringDtype)


class _Encoded:
    """One text column as codes into its distinct values; blank ("") counts as missing.

    ``codes[i]`` indexes ``dictionary`` (Arrow strings); missing values have the code
    ``len(dictionary)``.
    """

    def __init__(self, series: pd.Series):
        if _is_arrow_text(series):
            arr = series.array._pa_array
        else:
            arr = pyarrow.array(series.to_numpy(dtype=object), type=pyarrow.string(), from_pandas=True)
        if not isinstance(arr, pyarrow.ChunkedArray):
            arr = pyarrow.chunked_array([arr], type=arr.type)
        self.raw = arr
        self._python: np.ndarray | None = None
        if self._encode_digits(arr):
            return
        enc = pc.dictionary_encode(arr, memory_pool=_POOL)
        chunks = enc.chunks
        if not chunks:
            self.dictionary = pyarrow.array([], type=arr.type)
        elif any(len(c.dictionary) != len(chunks[0].dictionary) for c in chunks):
            enc = enc.unify_dictionaries()
            chunks = enc.chunks
        if chunks:
            self.dictionary = chunks[0].dictionary
        size = len(self.dictionary)
        indices = pyarrow.chunked_array([c.indices for c in chunks], type=pyarrow.int32()) if chunks \
            else pyarrow.chunked_array([], type=pyarrow.int32())
        indices = indices.fill_null(size) if indices.null_count else indices
        codes = indices.to_numpy()  # int32: codes stay in their narrow type
        blank = pc.index(self.dictionary, "").as_py()
        self.has_blank = blank >= 0 or arr.null_count > 0
        if blank >= 0:
            remap = np.arange(size + 1, dtype=codes.dtype)
            remap[blank] = size
            codes = remap[codes]
        self.codes = codes
        self.missing = size

    def _encode_digits(self, arr) -> bool:
        """Identifiers (mostly distinct, fixed-width digits): codes from their numbers, which is much
        faster than hashing the text. Blank values are missing. False when the column is not so."""
        if len(arr) < DIGITS_MIN_ROWS or arr.null_count:
            return False
        head = arr.slice(0, 10_000)
        if len(pc.unique(head)) < len(head) // 2:
            return False
        lengths = pc.utf8_length(arr, memory_pool=_POOL)
        filled = pc.not_equal(lengths, 0, memory_pool=_POOL)
        widths = pc.min_max(pc.filter(lengths, filled, memory_pool=_POOL))
        width = widths["min"].as_py()
        if width is None or width != widths["max"].as_py() or width > 18:
            return False
        digits = pc.sum(pc.match_substring_regex(arr, f"^[0-9]{{{width}}}$", memory_pool=_POOL)).as_py() or 0
        nonblank = pc.sum(filled).as_py()
        if digits != nonblank:
            return False
        numbers = pc.cast(pc.if_else(filled, arr, "0", memory_pool=_POOL), pyarrow.int64(),
                          memory_pool=_POOL).to_numpy(zero_copy_only=False)
        mask = np.asarray(filled.to_numpy(zero_copy_only=False), dtype=bool)
        codes, distinct = pd.factorize(numbers[mask] if nonblank < len(arr) else numbers)
        # same width, digits only: the number's zero-padded text is the value itself
        self.dictionary = pc.utf8_lpad(pc.cast(pyarrow.array(distinct), arr.type), width, "0")
        self.missing = len(distinct)
        self.has_blank = nonblank < len(arr)
        if nonblank < len(arr):
            full = np.full(len(arr), self.missing, dtype=np.int64)
            full[mask] = codes
            codes = full
        self.codes = codes
        return True

    def values_of(self, codes: np.ndarray) -> list:
        """The ``str`` values (None when missing) of some codes, without converting the whole column."""
        if self._python is not None:
            return list(self._python[codes])
        missing = codes == self.missing
        picked = self.dictionary.take(pyarrow.array(np.where(missing, 0, codes), type=pyarrow.int64())) \
            if len(self.dictionary) else pyarrow.nulls(len(codes), pyarrow.string())
        return [None if m or v == "" else v for m, v in zip(missing, picked.to_pylist())]

    def python(self) -> np.ndarray:
        """The distinct values as ``str`` (``object`` array), None at ``missing``."""
        if self._python is None:
            python = np.empty(len(self.dictionary) + 1, dtype=object)
            python[:-1] = self.dictionary.to_numpy(zero_copy_only=False)
            blank = pc.index(self.dictionary, "").as_py()
            if blank >= 0:
                python[blank] = None
            self._python = python
        return self._python

    def text_array(self, rows: np.ndarray) -> pd.arrays.ArrowStringArray:
        """The values of ``rows`` (sorted positions) as Arrow-backed text (missing as NA)."""
        if len(rows) == len(self.codes):  # every row: the column itself, blanks made missing
            if not self.has_blank:
                return pd.arrays.ArrowExtensionArray(self.raw)
            return pd.arrays.ArrowExtensionArray(
                pc.if_else(pc.equal(self.raw, "", memory_pool=_POOL), pyarrow.scalar(None, self.raw.type), self.raw,
                           memory_pool=_POOL))
        indices = pyarrow.array(self.codes[rows], mask=self.codes[rows] == self.missing, type=pyarrow.int64())
        return pd.arrays.ArrowExtensionArray(pyarrow.chunked_array([pc.take(self.dictionary, indices,
                                                                            memory_pool=_POOL)]))


@dataclass
class _Failures:
    """pandera's failure cases of one pass, with row positions in place of pandera's index."""

    column_level: list[tuple[str, str, np.ndarray, np.ndarray]]  # (column, check, rows, values)
    row_wide: list[tuple[str, np.ndarray]]  # (check, rows)
    schema_level: list[pd.DataFrame]
    raised: bool = False

    @property
    def any_rows(self) -> bool:
        return any(len(r) for _, _, r, _ in self.column_level) or any(len(r) for _, r in self.row_wide)


def _schema_errors(schema: pa.DataFrameSchema, frame: pd.DataFrame,
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


def _check_column(schema: pa.DataFrameSchema, name: str, column: pa.Column, enc: _Encoded,
                  rows: np.ndarray, failures: _Failures) -> tuple[bool, ExtensionArray | None]:
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

    text = _is_text_dtype(column.dtype)
    parts: list[tuple[np.ndarray, pd.Series]] = []  # (positions in present, values as handed to pandera)
    if text and len(present) > ARROW_DISTINCT and all(c.name in ARROW_SAFE_CHECKS for c in column.checks) \
            and all(_re2_safe(c.statistics.get("pattern")) for c in column.checks if c.name == "str_matches"):
        real = present[present != enc.missing]
        values = pc.take(enc.dictionary, pyarrow.array(real), memory_pool=_POOL)
        plain = np.asarray(pc.match_substring_regex(values, _PRINTABLE, memory_pool=_POOL)
                           .to_numpy(zero_copy_only=False), dtype=bool)
        plain_pos = np.flatnonzero(plain)
        if len(plain_pos):
            parts.append((plain_pos, pd.Series(pd.arrays.ArrowStringArray(
                pc.filter(values, pyarrow.array(plain), memory_pool=_POOL)))))
        others = np.ones(len(present), dtype=bool)
        others[plain_pos] = False
        rest = np.flatnonzero(others)
    else:
        rest = np.arange(len(present))
    if len(rest) or not parts:
        parts.append((rest, pd.Series(enc.values_of(present[rest]), dtype=object)))

    coerced_parts: list[tuple[np.ndarray, pd.Series]] = []
    coerced = True
    for positions, values in parts:
        arrow = _is_arrow_text(values)
        sub = _column_schema(schema, name, column, pd.StringDtype("pyarrow") if arrow else None)
        fc, out = _schema_errors(sub, pd.DataFrame({name: values}, copy=False))
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
                # columns are made concrete): as in _pandera_failures, the entry is the row's
                failures.column_level.append(("(row)", str(check), rows[hit], [""] * len(hit)))
    if not coerced:
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


def _schema_columns(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> list[tuple[str, pa.Column]]:
    """(frame column, schema column) for every frame column the schema checks, in schema order.
    :func:`validate` has already named the columns of a pattern (:func:`concrete_columns`)."""
    return [(key, col) for key, col in schema.columns.items() if key in frame.columns]


def _validate_fast(
    raw: RawTable,
    schema: pa.DataFrameSchema,
    source: str,
    *,
    rules: list[RowRule] = (),
    identifier_columns: list[str] = (),
    display_path: str | None = None,
) -> Validated:
    """:func:`_validate_reference`'s result, from each column's distinct values."""
    raw_frame = raw.frame
    n = len(raw_frame)
    lines = raw_frame[LINE].to_numpy(dtype=np.int64)
    text_columns = [c for c in raw_frame.columns if c != LINE]
    encoded = {c: _Encoded(raw_frame[c]) for c in text_columns}
    all_rows = np.arange(n, dtype=np.int64)

    entries: list[pd.DataFrame] = []
    if raw.bad_records:
        entries.append(pd.DataFrame(
            [(b.line, "(row)", "field_count", b.text, b.problem) for b in raw.bad_records],
            columns=ENTRY_COLUMNS,
        ))
    applicable = [rule for rule in rules if rule.column in encoded]
    if applicable:
        frame = pd.DataFrame({c: encoded[c].text_array(all_rows) for c in text_columns}, copy=False)
        frame[LINE] = lines
        for rule in applicable:
            bad = np.asarray(rule.failing(frame).fillna(False).astype(bool), dtype=bool)
            if bad.any():
                rows = np.flatnonzero(bad)
                shown = encoded[rule.column].values_of(encoded[rule.column].codes[rows])
                entries.append(pd.DataFrame({"line": lines[rows], "column_name": rule.column,
                                             "check_name": rule.check, "value": [str(v) for v in shown],
                                             "reason": rule.reason}))
        del frame
    key = list(schema.unique or [])
    entries.append(_duplicates_encoded(encoded, key, lines))

    out = np.zeros(n, dtype=bool)
    for e in entries:
        if len(e):
            out |= np.isin(lines, e["line"].to_numpy(dtype=np.int64))
    remaining = np.flatnonzero(~out)
    columns = _schema_columns(schema, raw_frame)
    frame_checks = pa.DataFrameSchema(checks=schema.checks, strict=False, name=schema.name) if schema.checks else None
    unique_check = pa.DataFrameSchema(unique=schema.unique, report_duplicates=schema.report_duplicates,
                                      strict=False, name=schema.name) if schema.unique else None
    described = {c.name: c.description for c in schema.checks if c.description}
    kept = None
    for _ in range(MAX_PASSES):
        failures = _Failures([], [], [])
        typed: dict[str, tuple[bool, ExtensionArray | None]] = {}  # column -> (coerced, lookup)
        for name, col in columns:
            typed[name] = _check_column(schema, name, col, encoded[name], remaining, failures)
        if unique_check is not None and _key_may_repeat(schema, key, encoded, remaining):
            # each key column as numbers (equal values, equal numbers; missing stays missing):
            # pandera's duplicated() finds the rows it finds on the values, and drops the
            # missing cells from its failure cases as it does on the values
            probe = {}
            for c in key:
                if c not in encoded:
                    continue
                ok, lookup = typed.get(c, (False, None))
                row_codes = _codes_of(encoded[c], remaining)
                if ok and lookup is not None:  # coerced to another type: equal after coercion counts
                    numbers = pd.factorize(lookup, use_na_sentinel=True)[0][row_codes]
                    missing = numbers < 0
                else:
                    numbers, missing = row_codes, row_codes == encoded[c].missing
                probe[c] = pd.arrays.IntegerArray(numbers.astype(np.int64), missing)
            if probe:
                fc, _ = _schema_errors(unique_check, pd.DataFrame(probe, index=remaining, copy=False))
                _collect_frame_level(fc, failures)
        if frame_checks is not None:
            whole = {}
            for c in raw_frame.columns:
                if c == LINE:
                    whole[c] = lines[remaining]
                elif c in typed and typed[c][0] and typed[c][1] is not None:
                    whole[c] = typed[c][1].take(_codes_of(encoded[c], remaining))
                elif c in typed and typed[c][0]:
                    whole[c] = encoded[c].text_array(remaining)
                else:  # not coerced (or not in the contract): the text as read
                    whole[c] = pd.Series(encoded[c].python()[encoded[c].codes[remaining]], dtype=object).to_numpy()
            _run_frame_checks(frame_checks, pd.DataFrame(whole, index=remaining, copy=False), failures)
        if not failures.raised:
            kept = _kept_frame(raw_frame, encoded, typed, remaining, lines)
            break
        entries.append(_pass_entries(failures, lines, described))
        failed = np.zeros(n, dtype=bool)
        for column, check, rows, _ in failures.column_level:
            if not (check.startswith("dtype(") and column != "(row)"):  # no entry for these (_pass_entries)
                failed[rows] = True
        for _, rows in failures.row_wide:
            failed[rows] = True
        remaining = remaining[~failed[remaining]]
    if kept is None:
        raise RuntimeError(f"{source}: validation did not settle after {MAX_PASSES} passes")
    return _result(raw, source, entries, kept, identifier_columns, display_path, engine="fast")


def _run_frame_checks(frame_checks: pa.DataFrameSchema, whole: pd.DataFrame, failures: _Failures) -> None:
    """The dataframe checks on the whole (coerced) frame, each called as pandera's backend calls it.

    pandera would then reshape the failing rows' every cell into its failure cases (slow when
    many rows fail) only to report each row once: the rows are taken from the check's result
    instead, keeping those pandera keeps (with a cell that is not missing, unless the check
    counts missing values). A check that raises, or answers with a single boolean, goes through
    pandera itself, which reports it as it does.
    """
    found = []
    try:
        for check in frame_checks.checks:
            result = check(whole)
            if result.check_passed:
                continue
            if result.failure_cases is None or not isinstance(result.failure_cases, pd.DataFrame):
                raise LookupError
            cases = result.failure_cases
            shown = cases.notna().any(axis=1) if check.ignore_na else pd.Series(True, index=cases.index)
            name = check.error if check.error is not None else check.name
            found.append((str(name), np.unique(cases.index[shown.to_numpy()].to_numpy(dtype=np.int64))))
    except Exception:  # noqa: BLE001 - pandera's own run says what went wrong, as in the reference
        fc, _ = _schema_errors(frame_checks, whole, inplace=True)
        _collect_frame_level(fc, failures)
        return
    if found:
        failures.raised = True
        failures.row_wide.extend(found)


def _collect_frame_level(fc: pd.DataFrame | None, failures: _Failures) -> None:
    if fc is None:
        return
    failures.raised = True
    at_rows = fc["index"].notna()
    failures.schema_level.append(fc[~at_rows])
    for check, group in fc[at_rows].groupby("check", sort=False):
        rows = np.unique(group["index"].astype(np.int64).to_numpy())
        failures.row_wide.append((str(check), rows))


def _pass_entries(failures: _Failures, lines: np.ndarray, described: dict[str, str]) -> pd.DataFrame:
    """The entries of one pass, as :func:`_pandera_failures` makes them from pandera's failure cases."""
    schema_level = pd.concat(failures.schema_level) if failures.schema_level else pd.DataFrame(
        columns=["check", "failure_case", "column"])
    fatal = schema_level[~schema_level["failure_case"].astype(str).str.contains("TypeError|not supported", regex=True)]
    fatal = fatal[~fatal["check"].astype(str).str.startswith(("coerce_dtype", "dtype("))]
    if len(fatal) and not failures.any_rows:
        first = fatal.iloc[0]
        raise ValueError(f"column {first['column']}: {describe_check(str(first['check']))}: {first['failure_case']}")
    parts = []
    for column, check, rows, shown in failures.column_level:
        if check.startswith("dtype(") and column != "(row)":
            continue  # the matching coerce_dtype entry already says it
        parts.append(pd.DataFrame({
            "line": lines[rows], "column_name": column, "check_name": check,
            "value": ["" if v is None else str(v) for v in shown],
            "reason": described.get(check) or describe_check(check),
        }))
    for check, rows in failures.row_wide:
        parts.append(pd.DataFrame({
            "line": lines[rows], "column_name": "(row)", "check_name": check, "value": "",
            "reason": described.get(check) or describe_check(check),
        }))
    if not parts:
        return pd.DataFrame(columns=ENTRY_COLUMNS)
    return pd.concat(parts, ignore_index=True)[ENTRY_COLUMNS]


def _kept_frame(raw_frame: pd.DataFrame, encoded: dict[str, _Encoded], typed: dict, rows: np.ndarray,
                lines: np.ndarray) -> pd.DataFrame:
    """The rows that passed, each column as pandera coerces it (text as ``string``, numbers typed)."""
    out = {}
    for c in raw_frame.columns:
        if c == LINE:
            out[c] = lines[rows]
            continue
        enc = encoded[c]
        if c in typed and typed[c][1] is not None:
            out[c] = typed[c][1].take(_codes_of(enc, rows))
        elif c in typed:  # text: the str values themselves
            out[c] = pd.arrays.StringArray(enc.python().copy()).take(_codes_of(enc, rows))
        else:  # a column outside the contract stays as read
            out[c] = pd.Series(enc.python()[enc.codes[rows]], dtype=object).to_numpy()
    return pd.DataFrame(out, copy=False)


def _duplicates_encoded(encoded: dict[str, _Encoded], key: list[str], lines: np.ndarray) -> pd.DataFrame:
    """:func:`_duplicates` on codes: later occurrences of a complete key already seen."""
    if not key or not set(key) <= set(encoded):
        return pd.DataFrame()
    complete = np.ones(len(lines), dtype=bool)
    for c in key:
        complete &= encoded[c].codes != encoded[c].missing
    rows = np.flatnonzero(complete)
    group = pd.Series(_combine([(encoded[c].codes[rows], encoded[c].missing + 1) for c in key]))
    dup = group.duplicated(keep="first").to_numpy()
    if not dup.any():
        return pd.DataFrame()
    first_line = pd.Series(lines[rows]).groupby(group.to_numpy(), sort=False).transform("first").to_numpy()
    return pd.DataFrame(
        {
            "line": lines[rows[dup]],
            "column_name": ", ".join(key),
            "check_name": "unique_key",
            "value": "",
            "reason": [f"duplicate key ({', '.join(key)}): same as line {n}, which is kept" for n in first_line[dup]],
        }
    )


def _combine(parts: list[tuple[np.ndarray, int]]) -> np.ndarray:
    """One integer per row for several code columns (``(codes, number of codes)``): equal iff all are equal."""
    combined, span = parts[0][0].astype(np.int64), max(parts[0][1], 1)
    for codes, size in parts[1:]:
        size = max(size, 1)
        if span * size < 2 ** 62:
            combined, span = combined * size + codes, span * size
        else:  # too many combinations for one integer: number the distinct pairs
            combined = pd.DataFrame({"a": combined, "b": codes}).groupby(["a", "b"], sort=False).ngroup().to_numpy()
            span = int(combined.max()) + 1 if len(combined) else 1
    return combined


def _key_may_repeat(schema: pa.DataFrameSchema, key: list[str], encoded: dict[str, _Encoded],
                    remaining: np.ndarray) -> bool:
    """Whether pandera's uniqueness check could find anything among ``remaining``.

    :func:`_duplicates_encoded` has taken out every later occurrence of a complete key, so the
    remaining complete keys are distinct. A text key is its coerced value. Only a key with a
    missing part (pandera counts missing values as equal) or a key column coerced to another
    type (where "1" and "01" meet) can still repeat.
    """
    for c in key:
        if c not in encoded:
            continue
        column = schema.columns.get(c)
        if column is None or not _is_text_dtype(column.dtype):
            return True
        enc = encoded[c]
        codes = enc.codes if len(remaining) == len(enc.codes) else enc.codes[remaining]
        if enc.has_blank and bool((codes == enc.missing).any()):
            return True
    return False


def _codes_of(enc: _Encoded, rows: np.ndarray) -> np.ndarray:
    """The codes of ``rows`` (sorted positions): the column's own array when they are all the rows."""
    return enc.codes if len(rows) == len(enc.codes) else enc.codes[rows]
