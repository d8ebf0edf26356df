"""Rendering: scorecard model (plain typed data) -> page per language -> HTML pages, PDFs, SVG charts.

No Dagster here. Public API:

* ``present``: ``present(model, lang)`` - the one place figures are formatted and labels
  translated: a :class:`pipeline.scorecard.model.Scorecard` as the page the template receives.
* ``i18n``: ``SUPPORTED_LANGUAGES``, ``get_translations(lang)``, ``translate_school_type``,
  ``format_decimal``, ``format_integer``, ``format_percent``, ``format_rate``,
  ``format_change``, ``format_date``, ``language_name``.
* ``html``: ``render_scorecard_html(page, css_inline=True)``,
  ``render_index_html(schools, school_year, lang="en")``.
* ``pdf``: ``render_pdfs(jobs, workers=None)``, ``render_pdf_one(html, out, title, lang)``.
* ``charts``: ``trend_chart(points, lang, title)``, ``interval_chart(chart, lang, title)``,
  ``color_gauge(code)``, ``level_meter(level)``.

Modules are imported on demand (``from pipeline.render.pdf import render_pdfs``) so that
HTML-only callers do not load WeasyPrint.
"""
