"""The yearly job: every asset of one school year."""
import dagster as dg

yearly_scorecards = dg.define_asset_job(
    name="yearly_scorecards",
    selection=dg.AssetSelection.all(),
    description="Everything for one school year: ingest and validate every export, score, render, deliver.",
    # Transient failures (a busy disk, a flaky network share) are retried; a rejected file is not:
    # its dg.Failure says allow_retries=False.
    op_retry_policy=dg.RetryPolicy(max_retries=2, delay=5),
)
