"""Mapping by configuration: a YAML file in ``config/mappings/`` points a source at an export's own
columns and codes, so a district's SIS or survey vendor export is read without code.

A mapping file::

    source: attendance                 # which source the export provides (a name of pipeline/sources.py)
    file: aeries_attendance.csv        # its name, in the source's folder (shared, or the school year's)
    delimiter: ","                     # optional: "," (default), "tab", ";" or "|"
    columns:                           # the contract's column: the export's column
      ssid: State Student ID           #   as it stands
      grade: {column: Grade, codes: grades}   #   or with its values translated by a code table
    values:                            # optional: a column the export lacks, the same in every row
      respondent_group: parent
    codes:                             # optional: the code tables, export value -> contract value
      grades: {"-1": TK, "0": K}

Every required column of the source's contract must be mapped (or given in ``values``);
``school_year``, when not mapped, is the school-year folder's. A value a code table does not list is
kept as it stands, so the contract quarantines it with its reason (nothing is dropped). Export
columns not mapped are ignored and listed. A wrong mapping stops that source with one line naming
the mapping file, the key and what is wrong (for a column not found, the columns the export has).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from pipeline.config import PROJECT_ROOT
from pipeline.mapping.translated import Translated, origin, text_table
from pipeline.raw_files import display
from pipeline.readers import LINE, SourceFileError, normalise_name, read_delimited
from pipeline.sources import SOURCES, Source

DELIMITERS = {",": ",", "comma": ",", "tab": "\t", "\t": "\t", ";": ";", "semicolon": ";", "|": "|"}
KEYS = {"source", "file", "delimiter", "columns", "values", "codes", "description"}


@dataclass(frozen=True)
class Mapping:
    path: Path  # the mapping file
    shown: str  # as named in messages: config/mappings/<name>.yaml
    source: Source
    file: str
    delimiter: str
    columns: dict[str, tuple[str, str | None]]  # contract column -> (export column, code table or None)
    values: dict[str, str]
    codes: dict[str, dict[str, str]]

    def error(self, key: str, problem: str) -> SourceFileError:
        return SourceFileError(self.shown, f"{key}: {problem}")


def _shown(path: Path) -> str:
    """The mapping file as messages name it: ``config/mappings/x.yaml`` (its full path when outside the project)."""
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


def load_mapping(path: Path) -> Mapping:
    """Read and check one mapping file; a :class:`SourceFileError` names the file and the key."""
    shown = _shown(path)

    def fail(key: str, problem: str) -> SourceFileError:
        return SourceFileError(shown, f"{key}: {problem}")

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        raise fail(where, f"not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(raw, dict):
        raise fail("(file)", "must be a mapping with the keys source, file and columns")
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        raise fail(unknown[0], f"unknown key; the keys are {', '.join(sorted(KEYS))}")
    for key in ("source", "file", "columns"):
        if key not in raw:
            raise fail(key, "missing")
    name = str(raw["source"])
    if name not in SOURCES or SOURCES[name].indicator:
        choices = ", ".join(n for n, s in SOURCES.items() if not s.indicator)
        raise fail("source", f"{name!r} is not a source a mapping can provide ({choices})")
    source = SOURCES[name]
    delimiter = DELIMITERS.get(str(raw.get("delimiter", ",")))
    if delimiter is None:
        raise fail("delimiter", f"{raw['delimiter']!r} is not one of comma, tab, semicolon, |")
    codes = raw.get("codes") or {}
    if not isinstance(codes, dict) or any(not isinstance(t, dict) for t in codes.values()):
        raise fail("codes", "must map each table's name to its export value: contract value pairs")
    for name, table in codes.items():
        for k, v in table.items():
            if isinstance(k, bool) or isinstance(v, bool) or k is None or v is None:
                raise fail(f"codes.{name}", f"{k!r}: {v!r} is not text: YAML reads Yes, No, On, Off and a bare "
                                            "blank as true, false or nothing; write them in quotes (\"Yes\": Y)")
    codes = {str(n): {str(k): str(v) for k, v in t.items()} for n, t in codes.items()}
    values = raw.get("values") or {}
    if not isinstance(values, dict):
        raise fail("values", "must map contract columns to one value each")
    columns_raw = raw["columns"]
    if not isinstance(columns_raw, dict) or not columns_raw:
        raise fail("columns", "must map contract columns to the export's columns")
    known = set(source.schema.columns)
    columns: dict[str, tuple[str, str | None]] = {}
    for ours, theirs in columns_raw.items():
        key = f"columns.{ours}"
        ours = normalise_name(str(ours))
        if ours not in known and not source.open_columns:
            raise fail(key, f"{source.name} has no column {ours!r} (its columns: {', '.join(sorted(known))})")
        if isinstance(theirs, dict):
            if "column" not in theirs:
                raise fail(key, "needs 'column:' (the export's column)")
            table = theirs.get("codes")
            if table is not None and str(table) not in codes:
                raise fail(f"{key}.codes", f"no code table {table!r} under codes")
            columns[ours] = (str(theirs["column"]), None if table is None else str(table))
        elif isinstance(theirs, (str, int)):
            columns[ours] = (str(theirs), None)
        else:
            raise fail(key, "must be the export's column name, or {column: ..., codes: ...}")
    for ours in values:
        if str(ours) not in known:
            raise fail(f"values.{ours}", f"{source.name} has no column {ours!r}")
    given = set(columns) | {str(k) for k in values} | {"school_year"}
    missing = [c for c in source.required_columns if c not in given]
    if missing:
        raise fail("columns", f"no mapping for {', '.join(missing)}, which {source.name} requires")
    return Mapping(path, shown, source, str(raw["file"]), delimiter, columns,
                   {str(k): str(v) for k, v in values.items()}, codes)


def read_mapped(mapping: Mapping, path: Path, raw_dir: Path, school_year: str, *,
                reference: bool = False) -> Translated:
    """The export at ``path`` as rows of ``mapping.source``'s contract."""
    shown = display(path, raw_dir)
    wanted = {normalise_name(theirs) for theirs, _ in mapping.columns.values()}
    try:
        raw = read_delimited(path, required=[], optional=sorted(wanted), delimiters=(mapping.delimiter,),
                             engine="csv" if reference else "auto")
    except SourceFileError as exc:
        raise SourceFileError(shown, exc.problem) from None
    have = set(raw.frame.columns)
    for ours, (theirs, _) in mapping.columns.items():
        if normalise_name(theirs) not in have:
            listed = ", ".join(raw.ignored_columns + [c for c in raw.frame.columns if c != LINE])
            raise mapping.error(f"columns.{ours}", f"column {theirs!r} is not in {shown} (its columns: {listed})")
    frame = pd.DataFrame({LINE: raw.frame[LINE]})
    recoded = []
    for ours, (theirs, table) in mapping.columns.items():
        values = raw.frame[normalise_name(theirs)].astype(object)
        if table is not None:
            codes = mapping.codes[table]
            values = values.map(lambda v, c=codes: c.get(v, v))
            recoded.append(ours)
        frame[ours] = values
    for ours, value in mapping.values.items():
        frame[ours] = value
    if "school_year" in mapping.source.schema.columns and "school_year" not in frame.columns:
        frame["school_year"] = school_year
    table = text_table(raw, frame)
    table.bad_records = raw.bad_records
    note = (f"{len(frame)} rows of {mapping.source.name} from {shown} through the mapping {mapping.shown}"
            + (f" (codes translated: {', '.join(recoded)})" if recoded else ""))
    return Translated(path, f"the mapping {mapping.shown}", table, None,
                      [origin(mapping.source.name, shown, note, len(frame))])
