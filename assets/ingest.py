"""Ingest stage: one asset per export file, read, normalised and validated into the warehouse."""

import hashlib

import dagster as dg
import pandas as pd

from pipeline import warehouse
from pipeline.config import PROJECT_ROOT, load_settings
from pipeline.ingest import display, file_frame, ingest, kept_table
from pipeline.partitions import school_years
from pipeline.quarantine import empty_quarantine
from pipeline.readers import SourceFileError
from pipeline.reconcile import reconcile
from pipeline.resources import ScorecardFiles
from pipeline.sources import SOURCES, Source
from pipeline.validation_report import write_report

PREVIEW_ROWS = 5

# What decides how a file is read and validated: when none of these and none of the file's bytes
# changed since the last run, the rows stored then are what reading it again would store.
RULES_FILES = ["schemas/*.py", "pipeline/readers.py", "pipeline/quarantine.py", "pipeline/normalise.py",
               "pipeline/ingest.py", "pipeline/sources.py", "pipeline/config.py", "config/settings.yaml"]
CACHE_TABLE = "ingest_unchanged_key"


def rules_fingerprint() -> str:
    """SHA-256 of the code and settings that read and validate the exports."""
    h = hashlib.sha256()
    for pattern in RULES_FILES:
        for path in sorted(PROJECT_ROOT.glob(pattern)):
            h.update(path.relative_to(PROJECT_ROOT).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def unchanged_key(source: Source, raw_dir, year: str, fingerprint: str) -> str | None:
    """The file's bytes (and the survey codebook's, which the answers are checked against) with
    the rules' fingerprint; None when the file is missing."""
    path = source.path(raw_dir, year)
    if not path.is_file():
        return None
    h = hashlib.sha256(fingerprint.encode())
    parts = [path] + ([SOURCES["survey_codebook"].path(raw_dir, year)] if source.name == "survey_responses" else [])
    for part in parts:
        h.update(part.read_bytes() if part.is_file() else b"(missing)")
    return h.hexdigest()


def stored_key(con, source: str, year: str) -> str | None:
    """The key recorded when this source was last stored for the year without a problem."""
    if not (warehouse.table_exists(con, CACHE_TABLE) and warehouse.table_exists(con, f"validated_{source}")):
        return None
    row = warehouse.one(con, f"SELECT key FROM {CACHE_TABLE} WHERE school_year = ? AND source = ?", [year, source])
    return row[0] if row else None


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


def _description(source: Source, required: bool) -> str:
    return (
        f"{source.description}. Reads `{source.filename}` from the "
        f"{'raw folder' if source.location == 'shared' else 'school-year folder'}"
        f"{' (dashboard/)' if source.location == 'dashboard' else ''}, checks every row "
        f"against the `{source.model.__name__}` contract, stores the rows that pass in "
        f"`validated_{source.name}` and the rest, with reasons, in `quarantine`. "
        f"{'Required: no scorecard is made without it.' if required else 'Optional: when absent, scorecards say no data.'}"
    )


def _spec(source: Source, required: bool) -> dg.AssetSpec:
    return dg.AssetSpec(
        f"validated_{source.name}",
        group_name="ingest",
        kinds={"csv", "pandera", "duckdb"},
        description=_description(source, required),
        metadata={"contract": source.model.__name__, "required": required,
                  "key": ", ".join(source.key), "dagster/column_schema": column_schema(source)},
        skippable=True,
    )


def ingest_source(context: dg.AssetExecutionContext, files: ScorecardFiles, source: Source, required: bool,
                  year: str, settings, fingerprint: str | None = None):
    """Read, validate and store one export; yield its check results and materialization.

    With ``fingerprint`` (of the rules), a file whose bytes and rules are those of the last run
    is not read again: its stored rows stand, and the checks run on them (a nightly refresh).
    Raises :class:`SourceFileError` (after recording it in the warehouse and the validation
    report) when the file as a whole cannot be used.
    """
    where = {"school_year": year}
    asset = f"validated_{source.name}"
    key = unchanged_key(source, files.raw, year, fingerprint) if fingerprint else None
    if key is not None and files.warehouse_path.exists():
        with files.warehouse(read_only=True) as con:
            same = stored_key(con, source.name, year) == key
            counts = reconcile(con, source.name, year) if same else None
        if same:
            context.log.info(f"{display(source.path(files.raw, year), files.raw)}: unchanged since the last run, "
                             f"{counts.rows_kept} rows kept and {counts.rows_quarantined} quarantined then")
            yield from _check_results(source, required, counts, settings.quarantine_warn_share)
            yield dg.MaterializeResult(asset_key=asset, metadata={
                "file": dg.MetadataValue.path(str(source.path(files.raw, year))),
                "unchanged": True, "provided": counts.provided, "rows_read": counts.rows_read,
                "rows_kept": counts.rows_kept, "rows_quarantined": counts.rows_quarantined,
            })
            return
    try:
        result = ingest(source, files.raw, year, settings)
    except SourceFileError as exc:
        with files.warehouse() as con:
            # rows from an earlier, good version of the file must not be used either
            warehouse.delete_rows(con, asset, where)
            warehouse.delete_rows(con, "quarantine", {**where, "source": source.name})
            warehouse.delete_rows(con, CACHE_TABLE, {**where, "source": source.name})
            warehouse.replace_rows(con, "ingest_files", file_frame(
                source=source.name, file=exc.path, provided=True, problem=exc.problem,
            ), {**where, "source": source.name})
            write_report(con, year, files.year_dir(year))  # so the failure shows in the report too
        raise
    kept = kept_table(result)
    quarantine = result.validated.quarantine if result.provided else empty_quarantine()
    with files.warehouse() as con:
        warehouse.replace_rows(con, asset, kept if len(kept.columns) else
                               pd.DataFrame({"source_line": pd.Series([], dtype="int64")}), where)
        warehouse.replace_rows(con, "quarantine", quarantine, {**where, "source": source.name})
        warehouse.replace_rows(con, "ingest_files", file_frame(**result.file_row), {**where, "source": source.name})
        if key is not None:
            warehouse.replace_rows(con, CACHE_TABLE, pd.DataFrame(
                {"source": [source.name], "key": [key]}), {**where, "source": source.name})
        counts = reconcile(con, source.name, year)
    row = result.file_row
    context.log.info(
        f"{result.display_path}: {row['rows_read']} rows read, {row['rows_kept']} kept, "
        f"{row['rows_quarantined']} quarantined" if result.provided else f"{result.display_path}: not provided"
    )
    yield from _check_results(source, required, counts, settings.quarantine_warn_share)
    yield dg.MaterializeResult(asset_key=asset, metadata={
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


def _ingest_assets() -> dg.AssetsDefinition:
    required_sources = load_settings().required_sources
    required = {name: name in required_sources for name in SOURCES}

    @dg.multi_asset(
        name="ingest_exports",
        specs=[_spec(source, required[source.name]) for source in SOURCES.values()],
        check_specs=[spec for source in SOURCES.values() for spec in _check_specs(source, required[source.name])],
        partitions_def=school_years,
        pool="warehouse",
        can_subset=True,
    )
    def ingest_exports(context: dg.AssetExecutionContext, files: ScorecardFiles):
        """Every export of the school year, one asset each, read and validated in one step (one
        step rather than sixteen: each Dagster step costs about half a second of its own).

        A file that cannot be used at all is recorded and reported; the other files are still
        stored, and the step then fails naming every rejected file."""
        year = context.partition_key
        settings = load_settings()
        fingerprint = rules_fingerprint()
        rejected = []
        for source in SOURCES.values():
            if dg.AssetKey(f"validated_{source.name}") not in context.selected_asset_keys:
                continue
            try:
                yield from ingest_source(context, files, source, required[source.name], year, settings,
                                         fingerprint)
            except SourceFileError as exc:
                rejected.append((source, exc))
        if rejected:
            first_source, first = rejected[0]
            more = f" (and {len(rejected) - 1} more: " + "; ".join(f"{e.path}: {e.problem}" for _, e in rejected[1:]) + ")" \
                if len(rejected) > 1 else ""
            raise dg.Failure(
                description=f"{first.path}: {first.problem}. Nothing from this file is used, and no scorecard "
                            f"of {year} is produced until it is fixed (it feeds {first_source.feeds}){more}.",
                metadata={"file": first.path, "problem": first.problem,
                          "rejected_files": ", ".join(e.path for _, e in rejected)},
                allow_retries=False,
            )

    return ingest_exports


ingest_assets = [_ingest_assets()]
