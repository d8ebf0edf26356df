"""The validation report: per source, rows read, kept and quarantined, top reasons and examples; the
files of the raw folder that match no source; the files whose rows keep CDE's published status; for a
file in another layout (CDE's public files, a mapped export), where its rows came from.

Counts add up: every row of a file read is kept or quarantined, and a file rejected as a whole is
counted apart with its data lines (none read). A source's status says which of these it is
(:data:`STATUSES`): "Reconciled" is green only when nothing was quarantined. Columns a Dashboard
file has beyond the contract are "ignored" only when they are not standard columns of CDE's layout
(``config/cde_layouts.yaml``): those are counted apart, so a new or foreign column stands out. The
page says when it was written and by which run.
"""
from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import duckdb
import jinja2
import pandas as pd

from pipeline.config import PROJECT_ROOT, config_path, read_yaml
from pipeline.directory_fields import year_field_problems
from pipeline.ingest import NOTES_TABLE
from pipeline.outputs import safe_csv, write_atomic
from pipeline.quarantine import QUARANTINE_COLUMNS
from pipeline.warehouse import read_table

TOP_REASONS = 5
EXAMPLES = 5
# a source's status on the report: (words, class) - "ok" green, "warn" amber, "bad" red, "muted" grey
STATUSES = {
    "rejected": ("File rejected", "bad"),
    "not_provided": ("Not provided", "muted"),
    "reconciled": ("Reconciled", "ok"),
    "quarantined": ("Reconciled, with rows quarantined", "warn"),
    "unreconciled": ("Counts do not reconcile", "bad"),
}


@functools.cache
def cde_layouts() -> dict[str, frozenset[str]]:
    """Source name -> the standard columns of CDE's layout for it (lower case), from config/cde_layouts.yaml."""
    layouts = (read_yaml(config_path("cde_layouts.yaml")) or {}).get("dashboard_layouts") or {}
    return {f"dashboard_{ind}": frozenset(str(c).lower() for c in cols) for ind, cols in layouts.items()}


def split_ignored(source: str, ignored: str) -> tuple[list[str], list[str]]:
    """A file's ignored columns as (not in any known layout, standard columns of CDE's layout)."""
    columns = [c.strip() for c in (ignored or "").split(",") if c.strip()]
    standard = cde_layouts().get(source, frozenset())
    return [c for c in columns if c.lower() not in standard], [c for c in columns if c.lower() in standard]


def status(entry: dict) -> str:
    """The key of :data:`STATUSES` for one source's entry."""
    if entry["problem"]:
        return "rejected"
    if not entry["provided"]:
        return "not_provided"
    if entry["rows_read"] != entry["rows_kept"] + entry["rows_quarantined"]:
        return "unreconciled"
    return "quarantined" if entry["rows_quarantined"] else "reconciled"


def _get(row: pd.Series, key: str, default=None):
    value = row.get(key)
    return default if value is None or pd.isna(value) else value


def summarise(files: pd.DataFrame, quarantine: pd.DataFrame, notes: pd.DataFrame | None = None) -> list[dict]:
    """One entry per source, in the order of the file table (``notes``: the year's ``ingest_notes``)."""
    out = []
    published = _notes(notes, "cde_status")
    origins = _notes(notes, "origin")  # a file in another layout: where its rows came from (pipeline/mapping/)
    rejected = _notes(notes, "rejected")  # a rejected file's data lines (pipeline.ingest_store.record_rejected)
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
            "ignored_columns": split_ignored(f["source"], _get(f, "ignored_columns", ""))[0],
            "standard_columns": split_ignored(f["source"], _get(f, "ignored_columns", ""))[1],
            "rejected_lines": next((int(n["rows"]) for n in rejected if n["source"] == f["source"]
                                    and n["rows"] is not None and not pd.isna(n["rows"])), None),
            "cde_status": next(({"rows": int(n["rows"]), "note": n["note"]} for n in published
                                if n["source"] == f["source"] and n["file"] == f["file"]), None),
            "origin": [n["note"] for n in origins if n["source"] == f["source"]],
            "headings": next((n["note"] for n in _notes(notes, "headings") if n["source"] == f["source"]), None),
            "reasons": reasons,
            "examples": q.head(EXAMPLES)[["line", "column_name", "value", "reason"]].to_dict("records") if len(q) else [],
        })
        entry = out[-1]
        entry["status"] = status(entry)
        entry["status_words"], entry["status_class"] = STATUSES[entry["status"]]
        # a section of its own (and so a link from the table) for a source with something to show
        entry["anchor"] = f"source-{entry['source']}" if entry["problem"] or entry["rows_quarantined"] else None
    return out


def _notes(notes: pd.DataFrame | None, kind: str) -> list[dict]:
    """The notes of one kind, by file."""
    if notes is None or notes.empty:
        return []
    return notes[notes["kind"] == kind].sort_values("file").to_dict("records")


def totals(sources: list[dict]) -> dict:
    """The year's counts: rows read, kept and quarantined (read = kept + quarantined), and the files
    rejected as a whole with their data lines, none of them read."""
    rejected = [s for s in sources if s["status"] == "rejected"]
    return {
        **{k: sum(s[k] for s in sources) for k in ("rows_read", "rows_kept", "rows_quarantined")},
        "files": sum(1 for s in sources if s["provided"]), "files_rejected": len(rejected),
        "rejected_lines": sum(s["rejected_lines"] or 0 for s in rejected),
        "rejected_lines_unknown": any(s["rejected_lines"] is None for s in rejected),
        "with_quarantine": sum(1 for s in sources if s["status"] == "quarantined"),
    }


def write_report(con: duckdb.DuckDBPyConnection, school_year: str, out_dir: Path, run_id: str | None = None,
                 now: dt.datetime | None = None) -> dict[str, Path]:
    """Write ``validation/quarantine.csv`` and ``validation/report.html`` for one school year.

    ``run_id``: the Dagster run writing it (shown with the time, ``now``, default the clock, in UTC)."""
    files = read_table(con, "ingest_files", {"school_year": school_year})
    quarantine = read_table(con, "quarantine", {"school_year": school_year})
    notes = read_table(con, NOTES_TABLE, {"school_year": school_year})
    if quarantine.empty:
        quarantine = pd.DataFrame(columns=QUARANTINE_COLUMNS + ["school_year"])
    folder = Path(out_dir) / "validation"
    csv_path = write_atomic(folder / "quarantine.csv", safe_csv(quarantine[["school_year"] + QUARANTINE_COLUMNS]))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(PROJECT_ROOT / "templates"), autoescape=True)
    sources = summarise(files, quarantine, notes)
    written = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    html = env.get_template("validation_report.html.j2").render(
        school_year=school_year, sources=sources, run_id=run_id,
        written=written.strftime("%Y-%m-%d %H:%M UTC"), written_iso=written.isoformat(timespec="seconds"),
        unrecognised=[{"file": n["file"], "hint": n["note"] if isinstance(n["note"], str) else ""}
                      for n in _notes(notes, "unrecognised")],
        field_problems=year_field_problems(con, school_year).to_dict("records"),
        totals=totals(sources),
    )
    html_path = write_atomic(folder / "report.html", html)
    if not (folder / "preview.html").exists():  # the report links to it; scoring writes the real one
        write_atomic(folder / "preview.html",
                     env.get_template("validation_preview_pending.html.j2").render(school_year=school_year))
    return {"quarantine_csv": csv_path, "report_html": html_path}
