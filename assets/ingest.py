"""Ingest stage: one asset per export file, read, normalised and validated into the warehouse."""

import dagster as dg
import pandas as pd

from pipeline import warehouse
from pipeline.config import load_settings
from pipeline.ingest import file_frame, ingest, kept_table
from pipeline.partitions import school_years
from pipeline.quarantine import empty_quarantine
from pipeline.readers import SourceFileError
from pipeline.reconcile import reconcile
from pipeline.resources import ScorecardFiles
from pipeline.sources import SOURCES, Source
from pipeline.validation_report import write_report

PREVIEW_ROWS = 5


def preview(frame: pd.DataFrame, hidden: list[str]) -> dg.MetadataValue:
    """A few kept rows for the UI, without identifier columns."""
    shown = frame.drop(columns=[c for c in hidden if c in frame.columns]).head(PREVIEW_ROWS)
    return dg.MetadataValue.md(shown.to_markdown(index=False) if len(shown) else "(no rows)")


def column_schema(source: Source) -> dg.TableSchema:
    """The contract's columns, shown in the UI's asset page."""
    return dg.TableSchema(columns=[
        dg.TableColumn(
            name="<item columns>" if col.regex else name,
            type=str(col.dtype),
            description=col.description,
            constraints=dg.TableColumnConstraints(nullable=col.nullable, unique=False),
        )
        for name, col in source.schema.columns.items()
    ])


def _check_specs(source: Source, required: bool) -> list[dg.AssetCheckSpec]:
    asset = f"validated_{source.name}"
    specs = [
        dg.AssetCheckSpec("rows_reconcile", asset=asset, blocking=True,
                          description="Rows read = rows kept + rows quarantined, counted again in the warehouse."),
        dg.AssetCheckSpec("quarantine_share", asset=asset,
                          description="Warns when more of the file is quarantined than the configured share."),
    ]
    if required:
        specs.append(dg.AssetCheckSpec("required_source_present", asset=asset, blocking=True,
                                       description="The file is present: no scorecard is made without it."))
    return specs


def _check_results(source: Source, required: bool, counts, warn_share: float):
    asset = f"validated_{source.name}"
    figures = {"rows_read": counts.rows_read, "rows_kept": counts.rows_kept,
               "rows_quarantined": counts.rows_quarantined}
    yield dg.AssetCheckResult(check_name="rows_reconcile", asset_key=asset, passed=counts.balanced,
                              metadata=figures)
    yield dg.AssetCheckResult(
        check_name="quarantine_share", asset_key=asset, passed=counts.quarantine_share <= warn_share,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"share": round(counts.quarantine_share, 4), "threshold": warn_share},
    )
    if required:
        yield dg.AssetCheckResult(
            check_name="required_source_present", asset_key=asset, passed=counts.provided,
            description=None if counts.provided else f"{source.filename} is missing: no scorecard can be made",
        )


def _ingest_asset(source: Source) -> dg.AssetsDefinition:
    required = source.name in load_settings().required_sources

    @dg.asset(
        name=f"validated_{source.name}",
        group_name="ingest",
        partitions_def=school_years,
        kinds={"csv", "pandera", "duckdb"},
        description=(
            f"{source.description}. Reads `{source.filename}` from the "
            f"{'raw folder' if source.location == 'shared' else 'school-year folder'}"
            f"{' (dashboard/)' if source.location == 'dashboard' else ''}, checks every row "
            f"against the `{source.model.__name__}` contract, stores the rows that pass in "
            f"`validated_{source.name}` and the rest, with reasons, in `quarantine`. "
            f"{'Required: no scorecard is made without it.' if required else 'Optional: when absent, scorecards say no data.'}"
        ),
        pool="warehouse",
        metadata={"contract": source.model.__name__, "required": required,
                  "key": ", ".join(source.key), "dagster/column_schema": column_schema(source)},
        check_specs=_check_specs(source, required),
    )
    def _asset(context: dg.AssetExecutionContext, files: ScorecardFiles):
        year = context.partition_key
        settings = load_settings()
        where = {"school_year": year}
        try:
            result = ingest(source, files.raw, year, settings)
        except SourceFileError as exc:
            with files.warehouse() as con:
                # rows from an earlier, good version of the file must not be used either
                warehouse.delete_rows(con, f"validated_{source.name}", where)
                warehouse.delete_rows(con, "quarantine", {**where, "source": source.name})
                warehouse.replace_rows(con, "ingest_files", file_frame(
                    source=source.name, file=exc.path, provided=True, problem=exc.problem,
                ), {**where, "source": source.name})
                write_report(con, year, files.year_dir(year))  # so the failure shows in the report too
            raise dg.Failure(
                description=f"{exc.path}: {exc.problem}. Nothing from this file is used, and no scorecard "
                            f"of {year} is produced until it is fixed (it feeds {source.feeds}).",
                metadata={"file": exc.path, "problem": exc.problem},
                allow_retries=False,
            ) from None
        kept = kept_table(result)
        quarantine = result.validated.quarantine if result.provided else empty_quarantine()
        with files.warehouse() as con:
            warehouse.replace_rows(con, f"validated_{source.name}", kept if len(kept.columns) else
                                   pd.DataFrame({"source_line": pd.Series([], dtype="int64")}), where)
            warehouse.replace_rows(con, "quarantine", quarantine, {**where, "source": source.name})
            warehouse.replace_rows(con, "ingest_files", file_frame(**result.file_row), {**where, "source": source.name})
        row = result.file_row
        context.log.info(
            f"{result.display_path}: {row['rows_read']} rows read, {row['rows_kept']} kept, "
            f"{row['rows_quarantined']} quarantined" if result.provided else f"{result.display_path}: not provided"
        )
        with files.warehouse(read_only=True) as con:
            counts = reconcile(con, source.name, year)
        yield from _check_results(source, required, counts, settings.quarantine_warn_share)
        yield dg.MaterializeResult(metadata={
            "file": dg.MetadataValue.path(str(result.path)),
            "provided": result.provided,
            "rows_read": row["rows_read"],
            "rows_kept": row["rows_kept"],
            "rows_quarantined": row["rows_quarantined"],
            "checksum_sha256": row["checksum"] or "",
            "encoding": row["encoding"] or "",
            "delimiter": row["delimiter"] or "",
            "ignored_columns": row["ignored_columns"],
            "preview": preview(kept.drop(columns=["source_line"], errors="ignore"), source.identifier_columns),
        })

    return _asset


ingest_assets = [_ingest_asset(s) for s in SOURCES.values()]
