"""The fast engine: the result of :func:`~pipeline.quarantine.reference.validate_reference`, from
each column's distinct values.

pandera's rules are checked on each column's distinct values rather than on every row: the
column checks of these contracts (coercion, nullability, isin, str_matches, ranges, ...) are
element-wise, so a value fails a check on every row where it occurs or on none. The distinct
values of a column are few (a grade, a flag, a school code) except for identifiers, whose
checks then run in Arrow's vectorised kernels. The rules that need whole rows (the key's
uniqueness and the dataframe checks, such as days_absent <= days_enrolled) run through pandera
on the whole frame, with the columns already coerced; while a column has values that do not
convert, they wait for the next pass, as that column's other checks do
(:mod:`pipeline.quarantine.passes`). Each pass treats the rows still in play exactly as a
pandera run over them would, so the passes, and the entries, are those of
:func:`~pipeline.quarantine.reference.validate_reference`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandas.api.extensions import ExtensionArray

from pipeline.quarantine.columns import Failures, check_column, schema_columns, schema_errors
from pipeline.quarantine.encoded import Encoded, codes_of, is_arrow_text, is_text_dtype, pyarrow
from pipeline.quarantine.entries import ENTRY_COLUMNS, Validated, assemble, bad_record_entries, describe_check
from pipeline.quarantine.keys import duplicate_keys_encoded
from pipeline.quarantine.passes import UNIQUENESS, waits
from pipeline.quarantine.reference import MAX_PASSES
from pipeline.quarantine.rules import RowRule
from pipeline.readers import LINE, RawTable

ELEMENTWISE_CHECKS = {
    "isin", "notin", "str_matches", "str_contains", "str_startswith", "str_endswith", "str_length",
    "greater_than", "greater_than_or_equal_to", "less_than", "less_than_or_equal_to", "in_range",
    "equal_to", "not_equal_to",
}


def fast_engine_applies(frame: pd.DataFrame, schema: pa.DataFrameSchema) -> bool:
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
        if name != LINE and not (frame[name].dtype == object or is_arrow_text(frame[name])):
            return False
    return True


def validate_fast(
    raw: RawTable,
    schema: pa.DataFrameSchema,
    source: str,
    *,
    rules: list[RowRule] = (),
    identifier_columns: list[str] = (),
    display_path: str | None = None,
) -> Validated:
    """:func:`validate_reference`'s result, from each column's distinct values."""
    raw_frame = raw.frame
    n = len(raw_frame)
    lines = raw_frame[LINE].to_numpy(dtype=np.int64)
    text_columns = [c for c in raw_frame.columns if c != LINE]
    encoded = {c: Encoded(raw_frame[c]) for c in text_columns}
    all_rows = np.arange(n, dtype=np.int64)

    entries: list[pd.DataFrame] = bad_record_entries(raw)
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
    entries.append(duplicate_keys_encoded(encoded, key, lines))

    out = np.zeros(n, dtype=bool)
    for e in entries:
        if len(e):
            out |= np.isin(lines, e["line"].to_numpy(dtype=np.int64))
    remaining = np.flatnonzero(~out)
    columns = schema_columns(schema, raw_frame)
    frame_checks = pa.DataFrameSchema(checks=schema.checks, strict=False, name=schema.name) if schema.checks else None
    unique_check = pa.DataFrameSchema(unique=schema.unique, report_duplicates=schema.report_duplicates,
                                      strict=False, name=schema.name) if schema.unique else None
    described = {c.name: c.description for c in schema.checks if c.description}
    kept = None
    for _ in range(MAX_PASSES):
        failures = Failures([], [], [])
        typed: dict[str, tuple[bool, ExtensionArray | None]] = {}  # column -> (coerced, lookup)
        for name, col in columns:
            typed[name] = check_column(schema, name, col, encoded[name], remaining, failures)
        # while a column has values that do not convert, the whole-row checks, and the key's
        # uniqueness if that column is in the key, wait for the next pass (pipeline.quarantine.passes)
        unconverted = {name for name, (ok, _) in typed.items() if not ok}
        if unique_check is not None and not waits(UNIQUENESS[0], None, True, unconverted, key) \
                and _key_may_repeat(schema, key, encoded, remaining):
            # each key column as numbers (equal values, equal numbers; missing stays missing):
            # pandera's duplicated() finds the rows it finds on the values, and drops the
            # missing cells from its failure cases as it does on the values
            probe = {}
            for c in key:
                if c not in encoded:
                    continue
                ok, lookup = typed.get(c, (False, None))
                row_codes = codes_of(encoded[c], remaining)
                if ok and lookup is not None:  # coerced to another type: equal after coercion counts
                    numbers = pd.factorize(lookup, use_na_sentinel=True)[0][row_codes]
                    missing = numbers < 0
                else:
                    numbers, missing = row_codes, row_codes == encoded[c].missing
                probe[c] = pd.arrays.IntegerArray(numbers.astype(np.int64), missing)
            if probe:
                fc, _ = schema_errors(unique_check, pd.DataFrame(probe, index=remaining, copy=False))
                _collect_frame_level(fc, failures)
        if frame_checks is not None and not unconverted:
            whole = {}
            for c in raw_frame.columns:
                if c == LINE:
                    whole[c] = lines[remaining]
                elif c in typed and typed[c][0] and typed[c][1] is not None:
                    whole[c] = typed[c][1].take(codes_of(encoded[c], remaining))
                elif c in typed:  # text
                    whole[c] = encoded[c].text_array(remaining)
                else:  # not in the contract: the text as read
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
    return assemble(raw, source, entries, kept, identifier_columns, display_path, engine="fast")


def _run_frame_checks(frame_checks: pa.DataFrameSchema, whole: pd.DataFrame, failures: Failures) -> None:
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
        fc, _ = schema_errors(frame_checks, whole, inplace=True)
        _collect_frame_level(fc, failures)
        return
    if found:
        failures.raised = True
        failures.row_wide.extend(found)


def _collect_frame_level(fc: pd.DataFrame | None, failures: Failures) -> None:
    if fc is None:
        return
    failures.raised = True
    at_rows = fc["index"].notna()
    failures.schema_level.append(fc[~at_rows])
    for check, group in fc[at_rows].groupby("check", sort=False):
        rows = np.unique(group["index"].astype(np.int64).to_numpy())
        failures.row_wide.append((str(check), rows))


def _pass_entries(failures: Failures, lines: np.ndarray, described: dict[str, str]) -> pd.DataFrame:
    """The entries of one pass, as the reference engine makes them from pandera's failure cases
    (:func:`pipeline.quarantine.reference._pandera_failures`)."""
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


def _kept_frame(raw_frame: pd.DataFrame, encoded: dict[str, Encoded], typed: dict, rows: np.ndarray,
                lines: np.ndarray) -> pd.DataFrame:
    """The rows that passed, each column as pandera coerces it (text as ``string``, numbers typed)."""
    out = {}
    for c in raw_frame.columns:
        if c == LINE:
            out[c] = lines[rows]
            continue
        enc = encoded[c]
        if c in typed and typed[c][1] is not None:
            out[c] = typed[c][1].take(codes_of(enc, rows))
        elif c in typed:  # text: the str values themselves
            out[c] = pd.arrays.StringArray(enc.python().copy()).take(codes_of(enc, rows))
        else:  # a column outside the contract stays as read
            out[c] = pd.Series(enc.python()[enc.codes[rows]], dtype=object).to_numpy()
    return pd.DataFrame(out, copy=False)


def _key_may_repeat(schema: pa.DataFrameSchema, key: list[str], encoded: dict[str, Encoded],
                    remaining: np.ndarray) -> bool:
    """Whether pandera's uniqueness check could find anything among ``remaining``.

    :func:`~pipeline.quarantine.keys.duplicate_keys_encoded` has taken out every later occurrence
    of a complete key, so the remaining complete keys are distinct. A text key is its coerced
    value. Only a key with a missing part (pandera counts missing values as equal) or a key column
    coerced to another type (where "1" and "01" meet) can still repeat.
    """
    for c in key:
        if c not in encoded:
            continue
        column = schema.columns.get(c)
        if column is None or not is_text_dtype(column.dtype):
            return True
        enc = encoded[c]
        codes = enc.codes if len(remaining) == len(enc.codes) else enc.codes[remaining]
        if enc.has_blank and bool((codes == enc.missing).any()):
            return True
    return False
