"""Writing output files safely: atomically, inside the output folder, with checksums.

Every file is written to a temporary ``.<name>.<random>.tmp`` beside it and renamed, so a reader
(or a run killed with SIGKILL) never leaves half a file under the real name. A temporary file
that a killed writer left behind is removed by :func:`remove_stale_temps` on the next run; one that
a live writer (:func:`atomic_file`, :func:`write_atomic`) is writing is locked and kept. A file that cannot be written raises
:class:`OutputError`, whose message names the file and the problem in one line.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import re
import tempfile
import time
from pathlib import Path
from typing import BinaryIO, Iterator

CDS_RE = re.compile(r"^\d{14}$")
TEMP_GLOB = ".*.tmp"

logger = logging.getLogger(__name__)


class OutputError(OSError):
    """An output file or folder could not be written (full disk, read-only, no permission)."""


def output_error(path: Path | str, problem: OSError | str) -> OutputError:
    """``cannot write <path>: <problem>``, keeping the errno of an ``OSError``."""
    if isinstance(problem, OSError):
        text = (problem.strerror or str(problem)).lower()
        code = problem.errno
    else:
        text, code = problem, None
    exc = OutputError(f"cannot write {path}: {text}")
    exc.errno = code
    return exc


@contextlib.contextmanager
def atomic_file(path: Path | str) -> Iterator[BinaryIO]:
    """A binary file to write ``path`` through: a temporary file beside it, renamed when the
    block ends, so readers never see half a file. The one way this project writes a file.

    The temporary file is locked while it is written, so :func:`remove_stale_temps` can tell
    it from one a killed run left behind. On any error it is removed and :class:`OutputError`
    names ``path`` and the problem; an existing ``path`` is left as it was.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise output_error(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
            os.fchmod(fh.fileno(), 0o644)  # mkstemp makes it owner-only; outputs are for everyone
            os.replace(tmp, path)  # still locked: the temporary name is gone before the lock is
    except BaseException as exc:
        with contextlib.suppress(OSError):
            Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise output_error(path, exc) from None
        raise


def write_atomic(path: Path | str, data: bytes | str) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` atomically (:func:`atomic_file`)."""
    with atomic_file(path) as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)
    return Path(path)


def remove_stale_temps(folder: Path | str, min_age: float = 1.0) -> list[Path]:
    """Remove the temporary files (``.*.tmp``) a killed writer left under ``folder``.

    A file that a live :func:`write_atomic` holds locked, or that changed in the last
    ``min_age`` seconds, is kept. Writers that do not lock their temporary files (DuckDB's
    Parquet export) must not run under ``folder`` meanwhile: a run calls this when it starts,
    holding the output folder's run lock. Returns the removed paths.
    """
    removed: list[Path] = []
    folder = Path(folder)
    if not folder.is_dir():
        return removed
    now = time.time()
    for path in sorted(folder.rglob(TEMP_GLOB)):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue  # renamed meanwhile, or not a plain file
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            st = os.fstat(fd)
            if st.st_ino != os.stat(path, follow_symlinks=False).st_ino or now - st.st_mtime < min_age:
                continue
            path.unlink()
            removed.append(path)
        except OSError:
            continue  # locked by a live writer (EWOULDBLOCK), or gone meanwhile
        finally:
            os.close(fd)
    if removed:
        logger.warning("removed %d temporary file(s) left by an interrupted run under %s", len(removed), folder)
    return removed


def lock(lock_path: Path | str, what: str = "", log=None) -> int:
    """Take an exclusive lock on ``lock_path`` (an empty dot-file), waiting for its holder; return the fd.

    The lock dies with its process (``flock``), so a killed run never leaves it held. Give it
    back with :func:`unlock`. ``what`` says who is waited for ("another run writing ...").
    """
    lock_path = Path(lock_path)
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise output_error(lock_path, exc) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        (log or logger).warning(f"waiting for {what or 'the holder of ' + str(lock_path)} to finish")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
    return fd


def unlock(fd: int) -> None:
    os.close(fd)


@contextlib.contextmanager
def exclusive(lock_path: Path | str, what: str = "", log=None) -> Iterator[None]:
    """Hold :func:`lock` on ``lock_path`` for the block: other processes wait their turn."""
    fd = lock(lock_path, what, log)
    try:
        yield
    finally:
        unlock(fd)


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
