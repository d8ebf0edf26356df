"""The jobs of a school year: make the scorecards (automatic), re-render some, e-mail them (a person).

``yearly_scorecards`` is what the nightly schedule and the raw-folder sensor start: every asset
but ``deliver``, so no automatic run ever e-mails a principal. ``deliver_scorecards`` is launched
by a person for one partition (the UI's launchpad, or ``scorecards deliver --send --approved-by``):
a dry run unless its config says ``send: true`` with the approver's name. ``rerender_schools``
runs only the ``scorecards`` step for the CDS codes its config names.
"""
import dagster as dg

DELIVERY = dg.AssetSelection.assets("deliver")

yearly_scorecards = dg.define_asset_job(
    name="yearly_scorecards",
    selection=dg.AssetSelection.all() - DELIVERY,
    description="Everything for one school year but e-mail: ingest and validate every export, score, render. "
                "The schedule and the sensor start this job; it never sends anything.",
    # Transient failures (a busy disk, a flaky network share) are retried; a rejected file is not:
    # its dg.Failure says allow_retries=False.
    op_retry_policy=dg.RetryPolicy(max_retries=2, delay=5),
)

rerender_schools = dg.define_asset_job(
    name="rerender_schools",
    selection=dg.AssetSelection.assets("scorecards"),
    description="Render chosen schools' scorecards again from the scored tables already in the warehouse, "
                "without reading or scoring anything: set scorecards' config schools (CDS codes) and force.",
)

deliver_scorecards = dg.define_asset_job(
    name="deliver_scorecards",
    selection=DELIVERY,
    description="E-mail one school year's rendered and validated scorecards to the principals. A person "
                "launches it: a dry run (the outbox) unless the config sets send: true and approved_by.",
)
