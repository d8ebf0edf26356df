"""Deliver each principal their own school's scorecard PDFs, once per version, with a ledger.

Plain Python (no Dagster): the ``deliver`` asset and ``scorecards deliver`` both call
:func:`deliver_year` with folders, the warehouse path and ``SmtpSettings``.

- ``compose.py``  what one principal receives: texts, address, attachments, Message-ID
- ``ledger.py``   the ledger table ``delivery_ledger`` and its journal ``ledger.jsonl``
- ``release.py``  whether a year may be sent: approved by a person, validated, rendered
- ``send.py``     the year's delivery loop: what to send, retries, crash safety, dry run
- ``summary.py``  what a run did, per school, for the asset's metadata and the command's table
- ``smtp.py``     the SMTP session, its settings from the environment, its errors
"""
from pipeline.delivery.ledger import DELIVERY_DIR, JOURNAL, LEDGER, delivery_status, read_journal, record
from pipeline.delivery.release import ReleaseRefused, release_problems, rendered_checksums
from pipeline.delivery.send import deliver_directory, deliver_year
from pipeline.delivery.smtp import MailerConfigError, MailerError, SmtpSettings, send_email, settings_from_env
from pipeline.delivery.summary import DeliverySummary, Outcome

__all__ = [
    "DELIVERY_DIR", "JOURNAL", "LEDGER", "DeliverySummary", "MailerConfigError", "MailerError", "Outcome",
    "ReleaseRefused", "release_problems", "rendered_checksums",
    "SmtpSettings", "deliver_directory", "deliver_year", "delivery_status", "read_journal", "record",
    "send_email", "settings_from_env",
]
