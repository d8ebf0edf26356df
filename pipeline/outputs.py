"""Writing output files safely: atomically, inside the output folder, with checksums."""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

CDS_RE = re.compile(r"^\d{14}$")


def write_atomic(path: Path | str, data: bytes | str) -> Path:
    """Write to a temporary file beside ``path``, then rename: readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def school_dir(year_dir: Path, cds: str) -> Path:
    """``<out>/<year>/schools/<cds>``; refuses anything but a 14-digit code so no input escapes the folder."""
    if not CDS_RE.match(cds or ""):
        raise ValueError(f"refusing to build an output path from CDS code {cds!r}: expected 14 digits")
    return Path(year_dir) / "schools" / cds


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: object) -> object:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe; numbers stay."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def safe_csv(frame) -> str:
    """CSV text that is safe to open in a spreadsheet (no cell like =HYPERLINK(...) runs)."""
    texts = frame.select_dtypes(include=["object", "string"]).columns
    return frame.assign(**{c: frame[c].map(defuse) for c in texts}).to_csv(index=False)
