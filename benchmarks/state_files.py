"""Reading and validating the state's student files of one school year at district scale.

    python -m benchmarks.state_files [--students 430000] [--root data/bench/state_files]

Writes the eight files of one school year (CAASPP, ELPAC, CALPADS STAS, SELA, SPRG, SINF, SENR, SPED) for
``--students`` students with the sample's writers, in their real layouts (the CAASPP file at the
2021-22 layout's 365 fields, ELPAC at 370), then times ``pipeline.ingest.ingest`` on each (read,
personal fields dropped, every row checked against its contract) in one fresh child process, and
prints seconds, rows, file size and the child's peak memory (after each file, and against the
machine's memory). The targets (issue 15): at district scale (430,000 students) the year's files
read and validated in under 10 s on 2 cores; at state scale (``--students 6000000``, written in
parts of 500,000 students) within the machine's memory.

The students: grades TK-12 in equal shares, a tenth with a second school in the year; grades 3-8
and 11 tested in ELA and math (a small share with the CAA); 20 % English learners, who also take
the ELPAC.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.config import PROJECT_ROOT

YEAR, SPRING = "2023-24", 2024
PART = 500_000  # students written at a time (a state's files are written in parts)
NAMES = ["caaspp", "elpac", "calpads_stas", "calpads_sela", "calpads_sprg", "calpads_sinf", "calpads_senr",
         "calpads_sped"]


def students(n: int, seed: int = 7, first_ssid: int | None = None,
             schools: int = 600) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(assessment rows, attendance rows) like the district exports, for ``n`` students (SSIDs drawn,
    or ``first_ssid`` onward in a shuffled order when the students are written in parts)."""
    r = np.random.default_rng(seed)
    if first_ssid is None:
        ssid = pd.Series(r.choice(9_000_000_000, n, replace=False) + 1_000_000_000).astype(str)
    else:
        ssid = pd.Series(r.permutation(n) + first_ssid).astype(str)
    schools = np.array([f"1975416{6000000 + i:07d}" for i in range(schools)])
    school = schools[r.integers(0, len(schools), n)]
    grade = np.array(["TK", "K"] + [str(g) for g in range(1, 13)])[r.integers(0, 14, n)]
    flags = {k: np.where(r.random(n) < p, "Y", "N") for k, p in
             [("el", 0.2), ("ltel", 0.02), ("sed", 0.6), ("swd", 0.12), ("foster", 0.01), ("homeless", 0.03)]}
    eth = np.array(["AA", "AI", "AS", "FI", "HI", "PI", "WH", "MR"])[r.integers(0, 8, n)]
    days = r.integers(150, 181, n)
    attendance = pd.DataFrame({"school_year": YEAR, "ssid": ssid, "cds": school, "grade": grade,
                               "days_enrolled": days, "days_absent": np.minimum(r.poisson(9, n), days),
                               "ethnicity": eth, **flags})
    moved = attendance.sample(frac=0.1, random_state=seed).assign(
        cds=schools[r.integers(0, len(schools), int(round(n * 0.1)))], days_enrolled=20, days_absent=1)
    attendance = pd.concat([attendance, moved[~moved["cds"].eq(attendance.loc[moved.index, "cds"])]])
    tested = attendance.iloc[:n][np.isin(grade, ["3", "4", "5", "6", "7", "8", "11"])]
    assessment = pd.concat([tested.assign(subject=s) for s in ("ELA", "MATH")], ignore_index=True)
    assessment["test_type"] = np.where(r.random(len(assessment)) < 0.01, "CAA", "SBA")
    score = np.where(assessment["test_type"].eq("CAA"), r.integers(300, 999, len(assessment)),
                     r.integers(2200, 2800, len(assessment)))
    assessment["scale_score"] = pd.array(score, dtype="Int64")
    assessment.loc[r.random(len(assessment)) < 0.03, "scale_score"] = pd.NA
    return assessment, attendance


def write_year(root: Path, n: int) -> Path:
    """The year's files under ``root/raw/<year>`` (written once; kept for the next run). A state's
    students are written in parts of ``PART``, two parts at a time, then joined file by file."""
    from pipeline.sample.state_files import STATE_FILES

    folder = root / "raw" / YEAR
    stamp = folder / f".students-{n}-{len(STATE_FILES)}-files"
    if stamp.exists():
        return root / "raw"
    folder.mkdir(parents=True, exist_ok=True)
    parts = -(-n // PART)
    if parts == 1:
        _write_part(folder, n, None, 0)
    else:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=2) as pool:
            list(pool.map(_write_part, [folder] * parts, [n] * parts, range(parts), [""] * parts))
        for name in STATE_FILES[:len(NAMES)]:  # the files timed (not the foster reports: a few lines)
            with open(folder / name, "wb") as out:
                for k in range(parts):
                    part = folder / f".part{k:03d}-{name}"
                    data = part.read_bytes()
                    if k and name.startswith(("caaspp", "elpac")):  # the header once
                        data = data[data.index(b"\n") + 1:]
                    out.write(data)
                    del data
                    part.unlink()
    stamp.touch()
    return root / "raw"


def _write_part(folder: Path, n: int, k: int | None, _: str = "") -> None:
    """The files of part ``k`` of ``n`` students (``k`` None: all of them, under the files' own names)."""
    from pipeline.sample.state_files import STATE_FILES, write_caaspp, write_elpac, write_sela, write_sprg, write_stas
    from pipeline.sample.state_senr import write_senr, write_sped
    from pipeline.sample.state_sinf import write_sinf

    if k is None:
        assessment, attendance = students(n)
    else:
        assessment, attendance = students(min(PART, n - k * PART), seed=7 + k, first_ssid=1_000_000_000 + k * PART,
                                          schools=max(600, n // 700))
    writers = [(write_caaspp, assessment), (write_elpac, attendance), (write_stas, attendance),
               (write_sela, attendance), (write_sprg, attendance), (write_sinf, attendance),
               (write_senr, attendance), (write_sped, attendance)]
    for name, (write, frame) in zip(STATE_FILES, writers):
        write(frame, SPRING, folder / (name if k is None else f".part{k:03d}-{name}"))


def measure(raw: Path) -> dict:
    """In this process: ingest each state source of the year, with seconds and rows; the peak memory."""
    from pipeline.config import load_settings
    from pipeline.ingest import ingest
    from pipeline.sources import SOURCES

    settings = load_settings()
    figures = {}
    for name in NAMES:
        t0, c0 = time.perf_counter(), time.process_time()
        result = ingest(SOURCES[name], raw, YEAR, settings)
        figures[name] = {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0, "rows": result.validated.rows_read,
                         "kept": result.validated.rows_kept, "bytes": result.path.stat().st_size,
                         "reader": result.raw.reader, "engine": result.validated.engine,
                         "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
        del result  # one file's tables at a time, as the Dagster assets hold them
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def machine_memory_mb() -> float:
    """The machine's memory (MemTotal of /proc/meminfo), in MB."""
    with open("/proc/meminfo") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("MemTotal")) / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=430_000)
    parser.add_argument("--root", default=str(PROJECT_ROOT / "data" / "bench" / "state_files"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(Path(args.child))))
        return 0
    t0 = time.perf_counter()
    raw = write_year(Path(args.root) / str(args.students), args.students)
    print(f"files of {args.students:,} students: {raw / YEAR} ({time.perf_counter() - t0:.1f} s to have them)")
    child = subprocess.run([sys.executable, "-m", "benchmarks.state_files", "--child", str(raw)],
                           capture_output=True, text=True, check=True, env={**os.environ})
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    total = 0.0
    print(f"{'file':<14}{'rows':>11}{'size':>10}{'seconds':>9}{'CPU s':>8}{'peak RSS':>11}  reader / engine")
    for name in NAMES:
        f = figures[name]
        total += f["seconds"]
        print(f"{name:<14}{f['rows']:>11,}{f['bytes'] / 1e6:>8.0f}MB{f['seconds']:>9.2f}{f['cpu']:>8.2f}"
              f"{f['peak_rss_mb']:>9,.0f}MB  {f['reader']} / {f['engine']}")
    memory = machine_memory_mb()
    print(f"{'the year':<14}{sum(figures[n]['rows'] for n in NAMES):>11,}"
          f"{sum(figures[n]['bytes'] for n in NAMES) / 1e6:>8.0f}MB{total:>9.2f}  "
          f"{sum(figures[n]['cpu'] for n in NAMES):>8.2f}  (target at district scale: < 10 s); {os.cpu_count()} "
          f"cores, load average {os.getloadavg()[0]:.1f} (other processes share them: CPU s is this one's)")
    print(f"peak memory of reading + validating the year: {figures['peak_rss_mb']:,.0f} MB of the machine's "
          f"{memory:,.0f} MB ({figures['peak_rss_mb'] / memory:.0%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
