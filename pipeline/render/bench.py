"""Benchmark PDF rendering: naive WeasyPrint versus the worker pool.

    python -m pipeline.render.bench [copies] [workers]

Renders ``copies`` (default 40) copies of the sample scorecard (alternating en/es) three ways
and prints milliseconds per PDF:

1. naive, inline: the self-contained web page (CSS + base64 font inline) straight through
   ``HTML(string).write_pdf()``: a new font configuration and stylesheet parse per document;
2. naive: a new ``FontConfiguration`` and ``CSS`` per document, one process;
3. reused: one ``FontConfiguration`` and one ``CSS`` for all documents, one process
   (what each pool worker does);
4. pool: :func:`pipeline.render.pdf.render_pdfs` with ``workers`` processes (default 2),
   wall-clock time including the workers' start-up.

The single-process modes also print CPU time per PDF, which a busy machine disturbs less.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from pipeline.render.html import render_scorecard_html
from pipeline.render.pdf import CSS_PATH, PDF_OPTIONS, render_pdfs
from pipeline.render.sample import sample_model


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    copies = int(args[0]) if args else 40
    workers = int(args[1]) if len(args) > 1 else 2
    from pypdf import PdfReader
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    models = {lang: sample_model(lang) for lang in ("en", "es")}
    pdf_html = {lang: render_scorecard_html(m, css_inline=False) for lang, m in models.items()}
    web_html = {lang: render_scorecard_html(m) for lang, m in models.items()}
    langs = ["en" if i % 2 == 0 else "es" for i in range(copies)]

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        def timed(run) -> tuple[float, float]:
            wall, cpu = time.perf_counter(), time.process_time()
            for i, lang in enumerate(langs):
                run(i, lang)
            return ((time.perf_counter() - wall) * 1000 / copies,
                    (time.process_time() - cpu) * 1000 / copies)

        def inline(i, lang):
            HTML(string=web_html[lang]).write_pdf(out / f"inline{i}.pdf", **PDF_OPTIONS)

        def naive(i, lang):
            font_config = FontConfiguration()
            css = CSS(filename=str(CSS_PATH), font_config=font_config)
            HTML(string=pdf_html[lang]).write_pdf(
                out / f"naive{i}.pdf", stylesheets=[css], font_config=font_config, **PDF_OPTIONS)

        shared_config = FontConfiguration()
        shared_css = CSS(filename=str(CSS_PATH), font_config=shared_config)

        def reused(i, lang):
            HTML(string=pdf_html[lang]).write_pdf(
                out / f"reused{i}.pdf", stylesheets=[shared_css], font_config=shared_config,
                **PDF_OPTIONS)

        results = {name: timed(run) for name, run in
                   (("inline", inline), ("naive", naive), ("reused", reused))}

        jobs = [(pdf_html[lang], out / f"pool{i}.pdf", models[lang]["title"], lang)
                for i, lang in enumerate(langs)]
        t0 = time.perf_counter()
        paths = render_pdfs(jobs, workers=workers)
        pool_ms = (time.perf_counter() - t0) * 1000 / copies

        pages = sorted({len(PdfReader(p).pages) for p in paths})
    print(f"{copies} PDFs, pages per PDF: {pages}")
    labels = {"inline": "naive, CSS+font inline in the HTML", "naive": "naive, new FontConfiguration+CSS",
              "reused": "one FontConfiguration+CSS, 1 process"}
    for name, (wall, cpu) in results.items():
        print(f"{labels[name]:<40}: {wall:7.1f} ms/PDF wall, {cpu:7.1f} ms/PDF CPU")
    print(f"{'pool, ' + str(workers) + ' workers, incl. start-up':<40}: {pool_ms:7.1f} ms/PDF wall")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
