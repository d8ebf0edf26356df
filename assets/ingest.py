"""Ingest stage: one asset per export file, read, normalised and validated into the warehouse."""

import dagster as dg

from assets.checks import ingest_check_results, ingest_check_specs, rejected_check_results, required_group_result
from assets.metadata import column_schema, preview
from assets.partitions import school_years
from assets.resources import ScorecardFiles
from assets.stop import stopped
from pipeline.config import load_settings
from pipeline.ingest import ingest
from pipeline.ingest_store import (
    record_rejected, record_unrecognised, rules_fingerprint, store, unchanged_counts, unchanged_key,
)
from pipeline.raw_files import Unrecognised, display, locate, unrecognised_files
from pipeline.readers import SourceFileError
from pipeline.sources import SOURCES, Source, missing_sentence, required_groups
from pipeline.state_tables import load_state_tables, provided_sources


def _description(source: Source, required: bool, alternatives: tuple[str, ...] = ()) -> str:
    return (
        f"{source.description}. Reads `{source.filename}` from the "
        f"{'raw folder' if source.location == 'shared' else 'school-year folder'}"
        f"{' (dashboard/)' if source.location == 'dashboard' else ''}, checks every row "
        f"against the `{source.model.__name__}` contract, stores the rows that pass in "
        f"`validated_{source.name}` and the rest, with reasons, in `quarantine`. "
        f"{'Required: no scorecard is made without it.' if required and not alternatives else ''}"
        f"{'Required, or the file of ' + ' or '.join(alternatives) + ' in its stead.' if alternatives else ''}"
        f"{'' if required else 'Optional: when absent, scorecards say no data.'}"
    )


def _spec(source: Source, required: bool, alternatives: tuple[str, ...] = ()) -> dg.AssetSpec:
    return dg.AssetSpec(
        f"validated_{source.name}",
        group_name="ingest",
        kinds={"csv", "pandera", "duckdb"},
        description=_description(source, required, alternatives),
        metadata={"contract": source.model.__name__, "required": required,
                  "key": ", ".join(source.key), "dagster/column_schema": column_schema(source)},
        skippable=True,
    )


def unrecognised_metadata(unrecognised: list[Unrecognised]) -> dict:
    """The files of the raw folder that match no source, as a table on each asset of the step (none: nothing)."""
    if not unrecognised:
        return {}
    rows = "\n".join(f"| `{u.file}` | {u.hint} |" for u in unrecognised)
    return {"unrecognised_files": dg.MetadataValue.md(f"| file | hint |\n|---|---|\n{rows}")}


def ingest_source(context: dg.AssetExecutionContext, files: ScorecardFiles, source: Source, required: bool,
                  year: str, settings, fingerprint: str | None = None, extra: dict | None = None):
    """Read, validate and store one export; yield its check results and materialization.

    With ``fingerprint`` (of the rules), a file whose bytes and rules are those of the last run
    is not read again: its stored rows stand, and the checks run on them (a nightly refresh).
    Raises :class:`SourceFileError` (after recording it in the warehouse and the validation
    report) when the file as a whole cannot be used. ``extra``: metadata of the whole step, added
    to the materialization (the unrecognised files). Returns whether the file was provided.
    """
    asset = f"validated_{source.name}"
    extra = extra or {}
    key = unchanged_key(source, files.raw, year, fingerprint) if fingerprint else None
    if key is not None and files.warehouse_path.exists():
        counts = unchanged_counts(files.warehouse_path, source, year, key)
        if counts is not None:
            path = locate(source, files.raw, year)  # found: the key is of its bytes
            context.log.info(f"{display(path, files.raw)}: unchanged since the last run, "
                             f"{counts.rows_kept} rows kept and {counts.rows_quarantined} quarantined then")
            yield from ingest_check_results(source, required, counts, settings.quarantine_warn_share)
            yield dg.MaterializeResult(asset_key=asset, metadata={
                "file": dg.MetadataValue.path(str(path)),
                "unchanged": True, "provided": counts.provided, "rows_read": counts.rows_read,
                "rows_kept": counts.rows_kept, "rows_quarantined": counts.rows_quarantined, **extra,
            })
            return counts.provided
    try:
        result = ingest(source, files.raw, year, settings)
    except SourceFileError as exc:
        record_rejected(files.warehouse_path, source, exc, year, files.year_dir(year), raw_dir=files.raw,
                        run={"run_id": context.run_id})
        raise
    kept, counts = store(files.warehouse_path, source, result, year, key)
    row = result.file_row
    context.log.info(
        f"{result.display_path}: {row['rows_read']} rows read, {row['rows_kept']} kept, "
        f"{row['rows_quarantined']} quarantined" if result.provided else f"{result.display_path}: not provided"
    )
    note = result.note_row if result.provided else None
    if note:
        extra = {**extra, "status_as_published": f"{note['rows']} rows: {note['note']}"}
        context.log.warning(f"{result.display_path}: status as published by CDE for {note['rows']} rows: "
                            f"{note['note']}")
    if result.heading_rows:  # a report export's title, heading and total lines, skipped and counted
        extra = {**extra, "heading_lines": result.heading_rows[0]["rows"]}
    yield from ingest_check_results(source, required, counts, settings.quarantine_warn_share)
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
        **extra,
    })
    return counts.provided


def _ingest_assets() -> dg.AssetsDefinition:
    groups = required_groups(load_settings().required_sources)
    required = {name: name in groups for name in SOURCES}
    # a required source another source's file can stand in for (attendance.csv or the STAS extract):
    # its check is evaluated once every file of the step is read
    alternatives = {name: tuple(n for n in group if n != name) for name, group in groups.items() if len(group) > 1}

    @dg.multi_asset(
        name="ingest_exports",
        specs=[_spec(source, required[source.name], alternatives.get(source.name, ())) for source in SOURCES.values()],
        check_specs=[spec for source in SOURCES.values()
                     for spec in ingest_check_specs(source, required[source.name], alternatives.get(source.name, ()))],
        partitions_def=school_years,
        pool="warehouse",
        can_subset=True,
    )
    def ingest_exports(context: dg.AssetExecutionContext, files: ScorecardFiles):
        """Every export of the school year, one asset each, read and validated in one step (one
        step rather than sixteen: each Dagster step costs about half a second of its own).

        A file that cannot be used at all is recorded and reported; the other files are still
        stored, and the step then fails naming every rejected file. A file that matches no source
        is listed (log, metadata, validation report) and does not fail the step. The state's
        student files (CAASPP, CALPADS STAS) then fill validated_assessment / validated_attendance
        where the district's own file is absent (pipeline/state_tables.py), said in the log."""
        year = context.partition_key
        settings = load_settings()
        fingerprint = rules_fingerprint()
        unrecognised = unrecognised_files(files.raw, year)
        record_unrecognised(files.warehouse_path, year, unrecognised)
        for u in unrecognised:
            context.log.warning(f"{u.file}: matches no source, not read" + (f" ({u.hint})" if u.hint else ""))
        extra = unrecognised_metadata(unrecognised)
        rejected = []
        provided = {}
        for source in SOURCES.values():
            if dg.AssetKey(f"validated_{source.name}") not in context.selected_asset_keys:
                continue
            try:
                provided[source.name] = yield from ingest_source(
                    context, files, source, required[source.name] and source.name not in alternatives, year,
                    settings, fingerprint, extra)
            except SourceFileError as exc:
                rejected.append((source, exc))
                yield from rejected_check_results(source, required[source.name], exc.path, exc.problem)
        for table, what in load_state_tables(files.warehouse_path, year).items():
            context.log.info(f"{table} of {year}: {what}")
        evaluate = [name for name in alternatives if name in provided]  # selected, and not rejected
        unread = {n for name in evaluate for n in groups[name] if n not in provided}
        provided.update(provided_sources(files.warehouse_path, year, sorted(unread)))
        for name in evaluate:
            met = any(provided[n] for n in groups[name])
            yield required_group_result(SOURCES[name], met, missing_sentence(groups[name], year))
        if rejected:
            first_source, first = rejected[0]
            more = f" (and {len(rejected) - 1} more: " + "; ".join(f"{e.path}: {e.problem}" for _, e in rejected[1:]) + ")" \
                if len(rejected) > 1 else ""
            # the required_source_present check of each rejected file carries its file and problem
            raise stopped(f"{first.path}: {first.problem}. Nothing from this file is used, and no scorecard "
                          f"of {year} is produced until it is fixed (it feeds {first_source.feeds}){more}.")

    return ingest_exports


ingest_assets = [_ingest_assets()]
