"""validate(): a read file against its pandera model, by the fast engine whenever the contract allows
(:mod:`pipeline.quarantine.fast`), else by the reference engine (:mod:`pipeline.quarantine.reference`)."""
from __future__ import annotations

import copy

import pandas as pd
import pandera.pandas as pa

from pipeline.quarantine.entries import Validated
from pipeline.quarantine.fast import fast_engine_applies, validate_fast
from pipeline.quarantine.reference import validate_reference
from pipeline.quarantine.rules import RowRule
from pipeline.readers import RawTable


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
    if engine == "auto" and fast_engine_applies(raw.frame, schema):
        return validate_fast(raw, schema, source, **kwargs)
    return validate_reference(raw, schema, source, **kwargs)


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
