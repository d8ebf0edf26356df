"""What a delivery run did: one ``Outcome`` per school, and the ``DeliverySummary`` of the year."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.delivery.compose import one_line


@dataclass
class Outcome:
    """What this run did for one school (``status`` adds ``skipped_unchanged`` to the ledger's)."""

    cds: str
    school: str
    recipient: str | None
    status: str
    attachments: list[str] = field(default_factory=list)
    checksum: str | None = None
    attempts: int = 0
    error: str | None = None
    eml: Path | None = None
    resent_after_interruption: bool = False


@dataclass
class DeliverySummary:
    """What one delivery run of a school year did, school by school, and whether it stopped early."""

    school_year: str
    send: bool
    outbox: Path
    outcomes: list[Outcome] = field(default_factory=list)
    aborted: str | None = None         # why the run stopped early (connection, TLS, login)
    abort_transient: bool = False      # True when retrying later may help (network), False for login/TLS
    not_attempted: list[str] = field(default_factory=list)
    release_problems: list[str] = field(default_factory=list)  # why a send would be refused now

    def _with(self, status: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def sent(self) -> list[Outcome]:
        return self._with("sent")

    @property
    def written(self) -> list[Outcome]:
        return self._with("written")

    @property
    def skipped_unchanged(self) -> list[Outcome]:
        return self._with("skipped_unchanged")

    @property
    def failed(self) -> list[Outcome]:
        return self._with("failed")

    @property
    def unconfirmed(self) -> list[Outcome]:
        return self._with("unconfirmed")

    @property
    def no_address(self) -> list[Outcome]:
        return self._with("no_address")

    @property
    def no_pdf(self) -> list[Outcome]:
        return self._with("no_pdf")

    @property
    def resent_after_interruption(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.resent_after_interruption]

    def counts(self) -> dict[str, int]:
        return {
            "messages_sent": len(self.sent),
            "messages_written": len(self.written),
            "messages_skipped_unchanged": len(self.skipped_unchanged),
            "messages_failed": len(self.failed),
            "messages_unconfirmed": len(self.unconfirmed),
            "schools_without_address": len(self.no_address),
            "schools_without_pdf": len(self.no_pdf),
            "not_attempted": len(self.not_attempted),
            "resent_after_interruption": len(self.resent_after_interruption),
        }

    def table(self) -> pd.DataFrame:
        """One row per school: no student data, only the school, its status and the server's reply."""
        return pd.DataFrame([{
            "cds": o.cds, "school": o.school, "status": o.status, "recipient": o.recipient or "",
            "attachments": ", ".join(o.attachments), "attempts": o.attempts,
            "note": one_line(o.error, 300)
            + (" (the previous run stopped before the end of this message: sent now)"
               if o.resent_after_interruption else ""),
        } for o in self.outcomes], columns=["cds", "school", "status", "recipient", "attachments", "attempts", "note"])

    def markdown(self) -> str:
        t = self.table()
        if t.empty:
            return "(no schools)"
        t = t.assign(**{c: t[c].astype(str).str.replace("|", "/", regex=False) for c in ("school", "recipient", "note")})
        lines = ["| " + " | ".join(t.columns) + " |", "|" + "---|" * len(t.columns)]
        lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in t.itertuples(index=False)]
        if self.aborted:
            skipped = ", ".join(self.not_attempted) or "none"
            lines.append(f"\n**Stopped early:** {self.aborted}; not attempted: {skipped}")
        return "\n".join(lines)
