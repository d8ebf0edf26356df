"""One school's page as plain typed data, built once per school for every language.

* ``load``: :class:`YearData`, :func:`load_year` - a school year's scored tables, read once, split per school.
* ``sections`` and ``rating``: :func:`build_scorecard` - one school's :class:`~pipeline.scorecard.model.Scorecard`.
* ``model``: the typed model (frozen dataclasses), the contract between scoring and rendering.
* ``labels``: the English source words the rendering side translates.
* ``data_csv``: :func:`school_records` - the school's numbers as rows (``data.csv``, written by the rendering side).

Formatting and translation happen on the rendering side (:mod:`pipeline.render.present`).
"""
from pipeline.scorecard.data_csv import school_records
from pipeline.scorecard.load import YearData, load_year
from pipeline.scorecard.model import Scorecard
from pipeline.scorecard.sections import build_scorecard

__all__ = ["Scorecard", "YearData", "build_scorecard", "load_year", "school_records"]
