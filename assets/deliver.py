"""Deliver stage: each principal gets their own school's PDFs, once per version (see pipeline/delivery/)."""

import dagster as dg

from assets.partitions import school_years
from assets.resources import Mailer, ScorecardFiles
from pipeline.delivery import MailerConfigError, deliver_year


@dg.asset(
    group_name="deliver",
    partitions_def=school_years,
    deps=["scorecards"],
    kinds={"email"},
    pool="warehouse",  # writes delivery_ledger
)
def deliver(context: dg.AssetExecutionContext, files: ScorecardFiles, mailer: Mailer) -> dg.MaterializeResult:
    """E-mail to each principal with only their own school's scorecard PDFs, in the school's
    languages, with a short message in the school's first language. Dry run by default: messages
    are written to `<out>/<year>/outbox/<cds>.eml`; SCORECARDS_SMTP_SEND=1 sends them over SMTP
    (STARTTLS required for any non-local relay). The warehouse table `delivery_ledger` records
    every message per school and version: an unchanged scorecard is never sent twice, a changed
    one is sent again, failures are retried on the next run. Schools without a valid principal
    address are listed, not skipped silently."""
    year = context.partition_key
    try:
        summary = deliver_year(year, files.year_dir(year), files.warehouse_path, mailer.smtp_settings(),
                               send=mailer.sending, attempts_per_run=mailer.attempts_per_run,
                               retry_delay=mailer.retry_delay, log=context.log)
    except MailerConfigError as e:  # unsafe or incomplete SMTP settings: retrying will not help
        raise dg.Failure(description=str(e), allow_retries=False) from None
    metadata = {
        **summary.counts(),
        "mode": "send" if summary.send else "dry run",
        "outbox": dg.MetadataValue.path(str(summary.outbox)),
        "schools_without_address_list": dg.MetadataValue.md(
            ", ".join(f"{o.cds} ({o.school})" for o in summary.no_address) or "none"),
        "summary": dg.MetadataValue.md(summary.markdown()),
    }
    if summary.aborted:
        # A refused login or TLS is not retried (no account lock-out); a network error may be.
        raise dg.Failure(description=f"delivery stopped early: {summary.aborted}", metadata=metadata,
                         allow_retries=summary.abort_transient)
    return dg.MaterializeResult(metadata=metadata)
