"""Render stage: per-school HTML and PDF scorecards in every configured language, and the index."""

import dagster as dg
from pydantic import Field

from assets.partitions import school_years
from assets.resources import ScorecardFiles
from pipeline.config import load_settings
from pipeline.publish import publish_year


class RenderConfig(dg.Config):
    """Launchpad options: re-render chosen schools only, or everything regardless of changes."""

    schools: list[str] = Field(default=[], description=(
        "CDS codes (14 digits) of the schools to render again, e.g. [\"19754160374847\"]; "
        "empty: every school whose scorecard changed"))
    force: bool = Field(default=False, description=(
        "true: render the chosen schools (or every school) even when nothing changed, e.g. after "
        "replacing a font or a template by hand"))


@dg.asset(
    group_name="render",
    partitions_def=school_years,
    deps=["indicator_results", "attendance", "growth", "climate", "equity_index", "school_rating",
          "validation_report", "validated_directory", "validated_enrollment"],
    kinds={"html", "pdf", "weasyprint"},
)
def scorecards(context: dg.AssetExecutionContext, config: RenderConfig, files: ScorecardFiles) -> dg.MaterializeResult:
    """One scorecard per school and language, as self-contained HTML and as tagged PDF (PDF/UA),
    plus each school's numbers as CSV, the index page `<out>/<year>/index.html` and
    `<out>/<year>/manifest.json` with every file's checksum. Schools whose content did not change
    since the last run are not rendered again."""
    year = context.partition_key
    with files.warehouse(read_only=True) as con:
        summary = publish_year(con, year, files.year_dir(year), load_settings(),
                               only=config.schools or None, force=config.force)
    context.log.info(f"{len(summary.rendered)} documents rendered, {summary.skipped} unchanged")
    return dg.MaterializeResult(metadata={
        "index": dg.MetadataValue.path(str(summary.index)),
        "manifest": dg.MetadataValue.path(str(summary.manifest)),
        "schools": summary.schools,
        "documents": summary.documents,
        "rendered": len(summary.rendered),
        "unchanged": summary.skipped,
        "files": len(summary.files),
    })
