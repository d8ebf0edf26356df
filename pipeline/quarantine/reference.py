"""The reference engine: pandera over the whole frame of ``str`` values, pass after pass.

Slow, and the definition of the result: the fast engine (:mod:`pipeline.quarantine.fast`) must
give the same, and the tests hold one against the other.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa

from pipeline.quarantine.encoded import is_arrow_text, pyarrow
from pipeline.quarantine.entries import ENTRY_COLUMNS, Validated, assemble, bad_record_entries, describe_check
from pipeline.quarantine.keys import duplicate_keys
from pipeline.quarantine.passes import waits
from pipeline.quarantine.rules import RowRule
from pipeline.readers import LINE, RawTable

MAX_PASSES = 5


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


def _pandera_failures(frame: pd.DataFrame, schema: pa.DataFrameSchema) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Validate; return (row failures, coerced frame when it passed)."""
    try:
        return pd.DataFrame(), schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
    rows = fc[fc["index"].notna()]
    schema_level = fc[fc["index"].isna()]
    # Checks that could not run because a column did not coerce report no index: they run again
    # on the next pass, once the rows that failed coercion are out. So do the checks that did
    # run on such a column's text, and the whole-row checks (pipeline.quarantine.passes).
    rows = rows[~_waiting(rows, schema)]
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


def _waiting(rows: pd.DataFrame, schema: pa.DataFrameSchema) -> np.ndarray:
    """Which of pandera's failure cases wait for the next pass (:func:`~pipeline.quarantine.passes.waits`)."""
    checks = rows["check"].astype(str)
    unconverted = set(rows.loc[checks.str.startswith("coerce_dtype"), "column"].astype(str))
    if not unconverted:
        return np.zeros(len(rows), dtype=bool)
    kinds = pd.DataFrame({"check": checks.to_numpy(), "column": rows["column"].astype(str).to_numpy(),
                          "wide": rows["schema_context"].eq("DataFrameSchema").to_numpy()})
    distinct = kinds.drop_duplicates()
    distinct = distinct.assign(waits=[waits(check, column, wide, unconverted, schema.unique)
                                      for check, column, wide in distinct.itertuples(index=False, name=None)])
    return kinds.merge(distinct, how="left", on=["check", "column", "wide"])["waits"].to_numpy(dtype=bool)


def validate_reference(
    raw: RawTable,
    schema: pa.DataFrameSchema,
    source: str,
    *,
    rules: list[RowRule] = (),
    identifier_columns: list[str] = (),
    display_path: str | None = None,
) -> Validated:
    """The straightforward implementation: pandera on the whole frame of ``str`` values, pass after pass.

    It is the definition of the result; :func:`~pipeline.quarantine.fast.validate_fast` must give
    the same, and the tests hold one against the other.
    """
    frame = as_object_frame(raw.frame).replace({"": None})
    entries: list[pd.DataFrame] = bad_record_entries(raw)
    for rule in rules:
        if rule.column in frame.columns:
            bad = rule.failing(frame).fillna(False).astype(bool)
            if bad.any():
                rows = frame.index[bad]
                entries.append(_entries(frame, rows, rule.column, rule.check, rule.reason,
                                        frame.loc[rows, rule.column].astype(str)))
    entries.append(duplicate_keys(frame, list(schema.unique or [])))

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

    return assemble(raw, source, entries, kept, identifier_columns, display_path)


def as_object_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as ``object`` columns of ``str`` (what the csv-module reader gives)."""
    arrow = [c for c in frame.columns if pyarrow is not None and is_arrow_text(frame[c])]
    if not arrow:
        return frame
    frame = frame.copy()
    for c in arrow:
        frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
    return frame
