"""Where a framework measure's value comes from: any scored table, column and student group.

A source names a table the pipeline publishes (already suppressed), the value column (or several,
the first that is not empty), the count column that ``min_n`` is checked against, filters on other
columns, which student group (one code, or the worst or best of several), and how several rows
are combined. Shorthands keep the common cases short: ``{table: indicator_results, indicator: ela}``
is the all-students status of the ELA indicator.
"""
from __future__ import annotations

from dataclasses import dataclass

from pipeline.frameworks.checks import At, choice, identifier, need, text

# Defaults per table; a source may name any published table with explicit columns.
TABLE_DEFAULTS: dict[str, dict] = {
    "indicator_results": {"column": ("status",), "n": "n", "group": "ALL"},
    "growth": {"column": ("eb_estimate", "mean"), "n": "n", "group": "ALL"},
    "climate": {"column": ("percent_favorable",), "n": "respondents", "group": None,
                "where": {"level": "domain", "suppressed": False}, "aggregate": "mean"},
    "equity_index": {"column": ("composite",), "n": None, "group": None},
    "equity_components": {"column": ("value",), "n": None, "group": None},
}
# The framework reads only tables that may leave the warehouse (suppressed, no identifiers): a
# rating built from them cannot show what the scorecard itself may not.
ALLOWED_TABLES = tuple(TABLE_DEFAULTS)
AGGREGATES = ("first", "mean", "min", "max")
_SOURCE_KEYS = {"table", "column", "n", "group", "aggregate"}


@dataclass(frozen=True)
class Source:
    table: str
    columns: tuple[str, ...]  # the value: the first of these that is not empty
    n: str | None  # the count column min_n is checked against
    where: tuple[tuple[str, object], ...]  # column = value filters
    group: str | None  # a student-group code, or None (table has no groups / all rows)
    group_pick: str | None  # None, worst_of, best_of
    group_list: tuple[str, ...]  # the candidates of worst_of / best_of
    aggregate: str  # how several rows are combined (climate: the mean of its domains)

    @property
    def key(self) -> str:
        return repr(self)


def parse_source(raw: object, at: At) -> Source:
    if not isinstance(raw, dict):
        raise at.error("must be a mapping with at least 'table'", raw)
    table = need(raw, "table", at)
    if table not in ALLOWED_TABLES:
        raise (at / "table").error(f"unknown or unpublished table; known: {', '.join(ALLOWED_TABLES)}", table)
    d = TABLE_DEFAULTS[table]
    cols = raw.get("column", d["column"])
    cols = (cols,) if isinstance(cols, str) else tuple(cols)
    if not cols:
        raise (at / "column").error("names no column", raw.get("column"))
    for i, c in enumerate(cols):
        identifier(c, at / "column" / i if isinstance(raw.get("column"), list) else at / "column")
    n = raw.get("n", d["n"])
    if n is not None:
        identifier(n, at / "n")
    where = dict(d.get("where", {}))
    for k, v in raw.items():
        if k in _SOURCE_KEYS:
            continue
        identifier(k, at / k)
        if isinstance(v, (dict, list)) or v is None:
            raise (at / k).error("a filter must be one text, number or true/false", v)
        where[k] = v
    group_raw = raw.get("group", d["group"])
    pick, members = None, ()
    if isinstance(group_raw, dict):
        if len(group_raw) != 1 or next(iter(group_raw)) not in ("worst_of", "best_of"):
            raise (at / "group").error("must be a group code, {worst_of: [codes]} or {best_of: [codes]}", group_raw)
        pick = next(iter(group_raw))
        members = tuple(text(g, at / "group" / pick / i) for i, g in enumerate(group_raw[pick] or []))
        if len(members) < 2:
            raise (at / "group" / pick).error("needs at least two group codes", group_raw[pick])
        group = None
    elif group_raw is None:
        group = None
    else:
        group = text(group_raw, at / "group")
    if (group or pick) and table not in ("indicator_results", "growth"):
        raise (at / "group").error(f"table {table} has no student groups", group_raw)
    aggregate = choice(raw.get("aggregate", d.get("aggregate", "first")), AGGREGATES, at / "aggregate")
    return Source(table=table, columns=cols, n=n, where=tuple(sorted(where.items())), group=group,
                  group_pick=pick, group_list=members, aggregate=aggregate)
