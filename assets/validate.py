"""Validate stage: the validation report across every source of a school year."""

import dagster as dg

from assets.ingest import ingest_assets
from assets.partitions import school_years
from assets.resources import ScorecardFiles
from pipeline.validation_report import write_report
from pipeline.warehouse import one


@dg.asset(
    group_name="validate",
    partitions_def=school_years,
    deps=ingest_assets,
    kinds={"html", "csv"},
    pool="warehouse",
)
def validation_report(context: dg.AssetExecutionContext, files: ScorecardFiles) -> dg.MaterializeResult:
    """Validation report for the school year: per source, rows read, kept and quarantined, the top
    reasons and examples (`<out>/<year>/validation/report.html`), and every quarantined row with its
    file, line, column, value and reason (`<out>/<year>/validation/quarantine.csv`)."""
    year = context.partition_key
    with files.warehouse(read_only=True) as con:
        paths = write_report(con, year, files.year_dir(year), run_id=context.run_id)
        totals = one(con, "SELECT sum(rows_read), sum(rows_kept), sum(rows_quarantined), "
                          "count(*) FILTER (WHERE provided) FROM ingest_files WHERE school_year = ?", [year])
    return dg.MaterializeResult(metadata={
        "report": dg.MetadataValue.path(str(paths["report_html"])),
        "quarantine_csv": dg.MetadataValue.path(str(paths["quarantine_csv"])),
        "rows_read": int(totals[0] or 0), "rows_kept": int(totals[1] or 0),
        "rows_quarantined": int(totals[2] or 0), "sources_provided": int(totals[3] or 0),
    })
