"""PDF rendering with WeasyPrint, fast: a process pool whose workers each keep ONE
``FontConfiguration`` and ONE parsed stylesheet for every document they render.

* HTML comes from ``render_scorecard_html(page, css_inline=False)`` (no inline stylesheet);
  the worker applies ``templates/scorecard.css``, parsed once with the worker's font
  configuration (fonts from ``templates/fonts``).
* PDF/UA-1 with tags; title and language in the metadata and nothing else: the finisher
  drops WeasyPrint's ``Producer`` (Info dictionary and XMP) and the document carries no
  creation/modification date, no author/creator/keywords and no file identifier.
  Output is byte-for-byte reproducible for the same HTML.
* Each PDF is written through :func:`pipeline.outputs.atomic_file` (a locked temporary file in
  the target folder, then renamed), like every other output.
* Only ``data:`` URLs and files under ``templates/`` can be fetched: a page never reaches the
  network or the rest of the file system. The HTML has no base URL, so relative links (the
  CSV link) are not turned into ``file://`` paths of the build machine.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import re
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from urllib.request import url2pathname
from xml.sax.saxutils import escape

import cssselect2
import pydyf
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from pipeline.outputs import atomic_file
from pipeline.plain_text import plain_line
from pipeline.render import page_tree, raster
from pipeline.render.i18n import TEMPLATES_DIR

CSS_PATH = TEMPLATES_DIR / "scorecard.css"
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1", "pdf_tags": True}

Job = tuple[str, Path, str, str]  # (html, out_pdf, title, lang)

# A worker is replaced by a fresh one after this many PDFs. WeasyPrint (through Pango) keeps
# about 0.1-0.3 MiB per document that Python cannot free; without recycling, a worker that
# renders a state's 20,000 scorecards would grow by gigabytes. A fresh worker costs about
# 0.3 s (forked from the server that already imported WeasyPrint), under 1 % of 200 PDFs.
RECYCLE_AFTER = 200

logger = logging.getLogger(__name__)


class PdfRenderError(RuntimeError):
    """Some PDFs failed. ``failures`` maps output path -> exception; ``written`` lists the rest."""

    def __init__(self, failures: dict[Path, BaseException], written: list[Path]):
        self.failures, self.written = failures, written
        first = next(iter(failures.items()))
        super().__init__(f"{len(failures)} of {len(failures) + len(written)} PDFs failed; "
                         f"first: {first[0]}: {first[1]!r}")


class LocalOnlyFetcher(URLFetcher):
    """Fetch ``data:`` URLs and files under ``root``; refuse everything else."""

    def __init__(self, root: Path = TEMPLATES_DIR):
        super().__init__(allowed_protocols={"data", "file"}, fail_on_errors=False)
        self._root = Path(root).resolve()

    def fetch(self, url, headers=None):
        if url.startswith(raster.SCHEME):  # the gauges and meters, drawn here (pipeline/render/raster.py)
            data = raster.image_for(url)
            if data is None:
                raise ValueError(f"refused unknown scorecard image: {url[:80]}")
            return URLFetcherResponse(url, data, {"Content-Type": "image/png"})
        if url.startswith("file:"):
            path = Path(_file_url_path(url)).resolve()
            if not path.is_relative_to(self._root):
                raise ValueError(f"refused file outside {self._root}: {path}")
        elif not url.startswith("data:"):
            raise ValueError(f"refused non-local URL: {url[:80]}")
        return super().fetch(url, headers)


def _file_url_path(url: str) -> str:
    return url2pathname(url.split("?", 1)[0].removeprefix("file:").removeprefix("//"))


def scorecard_ua_css() -> tuple[str, bool]:
    """WeasyPrint's HTML user-agent stylesheet without its rules for pseudo-elements of every
    element that a scorecard never has: ``::marker`` (markers belong to list items only, so the
    rule becomes ``li::marker``) and the footnote and note calls and markers (no footnotes).

    Each of those rules made WeasyPrint compute a style for that pseudo-element of every one of
    the ~740 elements of a scorecard: about 16 % of a PDF's CPU time, for byte-identical PDFs
    (``tests/test_render.py``). Returns (the stylesheet, whether it was trimmed): when a new
    WeasyPrint changes those rules the stock stylesheet is used and a test says so.
    """
    from weasyprint.html import UA

    text, notes = re.subn(r"^::(?:footnote|note)-[a-z]+ \{[^}]*\}[ \t]*$", "", UA, flags=re.MULTILINE)
    text, markers = re.subn(r"^::marker \{", "li::marker {", text, flags=re.MULTILINE)
    if (notes, markers) != (5, 1):
        logger.warning("WeasyPrint's user-agent stylesheet has changed; using it as it is")
        return UA, False
    return text, True


class ScorecardHTML(HTML):
    """WeasyPrint's ``HTML`` with the trimmed user-agent stylesheet of :func:`scorecard_ua_css`,
    read from a string by :func:`pipeline.render.page_tree.parse` (tinyhtml5 when the string
    leaves the subset that parser vouches for)."""

    def __init__(self, string: str, base_url: str | None = None, url_fetcher=None, media_type: str = "print"):
        tree = page_tree.parse(string)
        if tree is None:
            super().__init__(string=string, base_url=base_url, url_fetcher=url_fetcher, media_type=media_type)
            return
        # what HTML.__init__ sets after tinyhtml5 (the subset has no <base>: the base URL is the one given)
        self.base_url = base_url
        self.url_fetcher = url_fetcher if url_fetcher is not None else URLFetcher()
        self.media_type = media_type
        self.wrapper_element = cssselect2.ElementWrapper.from_html_root(tree, content_language=None)
        self.etree_element = self.wrapper_element.etree_element

    def _ua_stylesheets(self, forms=False):
        return [_state().ua_stylesheet, *super()._ua_stylesheets(forms)[1:]]


@dataclass
class _WorkerState:
    font_config: FontConfiguration
    stylesheet: CSS
    fetcher: LocalOnlyFetcher
    ua_stylesheet: CSS
    images: dict  # WeasyPrint's image cache, kept for the worker's life: each gauge decoded once


_STATE: _WorkerState | None = None

# Python's cyclic garbage collector in a pool worker. A PDF allocates some three million objects
# (boxes, styles, PDF operators); with the default thresholds the collector ran about 70 times per
# PDF, walking the worker's long-lived objects (fonts, the parsed stylesheet, WeasyPrint's modules)
# whenever it reached the older generations: 87 ms of CPU per PDF (timed with gc.callbacks, the
# sample scorecard). A PDF's boxes are garbage all at once, when it is written. So a pool worker
# turns automatic collection off, collects once after each PDF, and after its first PDF (its font
# and image caches full) freezes what it keeps, which no collection walks again: about 9 ms per
# PDF, the same PDFs, and no more memory (peak and per-document growth as with the defaults;
# larger thresholds instead let documents reach the old generation and memory grew 3-10 times as
# fast). Rendering in the caller's own process leaves its collector alone.
_FREEZE_AFTER_NEXT_JOB = False


def _init_worker() -> None:
    """Pool initializer: one font configuration and one parsed stylesheet per process."""
    global _STATE
    fetcher = LocalOnlyFetcher()
    font_config = FontConfiguration()
    stylesheet = CSS(filename=str(CSS_PATH), font_config=font_config, url_fetcher=fetcher)
    from weasyprint.html import UA_COUNTER_STYLE

    ua_stylesheet = CSS(string=scorecard_ua_css()[0], counter_style=UA_COUNTER_STYLE)
    _STATE = _WorkerState(font_config, stylesheet, fetcher, ua_stylesheet, {})


def _init_pool_worker() -> None:
    """Pool initializer: :func:`_init_worker`, and no automatic garbage collection (a worker
    collects after each PDF: :func:`_collect_after_job`)."""
    global _FREEZE_AFTER_NEXT_JOB
    _init_worker()
    gc.disable()
    _FREEZE_AFTER_NEXT_JOB = True


def _collect_after_job() -> None:
    """A pool worker's collection after each PDF; after its first, freeze what is left (the
    worker's caches and modules), so later collections walk only the next PDF's objects."""
    global _FREEZE_AFTER_NEXT_JOB
    gc.collect()
    if _FREEZE_AFTER_NEXT_JOB:
        _FREEZE_AFTER_NEXT_JOB = False
        gc.freeze()


def _state() -> _WorkerState:
    if _STATE is None:
        _init_worker()
    assert _STATE is not None
    return _STATE


def _xmp(title: str, lang: str) -> bytes:
    """XMP packet for PDF/UA-1: conformance part, title and language only."""
    t, lg = escape(title), escape(lang)
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">'
        '<pdfuaid:part>1</pdfuaid:part></rdf:Description>'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{t}</rdf:li></rdf:Alt></dc:title>'
        f'<dc:language><rdf:Bag><rdf:li>{lg}</rdf:li></rdf:Bag></dc:language>'
        '</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end="r"?>'
    ).encode("utf-8")


def _finisher(title: str, lang: str):
    def finish(document, pdf: pydyf.PDF) -> None:
        # Info dictionary: the title only (WeasyPrint adds Producer "WeasyPrint 70.0").
        for key in list(pdf.info):
            if key != "Title":
                del pdf.info[key]
        pdf.info["Title"] = pydyf.String(title)
        pdf.catalog["Lang"] = pydyf.String(lang)
        # XMP: replace WeasyPrint's packet (which also names the producer) with ours.
        reference = pdf.catalog.get("Metadata")
        if reference is not None:
            stream = pdf.objects[_object_number(reference)]
            stream.stream = [_xmp(title, lang)]
            stream.compress = False  # readable by any metadata tool, as PDF/A wants
    return finish


def _object_number(reference) -> int:
    text = reference.decode("ascii") if isinstance(reference, bytes) else str(reference)
    return int(text.split()[0])


def _write_atomic(document, out: Path, title: str, lang: str) -> Path:
    with atomic_file(out) as fh:
        document.write_pdf(fh, finisher=_finisher(title, lang), **PDF_OPTIONS)
    return out


def _render_job(job: Job) -> Path:
    html, out, title, lang = job
    title = plain_line(title, 300)  # metadata: no line break, control or bidi override from a name
    state = _state()
    document = ScorecardHTML(string=html, base_url=None, url_fetcher=state.fetcher).render(
        font_config=state.font_config, stylesheets=[state.stylesheet], cache=state.images, **PDF_OPTIONS)
    meta = document.metadata
    meta.title, meta.lang = title, lang
    meta.authors, meta.keywords, meta.description = [], [], None
    meta.generator = meta.created = meta.modified = None
    meta.attachments = []
    return _write_atomic(document, Path(out), title, lang)


def render_pdf_one(html: str, out: Path, title: str, lang: str) -> Path:
    """Render one PDF in this process (the per-process font config and stylesheet are reused)."""
    return _render_job((html, Path(out), title, lang))


def _start_method() -> str:
    """``forkserver`` normally; ``fork`` when ``__main__`` cannot be re-imported (stdin, REPL).

    forkserver workers start from a clean server process that imported WeasyPrint once: quick,
    and safe even when the caller runs threads (Dagster) or already holds Pango state. Like
    spawn, it re-imports the caller's ``__main__`` in the workers, so a calling script needs
    the usual ``if __name__ == "__main__":`` guard.
    """
    methods = multiprocessing.get_all_start_methods()
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    if "forkserver" in methods and not (main_file and not os.path.exists(main_file)):
        return "forkserver"
    return "fork" if "fork" in methods else "spawn"


class PdfPool:
    """A pool of rendering processes, kept open across batches (``with PdfPool(2) as pool:``).

    Each worker holds one font configuration and one parsed stylesheet. ``workers=1`` renders in
    this process. Start-up (forking the workers, importing WeasyPrint, parsing the stylesheet)
    happens once, when the pool opens, so a benchmark can time batches without it.
    """

    def __init__(self, workers: int | None = None, start_method: str | None = None,
                 recycle_after: int | None = RECYCLE_AFTER):
        self.workers = max(1, workers or os.cpu_count() or 1)
        self._start_method = start_method
        self.recycle_after = recycle_after
        self._pool: ProcessPoolExecutor | None = None
        # (process id, its resident MiB after the job) for every PDF of the last render() call
        self.last_workers: list[tuple[int, float]] = []

    def __enter__(self) -> "PdfPool":
        self._open()
        return self

    def _open(self) -> None:
        if self.workers > 1:
            context = multiprocessing.get_context(self._start_method or _start_method())
            if context.get_start_method() == "forkserver":
                context.set_forkserver_preload(["weasyprint", "pipeline.render.pdf"])
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context,
                                             initializer=_init_pool_worker)
            self._served = 0

    def _recycle_if_due(self) -> None:
        """A fresh set of workers once each has rendered its quota (Python 3.11's own
        ``max_tasks_per_child`` stops replacing workers when every job is already queued)."""
        if self._pool is not None and self.recycle_after and self._served >= self.workers * self.recycle_after:
            self._pool.shutdown()
            self._open()

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def warm_up(self) -> None:
        """Start every worker and let it parse the stylesheet (otherwise done by the first job)."""
        if self._pool is None:
            _state()
            return
        list(self._pool.map(_ready, range(self.workers * 2)))

    def render(self, jobs: Sequence[Job]) -> list[Path]:
        """Render ``(html, out_pdf, title, lang)`` jobs; return the paths in job order.

        Every job is attempted; if any fail, :class:`PdfRenderError` is raised afterwards listing
        them (with the paths that were written).
        """
        jobs = [(html, Path(out), title, lang) for html, out, title, lang in jobs]
        failures: dict[Path, BaseException] = {}
        results: dict[int, Path] = {}
        if self._pool is None:
            for i, job in enumerate(jobs):
                try:
                    results[i] = _render_job(job)
                except Exception as exc:  # keep going: report every failure at the end
                    failures[job[1]] = exc
        else:
            self.last_workers = []
            chunk = self.workers * self.recycle_after if self.recycle_after else len(jobs)
            for start in range(0, len(jobs), max(1, chunk)):
                self._recycle_if_due()
                futures = {self._pool.submit(_pooled_job, job): i
                           for i, job in enumerate(jobs[start:start + chunk], start)}
                for future in as_completed(futures):
                    i = futures[future]
                    try:
                        results[i], pid, rss = future.result()
                        self.last_workers.append((pid, rss))
                    except Exception as exc:
                        failures[jobs[i][1]] = exc
                self._served += len(futures)
        if failures:
            for out, exc in failures.items():
                logger.error("PDF failed: %s: %r", out, exc)
            raise PdfRenderError(failures, [results[i] for i in sorted(results)])
        return [results[i] for i in range(len(jobs))]


def _pooled_job(job: Job) -> tuple[Path, int, float]:
    """A pool worker's job: the PDF, and which process made it with how much memory."""
    try:
        path = _render_job(job)
    finally:
        _collect_after_job()
    return path, os.getpid(), rss_mib()


def rss_mib(pid: int | str = "self") -> float:
    """Resident memory of a process now (MiB); 0 when it has ended or this is not Linux."""
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1 << 20)
    except (OSError, ValueError):
        return 0.0


def _collector_state(_: int = 0) -> tuple[bool, int]:
    """Whether a worker collects garbage automatically, and how many objects it has frozen (for the tests)."""
    return gc.isenabled(), gc.get_freeze_count()


def _ready(_: int) -> int:
    _state()
    return os.getpid()


def render_pdfs(jobs: Sequence[Job], workers: int | None = None,
                start_method: str | None = None) -> list[Path]:
    """Render many PDFs with a pool of worker processes; return the paths in job order.

    ``jobs`` are ``(html, out_pdf, title, lang)``. ``workers`` defaults to ``os.cpu_count()``
    (never more than the number of jobs); ``workers=1`` renders in this process.
    ``start_method`` is the multiprocessing start method (default: see :func:`_start_method`).
    Every job is attempted; if any fail, :class:`PdfRenderError` is raised afterwards listing
    them (with the paths that were written).
    """
    if not jobs:
        return []
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    with PdfPool(workers, start_method) as pool:
        return pool.render(jobs)
