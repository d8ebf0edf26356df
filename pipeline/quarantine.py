"""Validate a read file against its pandera model: keep the good rows, quarantine the rest with reasons.

Validation is lazy (every failure at once) and coerces types. Each failing row is quarantined,
never dropped: one quarantine entry per failure names the source, the file, the line in the file,
the column, the check, the offending value and a reason in words. Rows read always equal rows
kept plus rows quarantined.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import pandas as pd
import pandera.pandas as pa

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


def validate(
    raw: RawTable,
    model: type[pa.DataFrameModel],
    source: str,
    *,
    rules: list[RowRule] = (),
    identifier_columns: list[str] = (),
    display_path: str | None = None,
) -> Validated:
    """Split ``raw`` into rows that pass ``model`` (coerced) and quarantine entries for the rest."""
    schema = model.to_schema()
    frame = raw.frame.replace({"": None})
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
    return Validated(kept=kept.reset_index(drop=True), quarantine=quarantine[QUARANTINE_COLUMNS].astype(QUARANTINE_TYPES),
                     rows_read=raw.rows_read)
