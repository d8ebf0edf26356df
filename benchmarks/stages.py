"""The stages the benchmark measures, as module-level functions: each runs in a fresh child process
(:func:`benchmarks.measure.in_child`), so its peak memory is its own."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from pipeline.config import PROJECT_ROOT


def ensure_data(scale: str, raw: Path, seed: int = 2024) -> float | None:
    """Generate the sample exports at ``scale`` unless ``raw`` already holds them; seconds or None."""
    if (raw / "directory.csv").exists():
        return None
    from pipeline.sample import generate

    started = time.perf_counter()
    tmp = raw.with_name(raw.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    generate(tmp, scale=scale, seed=seed)
    tmp.rename(raw)
    return time.perf_counter() - started


def run_cli(raw: Path, out: Path, year: str, dagster_home: Path) -> tuple[float, float, str]:
    """``scorecards run`` as a subprocess: seconds, its peak memory (MiB) and its last output line."""
    env = dict(os.environ, DAGSTER_HOME=str(dagster_home))
    dagster_home.mkdir(parents=True, exist_ok=True)
    (dagster_home / "dagster.yaml").write_text((PROJECT_ROOT / "dagster.yaml").read_text())
    cmd = [sys.executable, "-m", "pipeline.cli", "run", "--year", year, "--raw", str(raw),
           "--out", str(out), "--quiet"]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout, stderr = proc.stdout.read(), proc.stderr.read()
    if proc.returncode != 0:
        raise RuntimeError(f"scorecards run failed ({proc.returncode}): {stderr.strip()[-800:]}")
    return seconds, usage.ru_maxrss / 1024, stdout.strip().splitlines()[0] if stdout.strip() else ""


def pdf_mtimes(year_dir: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in Path(year_dir).glob("schools/*/scorecard.*.pdf")}


def ingest_all(raw: Path, year: str) -> dict:
    """Read and validate every source of ``year``: seconds and rows per source."""
    from pipeline.config import load_settings
    from pipeline.ingest import ingest
    from pipeline.sources import SOURCES

    settings = load_settings()
    per_source = {}
    started = time.perf_counter()
    for name, source in SOURCES.items():
        t0 = time.perf_counter()
        result = ingest(source, raw, year, settings)
        rows = result.validated.rows_read if result.provided else 0
        per_source[name] = {"seconds": time.perf_counter() - t0, "rows": rows}
    return {"seconds": time.perf_counter() - started,
            "rows": sum(s["rows"] for s in per_source.values()), "sources": per_source}


def scoring_both(warehouse: Path, year: str, repeats: int, computation: str) -> dict:
    from benchmarks.pandas_scoring import run_both

    return run_both(warehouse, year, repeats=repeats, computations=(computation,))


def scoring_side(warehouse: Path, year: str, side: str, computation: str) -> float:
    """One side of one computation alone, so its peak memory is its own (seconds)."""
    from benchmarks.pandas_scoring import duckdb_runners, load_inputs, pandas_runners
    from pipeline.config import load_settings
    from pipeline.warehouse import connect

    settings = load_settings()
    started = time.perf_counter()
    with connect(warehouse, read_only=True) as con:
        if side == "duckdb":
            duckdb_runners(settings)[computation](con, year)
        else:
            pandas_runners(settings)[computation](load_inputs(con, year, (computation,)), year)
    return time.perf_counter() - started


def render_documents(warehouse: Path, year: str, schools: int, folder: Path) -> Path:
    """Take the first ``schools`` schools (by name) from the warehouse; write their HTML, both
    languages, to ``folder/documents.json`` (PDF HTML and self-contained web page)."""
    from pipeline.config import load_settings
    from pipeline.publish import page_links
    from pipeline.render.html import render_scorecard_html
    from pipeline.render.present import present
    from pipeline.scorecard import build_scorecard, load_year
    from pipeline.warehouse import connect

    settings = load_settings()
    docs = []
    with connect(warehouse, read_only=True) as con:
        data = load_year(con, year)
    for _, school in data.directory.sort_values("school_name").head(schools).iterrows():
        model = build_scorecard(data, school, year, settings)
        for lang in settings.languages:
            # the page exactly as publish_year renders it (district name, links to the index and the other language)
            page = {**present(model, lang, district=settings.district_names.get(lang)),
                    "links": page_links(lang, settings.languages)}
            docs.append({"name": f"{school['cds']}.{lang}", "title": page["title"], "lang": lang,
                         "school": str(school["school_name"]),
                         "pdf_html": render_scorecard_html(page, css_inline=False),
                         "web_html": render_scorecard_html(page, css_inline=True)})
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "documents.json"
    path.write_text(json.dumps(docs), encoding="utf-8")
    return path


def load_docs(path: Path) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def render_ours(docs_path: Path, out: Path, workers: int) -> dict:
    from pipeline.render.pdf import PdfPool

    docs = load_docs(docs_path)
    jobs = [(d["pdf_html"], out / f"{d['name']}.pdf", d["title"], d["lang"]) for d in docs]
    t0 = time.perf_counter()
    with PdfPool(workers) as pool:
        pool.warm_up()
        startup = time.perf_counter() - t0
        t1 = time.perf_counter()
        pool.render(jobs)
        seconds = time.perf_counter() - t1
    return {"seconds": seconds, "startup": startup}


def render_naive(docs_path: Path, out: Path) -> dict:
    """Naive WeasyPrint: new FontConfiguration and stylesheet per document, one process."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from pipeline.render.pdf import CSS_PATH, PDF_OPTIONS, LocalOnlyFetcher

    docs = load_docs(docs_path)
    t0 = time.perf_counter()
    for d in docs:
        font_config = FontConfiguration()
        css = CSS(filename=str(CSS_PATH), font_config=font_config)
        # the fetcher serves the gauges' short URLs (pipeline/render/raster.py), as a worker's does
        HTML(string=d["pdf_html"], url_fetcher=LocalOnlyFetcher()).write_pdf(out / f"{d['name']}.pdf", stylesheets=[css],
                                             font_config=font_config, **PDF_OPTIONS)
    return {"seconds": time.perf_counter() - t0, "startup": 0.0}


def render_chromium(docs_path: Path, out: Path) -> dict:
    """One long-lived headless Chromium printing the self-contained pages (DevTools protocol)."""
    from benchmarks.chromium import ChromiumPrinter

    docs = load_docs(docs_path)
    t0 = time.perf_counter()
    with ChromiumPrinter() as printer:
        printer.print_pdf(docs[0]["web_html"], out / "warm-up.pdf")
        startup = time.perf_counter() - t0
        t1 = time.perf_counter()
        for d in docs:
            printer.print_pdf(d["web_html"], out / f"{d['name']}.pdf")
        seconds = time.perf_counter() - t1
    (out / "warm-up.pdf").unlink(missing_ok=True)
    return {"seconds": seconds, "startup": startup}


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# "Page 1 of 2" in WeasyPrint's running footer: a browser prints no running header or footer
_PAGE_FOOTER = re.compile(r"(?:Page|Página) \d+ (?:of|de) \d+")


def pdf_facts(path: Path) -> tuple[int, str, list[str]]:
    """Page count, text, and the distinct numbers shown in a PDF (to check two renderers agree).

    Distinct, not counted: the web page the browser prints repeats a few figures in labels
    that print hides."""
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return len(reader.pages), text, sorted(set(_NUMBER.findall(_PAGE_FOOTER.sub("", text))))


def check_same(docs: list[dict], ours: Path, other: Path) -> list[str]:
    """Differences between two renderings of the same documents (pages, school name, figures)."""
    problems = []
    for d in docs:
        pages_a, _, numbers_a = pdf_facts(ours / f"{d['name']}.pdf")
        pages_b, text_b, numbers_b = pdf_facts(other / f"{d['name']}.pdf")
        if pages_a != pages_b:
            problems.append(f"{d['name']}: {pages_b} pages, ours {pages_a}")
        if d["school"] not in " ".join(text_b.split()):
            problems.append(f"{d['name']}: school name missing")
        if numbers_a != numbers_b:
            missing = sorted(set(numbers_a) - set(numbers_b))[:5]
            problems.append(f"{d['name']}: figures differ (e.g. not in the other: {missing})")
    return problems
