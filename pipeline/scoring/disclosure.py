"""The one disclosure-control step every published table passes through (issue #19).

``disclose(table, frame, privacy, last_year=...)`` is called on each scored table before it is
stored (the warehouse's tables are what ``data.csv``, the Parquet copies, the scorecard model, the
index and the e-mails are made from); ``shown_groups`` does the same for the enrollment counts of
the scorecard's "Who our students are". The rules (README "Guarantees", docs/guarantees.md):

1. **Primary**: no figure for fewer than ``min_n`` students (``survey_min_respondents``
   respondents): in the scoring SQL, checked again here.
2. **Complementary**, over every family that adds up (``complementary_families`` in
   config/settings.yaml): within a school and a district, all students minus the groups shown must
   leave at least ``min_n`` students whenever a group is hidden; a district minus its schools
   shown likewise; for climate, a domain's answers minus its items shown and the district minus
   the schools shown.
3. **Top and bottom coding** of rates of small groups (students and survey answers).
4. **Last year's protection carried forward**: a prior-year column (``prior_n``, ``prior_mean``,
   ``prior_status``, ``change``, two-year figures) is hidden where last year's stored table hid
   the cell (or, with no table of last year, where the rules above would have hidden it).
5. **CDE's own figures** (rows ``origin = 'cde'`` with a ``published_status``) are public already:
   they stay as CDE publishes them and count as known when deciding what else to hide.
"""
from __future__ import annotations

import pandas as pd

from pipeline.config import Privacy
from pipeline.scoring import privacy as rules


def disclose(table: str, frame: pd.DataFrame, privacy: Privacy, *,
             last_year: pd.DataFrame | None = None) -> pd.DataFrame:
    """``frame`` (one school year of ``table``) as it may be published."""
    if frame is None or frame.empty:
        return frame
    if table == "indicator_results":
        return rules.protect_results(frame, privacy, last_year=last_year)
    if table == "growth":
        return rules.protect_growth(frame, privacy, last_year=last_year)
    if table == "climate":
        return rules.protect_climate(frame, privacy)
    return frame  # equity_components: its chronic absence is coded in equity_source_chronic.sql


def shown_groups(counts: dict[str, int], privacy: Privacy) -> set[str]:
    """The groups whose enrollment may be shown: at least ``min_n`` students, and in each family
    enough hidden that all students minus the groups shown leaves ``min_n`` or more (else
    further groups are hidden, smallest first)."""
    total = counts.get("ALL")
    shown = {g for g, n in counts.items() if n is not None and n >= privacy.min_n}
    if not total:
        return shown
    for family in privacy.complementary_families:
        members = [g for g in family if counts.get(g)]
        if not any(g not in shown for g in members):
            continue
        residual = total - sum(counts[g] for g in members if g in shown)
        for g in sorted((g for g in members if g in shown), key=lambda g: (counts[g], g)):
            if residual >= privacy.min_n:
                break
            shown.discard(g)
            residual += counts[g]
    return shown


def carry_forward_again(table: str, next_year: pd.DataFrame, this_year: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Next year's stored rows of ``table`` (``indicator_results`` or ``growth``) with this year's
    protection, as just stored, carried forward again (rule 4), and the number of prior-year cells
    it hid that were shown. Only hides: a cell shown again this year stays hidden next year."""
    if next_year is None or next_year.empty or this_year is None:
        return next_year, 0
    if table == "indicator_results":
        figures = ["prior_n", "prior_status", "change"]
        out = rules.carry_prior(next_year, this_year)
    elif table == "growth":
        figures = [c for c in rules.GROWTH_PRIOR if c in next_year]
        out = next_year.copy()
        out.loc[rules.growth_hidden_last_year(out, this_year), figures] = None
    else:
        return next_year, 0
    figures = [c for c in figures if c in next_year]
    hidden = int(next_year[figures].notna().to_numpy().sum() - out[figures].notna().to_numpy().sum())
    return out, hidden
