"""Rendering over many documents: neither the time nor the memory per PDF may grow.

    python -m benchmarks.soak [documents] [block] [--no-recycle]

Renders ``documents`` (default 1,000) two-page scorecards through the render pool
(:class:`pipeline.render.pdf.PdfPool`, two workers), alternating English and Spanish with a
different school name each time, and prints, per block of ``block`` documents (default 100),
the wall milliseconds per PDF and the largest worker's resident memory. At the end it fits a
line through that memory over the second half of the blocks: the growth per document, which
must be about zero for a state's 20,000 scorecards to render at the same speed from first to
last. WeasyPrint keeps a little memory per document that Python cannot free, so the pool
replaces each worker after ``RECYCLE_AFTER`` PDFs; ``--no-recycle`` shows the growth without.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path


def _documents():
    from pipeline.render.html import render_scorecard_html
    from pipeline.render.sample import sample_model

    models = {lang: sample_model(lang) for lang in ("en", "es")}
    i = 0
    while True:
        lang = "en" if i % 2 == 0 else "es"
        base = models[lang]
        name = f"{base['school']['name']} {i}"
        model = dict(base, school=dict(base["school"], name=name), title=f"{name} {lang}")
        yield render_scorecard_html(model, css_inline=False), model["title"], lang
        i += 1


def soak(documents: int = 1000, block: int = 100, workers: int = 2, recycle: bool = True,
         say=None) -> list[dict]:
    """Render ``documents`` PDFs; one row per block: documents done, wall ms per PDF, the largest
    worker's resident MiB, and how many worker processes have served so far."""
    from pipeline.render.pdf import RECYCLE_AFTER, PdfPool, rss_mib

    rows = []
    seen: set[int] = set()
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp, \
            PdfPool(workers, recycle_after=RECYCLE_AFTER if recycle else None) as pool:
        pool.warm_up()
        docs = _documents()
        done = 0
        while done < documents:
            n = min(block, documents - done)
            jobs = []
            for i in range(n):
                html, title, lang = next(docs)
                jobs.append((html, Path(tmp) / f"doc-{i}.pdf", title, lang))  # overwritten: disk stays flat
            started = time.perf_counter()
            pool.render(jobs)
            done += n
            seen.update(pid for pid, _ in pool.last_workers)
            row = {"done": done, "ms_per_pdf": (time.perf_counter() - started) * 1000 / n,
                   "rss_mib": max((rss for _, rss in pool.last_workers), default=rss_mib()),
                   "workers_so_far": len(seen) or 1}
            rows.append(row)
            if say:
                say(row)
    return rows


def growth_kib_per_document(rows: list[dict]) -> float:
    """Least-squares slope of memory against documents over the second half of the blocks (KiB/doc)."""
    half = rows[len(rows) // 2:] if len(rows) >= 4 else rows[1:]
    if len(half) < 2:
        return 0.0
    xs = [r["done"] for r in half]
    ys = [r["rss_mib"] * 1024 for r in half]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / var if var else 0.0


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    recycle = "--no-recycle" not in args
    args = [a for a in args if a != "--no-recycle"]
    documents = int(args[0]) if args else 1000
    block = int(args[1]) if len(args) > 1 else 100

    def say(row):
        print(f"{row['done']:>6} PDFs  {row['ms_per_pdf']:6.0f} ms/PDF (wall)  largest worker "
              f"{row['rss_mib']:7.1f} MiB  ({row['workers_so_far']} worker processes so far)", flush=True)

    rows = soak(documents, block, recycle=recycle, say=say)
    first, last = rows[0], rows[-1]
    print(f"memory growth over the second half: {growth_kib_per_document(rows):.1f} KiB per document; "
          f"wall time per PDF first block {first['ms_per_pdf']:.0f} ms, last block {last['ms_per_pdf']:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
