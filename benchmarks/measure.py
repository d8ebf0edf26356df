"""What the benchmark measures and how it shows it: one table row, peak memory of a child
process, folder sizes, the machine, and the number formats of the table."""
from __future__ import annotations

import os
import platform
import resource
import statistics
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path


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
        return f"{format_seconds(low)}–{format_seconds(high)}"

    @property
    def rate(self) -> float | None:
        return self.units / self.median if self.units and self.median > 0 else None


def format_seconds(value: float) -> str:
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s" if value < 600 else f"{value / 60:.1f} min"


def format_size(n: int | None) -> str:
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


def machine_line() -> str:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / (1 << 30)
    return (f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")
