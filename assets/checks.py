"""Asset checks: every export's row counts and presence, and our indicators against CDE's.

Blocking checks (``rows_reconcile``, ``required_source_present``) stop everything downstream of
the asset they fail on. The checks are evaluated by the step that materializes their asset, for
its school year: every check is partitioned like its asset, so the UI shows each year's result
(a green 2023-24 never hides a failing 2022-23).
"""
import warnings

import dagster as dg
import pandas as pd

from assets.partitions import school_years
from pipeline.sources import Source

# Partitioned check specs are a preview in Dagster 1.13 (tests/test_ui.py holds what they show).
warnings.filterwarnings("ignore", message="Specifying a partitions_def on an AssetCheckSpec", category=dg.PreviewWarning)


def ingest_check_specs(source: Source, required: bool, alternatives: tuple[str, ...] = ()) -> list[dg.AssetCheckSpec]:
    """The checks of one export's asset ``validated_<source>``; ``alternatives``: the other sources
    whose file stands in for this one (``required_sources`` in config/settings.yaml)."""
    asset = f"validated_{source.name}"
    specs = [
        dg.AssetCheckSpec("rows_reconcile", asset=asset, blocking=True, partitions_def=school_years,
                          description="Rows read = rows kept + rows quarantined, counted again in the warehouse."),
        dg.AssetCheckSpec("quarantine_share", asset=asset, partitions_def=school_years,
                          description="Warns when more of the file is quarantined than the configured share "
                                      "(config/settings.yaml: validation.quarantine_warn_share)."),
    ]
    if required:
        specs.append(dg.AssetCheckSpec("required_source_present", asset=asset, blocking=True,
                                       partitions_def=school_years,
                                       description="The file is present: no scorecard is made without it."
                                       if not alternatives else "This file or the file of "
                                       f"{' or '.join(alternatives)} is present: no scorecard is made without one."))
    return specs


def ingest_check_results(source: Source, required: bool, counts, warn_share: float):
    """Those checks evaluated on the counts read back from the warehouse (``pipeline.reconcile``)."""
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


def required_group_result(source: Source, passed: bool, sentence: str) -> dg.AssetCheckResult:
    """``required_source_present`` of a source that another source's file can stand in for
    (evaluated once every file of the step is read): passed when one of them was provided."""
    return dg.AssetCheckResult(check_name="required_source_present", asset_key=f"validated_{source.name}",
                               passed=passed, description=None if passed else sentence)


def rejected_check_results(source: Source, required: bool, path: str, problem: str):
    """A required export whose file is there but cannot be used: ``required_source_present``
    fails with the file and the reason (the step then fails too, naming it), so the check in the
    UI says why instead of "Execution failed"."""
    if required:
        yield dg.AssetCheckResult(
            check_name="required_source_present", asset_key=f"validated_{source.name}", passed=False,
            description=f"{path}: {problem}. The file was rejected: no scorecard can be made until it is fixed",
            metadata={"file": path, "problem": problem},
        )


matches_published = dg.AssetCheckSpec(
    "matches_published", asset="indicator_results", partitions_def=school_years,
    description="Our status, change, levels, colour and box equal CDE's published values on every row; "
                "rows whose published value cannot be reproduced from the file are listed with the reason.",
)


def matches_published_result(computed: pd.DataFrame, diffs: pd.DataFrame,
                             summary: pd.DataFrame, published: pd.DataFrame | None = None) -> dg.AssetCheckResult:
    """``diffs``: the rows of ``computed`` where ours and CDE's differ (``scoring.disagreements``);
    ``summary``: per indicator (``scoring.disagreement_summary``). Fails on any disagreement; a row
    not reproducible from the file (``reason``) is reported, not failed.

    ``published``: the year's ``cde_status`` notes (``pipeline.ingest_store.read_notes``), the
    Dashboard files whose rows keep CDE's published status for want of a column: named, with
    their row counts, under ``status_as_published``.
    """
    real, unknown = diffs[diffs["reason"].isna()], diffs[diffs["reason"].notna()]
    metadata = {"rows_compared": int(computed["published_status_level"].notna().sum()),
                "disagreements": len(real), "not_reproducible": len(unknown),
                "by_indicator": dg.MetadataValue.md(summary.to_markdown(index=False) if len(summary) else "none"),
                "examples": dg.MetadataValue.md(
                    real.groupby("indicator").head(3).drop(columns="reason").to_markdown(index=False)
                    if len(real) else "none"),
                "not_reproducible_examples": dg.MetadataValue.md(
                    unknown.groupby("reason").head(3).to_markdown(index=False) if len(unknown) else "none")}
    if published is not None and len(published):
        metadata["status_as_published"] = dg.MetadataValue.md("\n".join(
            f"- `{n.file}`: {n.rows:,} rows; {n.note}" for n in published.itertuples()))
    return dg.AssetCheckResult(check_name="matches_published", passed=real.empty, metadata=metadata)
