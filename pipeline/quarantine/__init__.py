"""Validate a read file against its pandera model: keep the good rows, quarantine the rest with reasons.

Validation is lazy (every failure at once) and coerces types. Each failing row is quarantined,
never dropped: one quarantine entry per failure names the source, the file, the line in the file,
the column, the check, the offending value and a reason in words. Rows read always equal rows
kept plus rows quarantined. A value that does not convert to its column's type quarantines its
own row and no other: the checks that would see that column as text wait for the next pass
(:mod:`pipeline.quarantine.passes`).

Two engines give the same result. The reference runs pandera over the whole frame of text, pass
after pass (slow: it is the definition). The fast engine, used whenever the contract allows,
runs the same pandera rules on each column's distinct values and the whole-row rules on the
coerced frame (:mod:`pipeline.quarantine.fast`); the tests hold one against the other.

The package:

- :mod:`~pipeline.quarantine.engine`: :func:`validate`, which picks the engine;
- :mod:`~pipeline.quarantine.entries`: the quarantine table, reasons in words, :class:`Validated`;
- :mod:`~pipeline.quarantine.rules`: :class:`RowRule` (rules that depend on the run), :func:`per_value`;
- :mod:`~pipeline.quarantine.keys`: duplicate keys (the first occurrence is kept);
- :mod:`~pipeline.quarantine.passes`: what a pass may judge while a column has values that do not convert;
- :mod:`~pipeline.quarantine.reference`: the reference engine, pandera over the whole frame;
- :mod:`~pipeline.quarantine.fast`: the fast engine's passes, with
  :mod:`~pipeline.quarantine.columns` (a column's rules on its distinct values) and
  :mod:`~pipeline.quarantine.encoded` (text columns as codes into their distinct values).

Why the pipeline drives pandera itself rather than using one of pandera's own backends on a
faster frame library: ``benchmarks/validation_engines.py`` measures pandera's polars backend on the
same files (slower, and the same result only with glue of its own; see its docstring).
"""
from pipeline.quarantine.engine import concrete_columns, validate
from pipeline.quarantine.entries import (
    ENTRY_COLUMNS,
    HIDDEN,
    MULTILINE,
    QUARANTINE_COLUMNS,
    QUARANTINE_TYPES,
    Validated,
    describe_check,
    empty_quarantine,
    mask,
)
from pipeline.quarantine.rules import RowRule, per_value

__all__ = ["ENTRY_COLUMNS", "HIDDEN", "MULTILINE", "QUARANTINE_COLUMNS", "QUARANTINE_TYPES", "RowRule",
           "Validated", "concrete_columns", "describe_check", "mask", "empty_quarantine", "per_value", "validate"]
