"""``scorecards bench``: every stage at district or state scale, side by side with the alternatives.

    scorecards bench --scale district|state [--repeats 3] [--documents 24] [--root data/bench]

What it does, in this order (each measurement in a fresh child process, so its peak memory is its
own and one stage's caches do not help the next):

1. **data**: generates ``<root>/<scale>/raw`` with ``scorecards sample`` if it is not there yet;
2. **pipeline, cold** (district scale; state with ``--full``): ``scorecards run`` for the current
   school year into an empty output folder, through Dagster, as an analyst runs it: ingest,
   validation, scoring, both languages of every school in HTML and PDF;
   **pipeline, nightly**: the same command again with unchanged inputs; the table says how many
   PDFs it rendered (it should be none);
   at state scale without ``--full`` the warehouse is built with the plain ingest functions instead;
3. **ingest + validation** of every source of the current year (``pipeline.ingest.ingest``);
4. **scoring**: the pipeline's DuckDB scoring versus a plain pandas implementation of the same
   computations (:mod:`pipeline.bench.pandas_scoring`), results compared cell by cell;
5. **rendering** of the same scorecards (real schools from the warehouse, English and Spanish):
   our worker pool, naive WeasyPrint (a new font configuration and stylesheet per document, one
   process) and one long-lived headless Chromium (:mod:`pipeline.bench.chromium`); each PDF's
   page count and figures are checked against ours. Pool and browser start-up are timed apart.

Every comparison is measured in the same run and reported as a ratio, because the machine is
shared and absolute times vary. The table is printed and written to
``<root>/<scale>/results.md`` (and ``results.json``).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path

from pipeline.config import PROJECT_ROOT

BENCH_ROOT = PROJECT_ROOT / "data" / "bench"
SCALES = ("tiny", "demo", "district", "state")


# ---------------------------------------------------------------------------------------------
# Measurements


@dataclass
class Row:
    """One line of the table: a method of a stage, timed ``len(seconds)`` times."""

    stage: str
    method: str
    seconds: list[float]
    units: int | None = None  # rows or PDFs handled per repetition
    unit: str = "rows"
    peak_mib: float | None = None
    output_bytes: int | None = None
    baseline_of: str | None = None  # the method this one is compared against (ratio = mine / ours)
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def spread(self) -> str:
        if len(self.seconds) < 2:
            return "1 run"
        low, high = min(self.seconds), max(self.seconds)
        return f"{_secs(low)}–{_secs(high)}"

    @property
    def rate(self) -> float | None:
        return self.units / self.median if self.units and self.median > 0 else None


def _secs(value: float) -> str:
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s" if value < 600 else f"{value / 60:.1f} min"


def _size(n: int | None) -> str:
    if n is None:
        return ""
    for unit, div in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if n >= div:
            return f"{n / div:.1f} {unit}"
    return f"{n} B"


def _peak_mib() -> float:
    """Peak resident memory of this process and of the largest child it waited for (MiB).

    This process's own peak is read from /proc (VmHWM), which starts afresh with the program;
    ``getrusage`` would report the larger parent it was forked from.
    """
    own = 0.0
    try:
        with open("/proc/self/status") as fh:
            own = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def in_child(fn, *args):
    """Run ``fn(*args)`` in a fresh process; return its result and that process's peak memory."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(_with_peak, fn, *args).result()


def _with_peak(fn, *args):
    return fn(*args), _peak_mib()


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


# ---------------------------------------------------------------------------------------------
# Stages (module-level functions: they run in child processes)


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
    from pipeline.bench.pandas_scoring import run_both

    return run_both(warehouse, year, repeats=repeats, computations=(computation,))


def _scoring_side(warehouse: Path, year: str, side: str, computation: str) -> float:
    """One side of one computation alone, so its peak memory is its own (seconds)."""
    from pipeline.bench.pandas_scoring import _duckdb_runners, _pandas_runners, load_inputs
    from pipeline.config import load_settings
    from pipeline.warehouse import connect

    settings = load_settings()
    started = time.perf_counter()
    with connect(warehouse, read_only=True) as con:
        if side == "duckdb":
            _duckdb_runners(settings)[computation](con, year)
        else:
            _pandas_runners(settings)[computation](load_inputs(con, year, (computation,)), year)
    return time.perf_counter() - started


def render_documents(warehouse: Path, year: str, schools: int, folder: Path) -> Path:
    """Take the first ``schools`` schools (by name) from the warehouse; write their HTML, both
    languages, to ``folder/documents.json`` (PDF HTML and self-contained web page)."""
    from pipeline.config import load_settings
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
            page = present(model, lang)
            docs.append({"name": f"{school['cds']}.{lang}", "title": page["title"], "lang": lang,
                         "school": str(school["school_name"]),
                         "pdf_html": render_scorecard_html(page, css_inline=False),
                         "web_html": render_scorecard_html(page, css_inline=True)})
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "documents.json"
    path.write_text(json.dumps(docs), encoding="utf-8")
    return path


def _load_docs(path: Path) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def render_ours(docs_path: Path, out: Path, workers: int) -> dict:
    from pipeline.render.pdf import PdfPool

    docs = _load_docs(docs_path)
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

    from pipeline.render.pdf import CSS_PATH, PDF_OPTIONS

    docs = _load_docs(docs_path)
    t0 = time.perf_counter()
    for d in docs:
        font_config = FontConfiguration()
        css = CSS(filename=str(CSS_PATH), font_config=font_config)
        HTML(string=d["pdf_html"]).write_pdf(out / f"{d['name']}.pdf", stylesheets=[css],
                                             font_config=font_config, **PDF_OPTIONS)
    return {"seconds": time.perf_counter() - t0, "startup": 0.0}


def render_chromium(docs_path: Path, out: Path) -> dict:
    """One long-lived headless Chromium printing the self-contained pages (DevTools protocol)."""
    from pipeline.bench.chromium import ChromiumPrinter

    docs = _load_docs(docs_path)
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


# ---------------------------------------------------------------------------------------------
# The run


@dataclass
class Bench:
    scale: str
    root: Path
    repeats: int = 3
    documents: int = 24
    workers: int = 2
    full: bool = False
    rows: list[Row] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    facts: dict = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        return self.root / self.scale

    def say(self, text: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S')}] {text}", flush=True)

    def run(self) -> None:
        from pipeline.config import load_settings

        year = load_settings().current_school_year
        raw, out = self.folder / "raw", self.folder / "out"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.say(f"{self.scale} scale, school year {year}, {self.repeats} repetitions")

        generated = ensure_data(self.scale, raw)
        if generated is not None:
            self.rows.append(Row("data", "generate sample exports", [generated],
                                 output_bytes=folder_bytes(raw)))
        self.facts["input_bytes"] = folder_bytes(raw / year)

        if self.scale != "state" or self.full:
            self._pipeline(raw, out, year)
        else:
            self._warehouse(raw, out, year)
        warehouse = out / "scorecards.duckdb"
        self._ingest(raw, year)
        self._scoring(warehouse, year)
        self._render(warehouse, year)

    def _pipeline(self, raw: Path, out: Path, year: str) -> None:
        shutil.rmtree(out, ignore_errors=True)
        home = self.folder / "dagster_home"
        shutil.rmtree(home, ignore_errors=True)
        self.say("pipeline, cold: scorecards run into an empty output folder")
        seconds, peak, _ = run_cli(raw, out, year, home)
        pdfs = len(pdf_mtimes(out / year))
        cold = Row("pipeline (Dagster, end to end)", "cold run: ingest, score, render en+es", [seconds],
                   units=pdfs, unit="PDFs", peak_mib=peak, output_bytes=folder_bytes(out))
        self.rows.append(cold)
        before = pdf_mtimes(out / year)
        nightly = []
        rendered = 0
        for i in range(self.repeats):
            self.say(f"pipeline, nightly with unchanged inputs ({i + 1}/{self.repeats})")
            s, peak, _ = run_cli(raw, out, year, home)
            nightly.append(s)
            after = pdf_mtimes(out / year)
            rendered = max(rendered, sum(1 for k, v in after.items() if before.get(k) != v))
        self.rows.append(Row("pipeline (Dagster, end to end)", "nightly refresh, unchanged inputs", nightly,
                             peak_mib=peak, baseline_of=cold.method,
                             note=f"{rendered} PDFs rendered"))
        self.facts["nightly_pdfs_rendered"] = rendered

    def _warehouse(self, raw: Path, out: Path, year: str) -> None:
        from pipeline.bench.pandas_scoring import build_warehouse

        warehouse = out / "scorecards.duckdb"
        if warehouse.exists():
            return
        self.say("building the warehouse with the plain ingest functions (no rendering)")
        t0 = time.perf_counter()
        _, peak = in_child(build_warehouse, raw, warehouse)
        self.rows.append(Row("warehouse (no Dagster)", "ingest + store all years", [time.perf_counter() - t0],
                             peak_mib=peak, output_bytes=warehouse.stat().st_size))

    def _ingest(self, raw: Path, year: str) -> None:
        runs, peak = [], 0.0
        for i in range(self.repeats):
            self.say(f"ingest + validation ({i + 1}/{self.repeats})")
            result, p = in_child(ingest_all, raw, year)
            runs.append(result)
            peak = max(peak, p)
        self.rows.append(Row("ingest + validation (one year, every source)", "csv/pyarrow + pandera",
                             [r["seconds"] for r in runs], units=runs[0]["rows"], peak_mib=peak,
                             output_bytes=self.facts["input_bytes"], note="input size in Output column"))
        self.facts["ingest_sources"] = {k: round(statistics.median(r["sources"][k]["seconds"] for r in runs), 2)
                                        for k in runs[0]["sources"]}

    def _scoring(self, warehouse: Path, year: str) -> None:
        """Each computation in its own processes (at state scale the pandas frames of every input
        at once do not fit in memory): both sides timed together, then each side alone for its peak."""
        from pipeline.bench.pandas_scoring import COMPUTATIONS

        results, peaks = {}, {"duckdb": 0.0, "pandas": 0.0}
        for name in COMPUTATIONS:
            self.say(f"scoring {name}: DuckDB versus pandas, {self.repeats} repetitions each")
            results[name], _ = in_child(scoring_both, warehouse, year, self.repeats, name)
            for side in peaks:
                _, peak = in_child(_scoring_side, warehouse, year, side, name)
                peaks[side] = max(peaks[side], peak)
        differences = [d for r in results.values() for d in r["differences"]]
        self.checks.append("scoring: DuckDB and pandas results " +
                           ("identical (every cell compared)" if not differences
                            else f"DIFFER: {len(differences)} differences, e.g. {differences[:3]}"))
        rows = sum(next(iter(results.values()))["input_rows"].values())
        sides = {side: [sum(r[side][name][i] for name, r in results.items()) for i in range(self.repeats)]
                 for side in ("duckdb", "pandas")}
        ours = Row("scoring (attendance, growth, climate, indicators)", "DuckDB (the pipeline)",
                   sides["duckdb"], units=rows, peak_mib=peaks["duckdb"])
        self.rows.append(ours)
        self.rows.append(Row(ours.stage, "pandas baseline", sides["pandas"], units=rows,
                             peak_mib=peaks["pandas"], baseline_of=ours.method))
        self.facts["scoring"] = {name: r["summary"][name] for name, r in results.items()}
        self.facts["scoring_load_seconds"] = round(sum(r["load_seconds"] for r in results.values()), 2)

    def _render(self, warehouse: Path, year: str) -> None:
        from pipeline.bench.chromium import chromium_available

        schools = max(1, self.documents // 2)
        with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
            tmp = Path(tmp)
            docs_path = render_documents(warehouse, year, schools, tmp)
            docs = _load_docs(docs_path)
            methods = {"ours": (render_ours, (self.workers,)), "naive": (render_naive, ())}
            if chromium_available():
                methods["chromium"] = (render_chromium, ())
            else:
                self.checks.append("rendering: Chromium not installed (apt-get install chromium): not compared")
            timings: dict[str, list[dict]] = {m: [] for m in methods}
            peaks: dict[str, float] = {m: 0.0 for m in methods}
            for i in range(self.repeats):
                for name, (fn, args) in methods.items():  # interleaved: the machine's noise hits all
                    self.say(f"rendering {len(docs)} PDFs: {name} ({i + 1}/{self.repeats})")
                    target = tmp / name
                    shutil.rmtree(target, ignore_errors=True)
                    target.mkdir()
                    result, peak = in_child(fn, docs_path, target, *args)
                    timings[name].append(result)
                    peaks[name] = max(peaks[name], peak)
            for name in methods:
                if name != "ours":
                    problems = check_same(docs, tmp / "ours", tmp / name)
                    self.checks.append(f"rendering: {name} versus ours on {len(docs)} PDFs: " +
                                       ("same pages, school name and figures" if not problems
                                        else f"{len(problems)} differences, e.g. {problems[:3]}"))
            pages = sorted({pdf_facts(tmp / "ours" / f"{d['name']}.pdf")[0] for d in docs})
            pdf_bytes = folder_bytes(tmp / "ours") // len(docs)
        labels = {"ours": f"ours: pool of {self.workers} WeasyPrint workers",
                  "naive": "naive WeasyPrint (new fonts + stylesheet per PDF, 1 process)",
                  "chromium": "headless Chromium, one long-lived browser (DevTools)"}
        stage = f"rendering ({len(docs)} scorecards, {'/'.join(map(str, pages))} Letter pages, en+es)"
        ours = Row(stage, labels["ours"], [t["seconds"] for t in timings["ours"]], units=len(docs), unit="PDFs",
                   peak_mib=peaks["ours"], output_bytes=pdf_bytes,
                   note=f"pool start-up {statistics.median(t['startup'] for t in timings['ours']):.1f} s not included; "
                        "output = one PDF")
        self.rows.append(ours)
        for name in methods:
            if name == "ours":
                continue
            startup = statistics.median(t["startup"] for t in timings[name])
            self.rows.append(Row(stage, labels[name], [t["seconds"] for t in timings[name]], units=len(docs),
                                 unit="PDFs", peak_mib=peaks[name] or None, baseline_of=ours.method,
                                 note=f"browser start-up {startup:.1f} s not included" if name == "chromium" else ""))

    # -----------------------------------------------------------------------------------------

    def ratio(self, row: Row) -> str:
        if not row.baseline_of:
            return ""
        base = next(r for r in self.rows if r.stage == row.stage and r.method == row.baseline_of)
        if row.units and base.units:
            mine, ours = row.median / row.units, base.median / base.units
        else:
            mine, ours = row.median, base.median
        if mine >= ours:
            return f"ours {mine / ours:.1f}× faster"
        return f"ours {ours / mine:.1f}× slower"

    def markdown(self) -> str:
        lines = ["| Stage | Method | Median | Spread | Throughput | Peak memory | Output | Ours vs this |",
                 "|---|---|---:|---:|---:|---:|---:|---|"]
        for row in self.rows:
            rate = f"{row.rate:,.1f} {row.unit}/s" if row.rate and row.rate < 100 else \
                   f"{row.rate:,.0f} {row.unit}/s" if row.rate else ""
            ratio = self.ratio(row)
            if row.stage.startswith("pipeline") and row.baseline_of:
                base = next(r for r in self.rows if r.method == row.baseline_of)
                ratio = f"cold run takes {base.median / row.median:.0f}× as long"
            memory = f"{row.peak_mib:,.0f} MiB" if row.peak_mib else ""
            method = row.method + (f" ({row.note})" if row.note else "")
            lines.append(f"| {row.stage} | {method} | {_secs(row.median)} | {row.spread} | {rate} | {memory} "
                         f"| {_size(row.output_bytes)} | {ratio} |")
        return "\n".join(lines)

    def report(self) -> str:
        machine = machine_line()
        parts = [f"### Benchmark: {self.scale} scale",
                 "",
                 f"`scorecards bench --scale {self.scale} --repeats {self.repeats}` on {machine}, "
                 f"{time.strftime('%Y-%m-%d')}. Median of {self.repeats} runs; spread = fastest–slowest.",
                 "",
                 self.markdown(),
                 "",
                 "Checks: " + "; ".join(self.checks) + "."]
        if "ingest_sources" in self.facts:
            parts += ["", "Ingest by source (median seconds): " +
                      ", ".join(f"{k} {v}" for k, v in self.facts["ingest_sources"].items() if v >= 0.05) + "."]
        if "scoring" in self.facts:
            parts += ["", "Scoring by computation (best of runs, DuckDB vs pandas): " + ", ".join(
                f"{k} {v['duckdb_best']:.2f} s vs {v['pandas_best']:.2f} s ({v['ratio']:.1f}×)"
                for k, v in self.facts["scoring"].items()) + "."]
        return "\n".join(parts)

    def save(self) -> Path:
        text = self.report()
        (self.folder / "results.md").write_text(text + "\n", encoding="utf-8")
        (self.folder / "results.json").write_text(json.dumps(
            {"scale": self.scale, "machine": machine_line(), "rows": [asdict(r) for r in self.rows],
             "checks": self.checks, "facts": self.facts}, indent=1, default=str), encoding="utf-8")
        return self.folder / "results.md"


def machine_line() -> str:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / (1 << 30)
    return (f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scorecards bench", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    return run_from_args(parser.parse_args(argv))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scale", choices=SCALES, default="district")
    parser.add_argument("--repeats", type=int, default=3, help="repetitions of each measurement (default 3)")
    parser.add_argument("--documents", type=int, default=24,
                        help="PDFs per rendering measurement, half English, half Spanish (default 24)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="rendering workers")
    parser.add_argument("--full", action="store_true", help="at state scale, also the end-to-end Dagster runs")
    parser.add_argument("--root", default=str(BENCH_ROOT), help="where data and results go (default data/bench)")


def run_from_args(args: argparse.Namespace) -> int:
    bench = Bench(args.scale, Path(args.root).resolve(), repeats=max(1, args.repeats),
                  documents=max(2, args.documents), workers=max(1, args.workers), full=args.full)
    started = time.perf_counter()
    bench.run()
    path = bench.save()
    print()
    print(bench.report())
    print(f"\n(written to {path}; the whole benchmark took {_secs(time.perf_counter() - started)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
