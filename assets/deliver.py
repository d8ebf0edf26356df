"""Deliver stage: each principal gets their own school's PDFs, once per version, when a person approves.

Only the ``deliver_scorecards`` job runs this asset (``assets/jobs.py``); the schedule and the
sensor start ``yearly_scorecards``, which leaves it out, and this asset refuses to send in a run a
schedule or sensor started even if someone selects it there.
"""

import dagster as dg
from pydantic import Field

from assets.partitions import school_years
from assets.resources import Mailer, ScorecardFiles
from assets.stop import stopped
from pipeline.config import load_settings
from pipeline.delivery import MailerConfigError, ReleaseRefused, deliver_year

AUTOMATION_TAGS = ("dagster/schedule_name", "dagster/sensor_name")


class DeliverConfig(dg.Config):
    """Launchpad options of the delivery job: a dry run unless ``send`` with ``approved_by``."""

    send: bool = Field(default=False, description=(
        "true: really e-mail the principals (also needs approved_by, and SCORECARDS_SMTP_SEND=1 where "
        "Dagster runs). false (default): a dry run that writes the messages to <out>/<year>/outbox/."))
    approved_by: str = Field(default="", description=(
        "Your name: the person who reviewed this year's scorecards and approves sending them. "
        "Recorded in the delivery ledger with every message."))


@dg.asset(
    group_name="deliver",
    partitions_def=school_years,
    deps=["scorecards"],
    kinds={"email"},
    pool="warehouse",  # writes delivery_ledger
)
def deliver(context: dg.AssetExecutionContext, config: DeliverConfig, files: ScorecardFiles,
            mailer: Mailer) -> dg.MaterializeResult:
    """E-mail to each principal with only their own school's scorecard PDFs, in the school's
    languages, with a short message in the school's first language. A person launches the
    `deliver_scorecards` job for a year; schedules and sensors never send. Dry run by default:
    messages are written to `<out>/<year>/outbox/<cds>.eml`. With `send: true` and `approved_by`
    (and SCORECARDS_SMTP_SEND=1 on this deployment) it sends over SMTP only the rendered PDFs of a
    year whose blocking checks passed. The warehouse table `delivery_ledger` records every
    message per school and version with its approver: an unchanged scorecard is never sent
    twice. Schools without a valid principal address are listed with the reason."""
    year = context.partition_key
    send = bool(config.send)
    if send:
        started_by = [context.run.tags[t] for t in AUTOMATION_TAGS if t in context.run.tags]
        refusal = (f"this run was started by {started_by[0]}: schedules and sensors never send; "
                   "a person launches deliver_scorecards with send: true and approved_by" if started_by
                   else "sending is switched off on this deployment: set SCORECARDS_SMTP_SEND=1 where "
                        "Dagster runs" if not mailer.sending
                   else "a person must approve sending: set approved_by to your name" if not config.approved_by.strip()
                   else None)
        if refusal:
            raise stopped(f"not sent: {refusal}")
    try:
        summary = deliver_year(year, files.year_dir(year), files.warehouse_path, mailer.smtp_settings(),
                               send=send, attempts_per_run=mailer.attempts_per_run,
                               retry_delay=mailer.retry_delay, log=context.log,
                               approved_by=config.approved_by if send else None,
                               required_sources=load_settings().required_sources)
    except (MailerConfigError, ReleaseRefused) as e:  # unsafe settings, or not releasable: retrying will not help
        raise stopped(str(e)) from None
    metadata = {
        **summary.counts(),
        "mode": f"send, approved by {config.approved_by.strip()}" if send else "dry run",
        "outbox": dg.MetadataValue.path(str(summary.outbox)),
        "schools_without_address_list": dg.MetadataValue.md(
            ", ".join(f"{o.cds} ({o.school}): {o.error}" for o in summary.no_address) or "none"),
        "not_sendable_yet": dg.MetadataValue.md("; ".join(summary.release_problems) or "none"),
        "summary": dg.MetadataValue.md(summary.markdown()),
    }
    if summary.aborted:
        # A refused login or TLS is not retried (no account lock-out); a network error may be.
        raise dg.Failure(description=f"delivery stopped early: {summary.aborted}", metadata=metadata,
                         allow_retries=summary.abort_transient)
    return dg.MaterializeResult(metadata=metadata)
