"""``make bench``: every stage at district or state scale, side by side with the alternatives.

    python -m benchmarks --scale district|state [--repeats 3] [--documents 24] [--root data/bench]
    python -m benchmarks --render-only data/out/scorecards.duckdb [--year 2023-24]   # step 5 alone

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
   computations (:mod:`benchmarks.pandas_scoring`), results compared cell by cell;
5. **rendering** of the same scorecards (real schools from the warehouse, English and Spanish):
   our worker pool, naive WeasyPrint (a new font configuration and stylesheet per document, one
   process) and one long-lived headless Chromium (:mod:`benchmarks.chromium`); each PDF's
   page count and figures are checked against ours. Pool and browser start-up are timed apart.

Every comparison is measured in the same run and reported as a ratio, because the machine is
shared and absolute times vary. The table is printed and written to
``<root>/<scale>/results.md`` (and ``results.json``). This module holds the run and its table;
the stages are in :mod:`benchmarks.stages`, the row and its formats in :mod:`benchmarks.measure`.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks.measure import Row, folder_bytes, format_seconds, format_size, in_child, machine_line
from benchmarks.stages import (
    check_same,
    ensure_data,
    ingest_all,
    load_docs,
    pdf_facts,
    pdf_mtimes,
    render_chromium,
    render_documents,
    render_naive,
    render_ours,
    run_cli,
    scoring_both,
    scoring_side,
)
from pipeline.config import PROJECT_ROOT

BENCH_ROOT = PROJECT_ROOT / "data" / "bench"
SCALES = ("tiny", "demo", "district", "state")


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

    def run_render(self, warehouse: Path, year: str) -> None:
        """Only the rendering comparison, on an existing warehouse (results under ``<root>/render``)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.say(f"rendering only, {warehouse}, school year {year}, {self.repeats} repetitions")
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
        from benchmarks.pandas_scoring import build_warehouse

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
        from benchmarks.pandas_scoring import COMPUTATIONS

        results, peaks = {}, {"duckdb": 0.0, "pandas": 0.0}
        for name in COMPUTATIONS:
            self.say(f"scoring {name}: DuckDB versus pandas, {self.repeats} repetitions each")
            results[name], _ = in_child(scoring_both, warehouse, year, self.repeats, name)
            for side in peaks:
                _, peak = in_child(scoring_side, warehouse, year, side, name)
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
        from benchmarks.chromium import chromium_available

        schools = max(1, self.documents // 2)
        with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
            tmp = Path(tmp)
            docs_path = render_documents(warehouse, year, schools, tmp)
            docs = load_docs(docs_path)
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
            lines.append(f"| {row.stage} | {method} | {format_seconds(row.median)} | {row.spread} | {rate} | {memory} "
                         f"| {format_size(row.output_bytes)} | {ratio} |")
        return "\n".join(lines)

    def report(self) -> str:
        machine = machine_line()
        parts = [f"### Benchmark: {self.scale} scale",
                 "",
                 f"`{self.facts.get('command') or f'python -m benchmarks --scale {self.scale} --repeats {self.repeats}'}`"
                 f" on {machine}, "
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


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks``: run the benchmark, print its table and write it under ``--root``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=SCALES, default="district")
    parser.add_argument("--repeats", type=int, default=3, help="repetitions of each measurement (default 3)")
    parser.add_argument("--documents", type=int, default=24,
                        help="PDFs per rendering measurement, half English, half Spanish (default 24)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="rendering workers")
    parser.add_argument("--full", action="store_true", help="at state scale, also the end-to-end Dagster runs")
    parser.add_argument("--root", default=str(BENCH_ROOT), help="where data and results go (default data/bench)")
    parser.add_argument("--render-only", metavar="WAREHOUSE", type=Path,
                        help="only the rendering comparison, on the scorecards of this warehouse (e.g. make demo's "
                             "data/out/scorecards.duckdb) for --year: ours, naive WeasyPrint and Chromium")
    parser.add_argument("--year", help="with --render-only: the school year (default: the configured current year)")
    args = parser.parse_args(argv)
    bench = Bench(args.scale, Path(args.root).resolve(), repeats=max(1, args.repeats),
                  documents=max(2, args.documents), workers=max(1, args.workers), full=args.full)
    started = time.perf_counter()
    if args.render_only:
        from pipeline.config import load_settings

        if not args.render_only.is_file():
            parser.error(f"--render-only: no warehouse at {args.render_only}")
        bench.scale = "render"
        bench.facts["command"] = f"python -m benchmarks --render-only {args.render_only} --repeats {bench.repeats}" + \
            (f" --year {args.year}" if args.year else "")
        bench.run_render(args.render_only.resolve(), args.year or load_settings().current_school_year)
    else:
        bench.run()
    path = bench.save()
    print()
    print(bench.report())
    print(f"\n(written to {path}; the whole benchmark took {format_seconds(time.perf_counter() - started)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
