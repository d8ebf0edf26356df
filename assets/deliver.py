"""Deliver stage: each principal's own school's PDFs (dry run: .eml files in the outbox)."""

import dagster as dg
import pandas as pd

from pipeline.delivery import write_outbox
from pipeline.partitions import school_years
from pipeline.resources import ScorecardFiles
from pipeline.warehouse import read_table


@dg.asset(
    group_name="deliver",
    partitions_def=school_years,
    deps=["scorecards"],
    kinds={"email"},
)
def deliver(context: dg.AssetExecutionContext, files: ScorecardFiles) -> dg.MaterializeResult:
    """E-mail for each principal with their own school's scorecard PDFs, in the school's languages.
    Dry run by default: messages are written to `<out>/<year>/outbox/<cds>.eml` and nothing is
    sent. Schools without a valid principal address are listed, not skipped silently."""
    year = context.partition_key
    with files.warehouse(read_only=True) as con:
        directory = read_table(con, "validated_directory", {"school_year": year})
    results = write_outbox(directory, year, files.year_dir(year), sender="scorecards@district.example.org")
    table = pd.DataFrame([{"cds": d.cds, "status": d.status, "attachments": len(d.attachments)} for d in results])
    missing = [d.cds for d in results if d.status == "no_address"]
    if missing:
        context.log.warning(f"No valid principal e-mail for {len(missing)} school(s): {', '.join(missing)}")
    return dg.MaterializeResult(metadata={
        "outbox": dg.MetadataValue.path(str(files.year_dir(year) / "outbox")),
        "messages_written": int((table["status"] == "written").sum()) if len(table) else 0,
        "schools_without_address": dg.MetadataValue.md(", ".join(missing) or "none"),
        "summary": dg.MetadataValue.md(table.to_markdown(index=False) if len(table) else "(no schools)"),
    })
