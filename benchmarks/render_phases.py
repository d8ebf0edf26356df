"""Benchmark PDF rendering: naive WeasyPrint versus the worker pool, and where one worker's time goes.

    python -m benchmarks.render_phases [copies] [workers]
    python -m benchmarks.render_phases --phases [copies]

``--phases`` splits one worker's time per PDF into WeasyPrint's stages (CPU time): parsing the
HTML, styling and laying out (``render``), drawing and writing the PDF (``write_pdf``), with the
share of each, so a reader can see where the time goes.

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

import gc
import sys
import tempfile
import time
from pathlib import Path

from pipeline.render.html import render_scorecard_html
from pipeline.render.pdf import CSS_PATH, PDF_OPTIONS, LocalOnlyFetcher, render_pdfs
from pipeline.render.sample import sample_model


def phases(copies: int = 20) -> dict[str, float]:
    """CPU milliseconds per PDF in each stage of one worker, after a warm-up document, with the
    garbage collected as a pool worker collects it (once after each PDF, in "draw + write PDF")."""
    from pipeline.render.pdf import ScorecardHTML, _collect_after_job, _finisher, _init_pool_worker, _state

    _init_pool_worker()
    state = _state()
    docs = [(render_scorecard_html(sample_model(lang), css_inline=False), lang) for lang in ("en", "es")]
    totals = {"parse HTML": 0.0, "style + layout": 0.0, "draw + write PDF": 0.0}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(copies + 1):
            html, lang = docs[i % 2]
            t0 = time.process_time()
            doc = ScorecardHTML(string=html, base_url=None, url_fetcher=state.fetcher)
            t1 = time.process_time()
            rendered = doc.render(font_config=state.font_config, stylesheets=[state.stylesheet], cache=state.images,
                                  **PDF_OPTIONS)
            t2 = time.process_time()
            rendered.write_pdf(Path(tmp) / "x.pdf", finisher=_finisher("t", lang), **PDF_OPTIONS)
            del doc, rendered
            _collect_after_job()
            t3 = time.process_time()
            if i:  # the first one warms caches
                for key, dt in zip(totals, (t1 - t0, t2 - t1, t3 - t2)):
                    totals[key] += dt * 1000 / copies
    gc.unfreeze()  # this is not a worker: collect as usual again, and free it all at exit
    gc.enable()
    return totals


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in args) or any(not a.isdigit() for a in args if a != "--phases"):
        print(__doc__)
        return 0 if any(a in ("-h", "--help") for a in args) else 2
    if args and args[0] == "--phases":
        totals = phases(int(args[1]) if len(args) > 1 else 20)
        whole = sum(totals.values())
        for key, ms in totals.items():
            print(f"{key:<18} {ms:6.0f} ms/PDF  {ms / whole:4.0%}")
        print(f"{'total':<18} {whole:6.0f} ms/PDF CPU, one worker")
        return 0
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
            HTML(string=pdf_html[lang], url_fetcher=LocalOnlyFetcher()).write_pdf(
                out / f"naive{i}.pdf", stylesheets=[css], font_config=font_config, **PDF_OPTIONS)

        shared_config = FontConfiguration()
        shared_css = CSS(filename=str(CSS_PATH), font_config=shared_config)

        def reused(i, lang):
            HTML(string=pdf_html[lang], url_fetcher=LocalOnlyFetcher()).write_pdf(
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
