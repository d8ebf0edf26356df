"""Fingerprints of the raw exports, so a sensor can tell when files arrive or change.

A fingerprint covers every file a school year reads: its own folder (with dashboard/) and the
shared files at the top of the raw folder. It uses names, sizes and modification times, which
is cheap enough to look at every minute even for state-scale files.
"""
from __future__ import annotations

import hashlib
from pathlib import Path


def _files(folder: Path, recursive: bool) -> list[Path]:
    if not folder.is_dir():
        return []
    found = folder.rglob("*") if recursive else folder.glob("*")
    return sorted(p for p in found if p.is_file() and not p.name.startswith("."))


def fingerprint(raw_dir: Path | str, school_year: str) -> str | None:
    """A hash of what ``school_year`` reads, or None when its folder does not exist."""
    raw_dir = Path(raw_dir)
    year_dir = raw_dir / school_year
    if not year_dir.is_dir():
        return None
    h = hashlib.sha256()
    for path in _files(raw_dir, recursive=False) + _files(year_dir, recursive=True):
        stat = path.stat()
        h.update(f"{path.relative_to(raw_dir).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return h.hexdigest()


def changed_years(raw_dir: Path | str, school_years: list[str], seen: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """The years whose fingerprint differs from ``seen``, and the new fingerprints."""
    now = {y: fp for y in school_years if (fp := fingerprint(raw_dir, y)) is not None}
    return [y for y, fp in now.items() if seen.get(y) != fp], now
