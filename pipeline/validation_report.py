"""The validation report: per source, rows read, kept and quarantined, top reasons and examples; the
files of the raw folder that match no source; the files whose rows keep CDE's published status; for a
file in another layout (CDE's public files, a mapped export), where its rows came from."""
from __future__ import annotations

from pathlib import Path

import duckdb
import jinja2
import pandas as pd

from pipeline.config import PROJECT_ROOT
from pipeline.directory_fields import year_field_problems
from pipeline.ingest import NOTES_TABLE
from pipeline.outputs import safe_csv, write_atomic
from pipeline.quarantine import QUARANTINE_COLUMNS
from pipeline.warehouse import read_table

TOP_REASONS = 5
EXAMPLES = 5


def _get(row: pd.Series, key: str, default=None):
    value = row.get(key)
    return default if value is None or pd.isna(value) else value


def summarise(files: pd.DataFrame, quarantine: pd.DataFrame, notes: pd.DataFrame | None = None) -> list[dict]:
    """One entry per source, in the order of the file table (``notes``: the year's ``ingest_notes``)."""
    out = []
    published = _notes(notes, "cde_status")
    origins = _notes(notes, "origin")  # a file in another layout: where its rows came from (pipeline/mapping/)
    for _, f in files.sort_values("source").iterrows():
        q = quarantine[quarantine["source"] == f["source"]] if len(quarantine) else quarantine
        reasons = (q.groupby(["column_name", "reason"]).size().sort_values(ascending=False).head(TOP_REASONS)
                   .reset_index(name="count").to_dict("records")) if len(q) else []
        out.append({
            "source": f["source"], "file": f["file"], "provided": bool(_get(f, "provided", False)),
            "problem": _get(f, "problem"),
            "rows_read": int(_get(f, "rows_read", 0)), "rows_kept": int(_get(f, "rows_kept", 0)),
            "rows_quarantined": int(_get(f, "rows_quarantined", 0)),
            "encoding": _get(f, "encoding", ""), "checksum": _get(f, "checksum", "")[:12],
            "ignored_columns": _get(f, "ignored_columns", ""),
            "cde_status": next(({"rows": int(n["rows"]), "note": n["note"]} for n in published
                                if n["source"] == f["source"] and n["file"] == f["file"]), None),
            "origin": [n["note"] for n in origins if n["source"] == f["source"]],
            "reasons": reasons,
            "examples": q.head(EXAMPLES)[["line", "column_name", "value", "reason"]].to_dict("records") if len(q) else [],
        })
    return out


def _notes(notes: pd.DataFrame | None, kind: str) -> list[dict]:
    """The notes of one kind, by file."""
    if notes is None or notes.empty:
        return []
    return notes[notes["kind"] == kind].sort_values("file").to_dict("records")


def write_report(con: duckdb.DuckDBPyConnection, school_year: str, out_dir: Path) -> dict[str, Path]:
    """Write ``validation/quarantine.csv`` and ``validation/report.html`` for one school year."""
    files = read_table(con, "ingest_files", {"school_year": school_year})
    quarantine = read_table(con, "quarantine", {"school_year": school_year})
    notes = read_table(con, NOTES_TABLE, {"school_year": school_year})
    if quarantine.empty:
        quarantine = pd.DataFrame(columns=QUARANTINE_COLUMNS + ["school_year"])
    folder = Path(out_dir) / "validation"
    csv_path = write_atomic(folder / "quarantine.csv", safe_csv(quarantine[["school_year"] + QUARANTINE_COLUMNS]))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(PROJECT_ROOT / "templates"), autoescape=True)
    html = env.get_template("validation_report.html.j2").render(
        school_year=school_year, sources=summarise(files, quarantine, notes),
        unrecognised=[{"file": n["file"], "hint": n["note"] if isinstance(n["note"], str) else ""}
                      for n in _notes(notes, "unrecognised")],
        field_problems=year_field_problems(con, school_year).to_dict("records"),
        totals={k: int(files[k].fillna(0).sum()) if k in files else 0
                for k in ("rows_read", "rows_kept", "rows_quarantined")},
    )
    html_path = write_atomic(folder / "report.html", html)
    return {"quarantine_csv": csv_path, "report_html": html_path}
