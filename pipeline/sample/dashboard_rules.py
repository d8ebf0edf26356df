"""CDE's rules the Dashboard files follow, read from ``config/``, and CDE's rounding.

The generator has no copy of its own: :func:`load_rules` is :func:`pipeline.dashboard_config.load_rules`,
the loader of ``config/cut_scores.csv``, ``config/color_grid.csv`` and ``config/dashboard_rules.csv``
whose tables the scoring reads (``pipeline/scoring/sql/indicator_results.sql``), and
:meth:`~pipeline.dashboard_config.DashboardRules.assess` applies them as the scoring SQL does
(cut set per row, small-denominator change levels and grid, status-only years, the groups CDE
never colours). Changing a rule in ``config/`` so changes the generated files and the scoring alike.

All rounding is integer arithmetic (half away from zero), never float ``round``.
"""
from __future__ import annotations

import numpy as np

from pipeline.dashboard_config import DashboardRules, load_rules

__all__ = ["DashboardRules", "half_up_div", "load_rules"]


def half_up_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """round(num / den) with ties away from zero, in exact integer arithmetic (den > 0)."""
    num = np.asarray(num, dtype=np.int64)
    den = np.asarray(den, dtype=np.int64)
    q = (2 * np.abs(num) + den) // (2 * den)
    return np.sign(num) * q
