"""The input reference (``docs/inputs.md``), generated from the pandera models in ``schemas/`` and the
source registry (``scorecards docs > docs/inputs.md``; ``tests/test_readme.py`` keeps the page in step)."""
from __future__ import annotations

from pipeline.sources import SOURCES

LOCATIONS = {"shared": "`<raw>/{f}`", "year": "`<raw>/<year>/{f}`", "dashboard": "`<raw>/<year>/dashboard/{f}`"}


def _checks(column) -> str:
    parts = []
    for check in column.checks:
        stats = check.statistics or {}
        name = check.name
        if name == "isin":
            parts.append("one of " + ", ".join(f"`{v}`" for v in stats.get("allowed_values", [])))
        elif name == "str_matches":
            parts.append(f"matches `{stats.get('pattern')}`")
        elif name == "greater_than_or_equal_to":
            parts.append(f">= {stats.get('min_value')}")
        elif name == "less_than_or_equal_to":
            parts.append(f"<= {stats.get('max_value')}")
        elif name == "str_length":
            parts.append(f"length {stats.get('min_value')}..{stats.get('max_value')}")
        else:
            parts.append(name)
    return "; ".join(parts)


def _state_format(source) -> str:
    """How one of the state's files is laid out, and the layout document followed."""
    layout = source.layout
    if layout.report:  # a CALPADS ODS report export (the foster lists): pipeline/readers/calpads_report.py
        return _report_format(source)
    how = ("no header, fields by number (" + ", ".join(f"{n} `{c}`" for n, c in layout.fields.items()) + ")"
           if layout.numbered else "a header row, columns by name" + (
               " (other years' names: " + ", ".join(f"`{a}` → `{c}`" for a, c in layout.aliases.items()) + ")"
               if layout.aliases else ""))
    return (f" (or `.csv`, `.dat`), caret-delimited, {how}. Only the columns below are kept: every other "
            f"field (names, birth dates, addresses) is dropped as the file is read, and no value of the file is "
            f"shown in the quarantine. Layout followed: {layout.document}")


def _report_format(source) -> str:
    """How a CALPADS ODS report export is read: by column number, from ``config/calpads_reports.yaml``."""
    from pipeline.readers.calpads_report import REPORTS_FILE, report_columns

    layout = source.layout
    numbers = ", ".join(f"{n} `{c}`" for c, n in sorted(report_columns(layout.report).items(), key=lambda i: i[1]))
    return (f" (or `.txt`, or the Excel export `.xlsx`: its first sheet), comma-delimited, "
            f"read by column number as the report's documentation numbers its columns ({numbers}: "
            f"`config/{REPORTS_FILE}`, key `{layout.report}`). Lines whose SSID column holds no digits (the "
            f"report's title, parameters, column headings, page and total lines) are skipped and counted in the "
            f"validation report; a student line that breaks a rule is quarantined by its line. Only the columns "
            f"below are kept: every other column (school name, student name, local ID, birth date, gender, grade) "
            f"is dropped as the file is read, and no value of the file is shown in the quarantine. Layout followed: "
            f"{layout.document}. Optional; save both reports 5.7 and 5.9 on the last days of each school year: 5.7 "
            f"is point-in-time (CALPADS keeps no history of it), and together they list the students foster at some "
            f"time in the year who are still enrolled on that day (grades KN-12). With either, the attendance rows "
            f"from the STAS extract get foster youth (Y for a student listed, N otherwise); with neither, foster "
            f"stays unknown")


def source_reference(name: str) -> str:
    source = SOURCES[name]
    schema = source.schema
    lines = [
        f"## `{name}`: {source.description}",
        "",
        f"File {LOCATIONS[source.location].format(f=source.filename)}"
        + (_state_format(source) if source.layout else
           ", tab- or comma-delimited" if "\t" in source.delimiters else ", comma-delimited")
        + f". Key: {', '.join(f'`{k}`' for k in source.key) or 'none'}.",
        "",
        "| column | type | required | blank allowed | rule | description |",
        "|---|---|---|---|---|---|",
    ]
    for col_name, col in schema.columns.items():
        shown = "*item columns*" if col.regex else f"`{col_name}`"
        dtype = {"string[python]": "text", "Int64": "integer", "float64": "number"}.get(str(col.dtype), str(col.dtype))
        lines.append(
            f"| {shown} | {dtype} | {'no' if not col.required else 'yes'} | {'yes' if col.nullable else 'no'} "
            f"| {_checks(col).replace('|', '&#124;')} | {(col.description or '').replace('|', '&#124;')} |"
        )
    return "\n".join(lines)


INTRODUCTION = """# Input reference

Every file the pipeline reads, with its columns, types and rules: generated from the pandera
contracts in `schemas/` (`scorecards docs > docs/inputs.md`; a test keeps this page and the
contracts in step). Every file: a header row; blank cells are missing values; rows that break a
rule are quarantined with the reason, never dropped. Where each file goes: the README, "Bringing
the district's own files"."""


def input_reference() -> str:
    """The whole page: an introduction, then every source in registry order."""
    from pipeline.mapping.reference import other_layouts_reference  # CDE's public files, mapped exports

    return "\n\n".join([INTRODUCTION, *(source_reference(name) for name in SOURCES),
                        other_layouts_reference(_checks)])
