"""Counts that must agree after ingest, read back from the warehouse (not from memory)."""
from __future__ import annotations

from dataclasses import dataclass

import duckdb

from pipeline.warehouse import one, table_exists


@dataclass
class Reconciliation:
    provided: bool
    rows_read: int
    rows_kept: int  # rows stored in validated_<source>
    rows_quarantined: int  # distinct lines in quarantine

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_kept + self.rows_quarantined

    @property
    def quarantine_share(self) -> float:
        return self.rows_quarantined / self.rows_read if self.rows_read else 0.0


def reconcile(con: duckdb.DuckDBPyConnection, source: str, school_year: str) -> Reconciliation:
    """What the warehouse holds for one source and year, against what the reader counted."""
    row = one(con, "SELECT coalesce(provided, false), coalesce(rows_read, 0) FROM ingest_files "
                   "WHERE school_year = ? AND source = ?", [school_year, source]) or (False, 0)
    table = f"validated_{source}"
    kept = one(con, f'SELECT count(*) FROM "{table}" WHERE school_year = ?', [school_year])[0] \
        if table_exists(con, table) else 0
    quarantined = one(con, "SELECT count(DISTINCT line) FROM quarantine WHERE school_year = ? AND source = ?",
                      [school_year, source])[0] if table_exists(con, "quarantine") else 0
    return Reconciliation(bool(row[0]), int(row[1]), int(kept), int(quarantined))
