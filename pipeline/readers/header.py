"""The header line: column names as the contracts spell them, and the delimiter that splits it.

A wrong delimiter, a column named twice or a missing required column stops the file with a
:class:`~pipeline.readers.table.SourceFileError` that says so.
"""
from __future__ import annotations

from pathlib import Path

from pipeline.readers.table import SourceFileError

DELIMITER_NAMES = {",": "commas", "\t": "tabs", ";": "semicolons", "|": "vertical bars"}


def header_line(text: str) -> str:
    return text.split("\n", 1)[0].rstrip("\r")


def normalise_name(name: str) -> str:
    return name.strip().strip('"').strip().lower()


def peek_columns(path: Path, delimiters: tuple[str, ...]) -> list[str]:
    """The header's column names, normalised, split by whichever of ``delimiters`` splits it most.

    For explaining a file already refused (e.g. a layout recognised by its columns): it never
    raises, and gives [] for a file it cannot open.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 16)
    except OSError:
        return []
    line = header_line(head.decode("utf-8-sig", errors="replace"))
    return [normalise_name(c) for c in line.split(max(delimiters, key=line.count))]


def choose_delimiter(
    path: Path, header: str, allowed: tuple[str, ...], known_columns: set[str]
) -> str:
    """Pick the allowed delimiter that splits the header into the most known columns.

    When another delimiter would have matched better, the file uses the wrong one: say so.
    """

    def hits(delim: str) -> int:
        return sum(normalise_name(c) in known_columns for c in header.split(delim))

    best = max(allowed, key=hits)
    if hits(best) == 0:
        others = [d for d in DELIMITER_NAMES if d not in allowed and hits(d) > 0]
        expected = " or ".join(DELIMITER_NAMES[d] for d in allowed)
        if others:
            raise SourceFileError(
                path,
                f"wrong delimiter: columns are separated by {DELIMITER_NAMES[others[0]]}; "
                f"expected {expected}",
            )
        if header.count(best) == 0 and len(known_columns) > 1:
            raise SourceFileError(
                path, f"wrong delimiter or no header: expected columns separated by {expected}"
            )
    return best


def column_names(path: Path, header: list[str], aliases: dict[str, str], known: set[str],
                 required: list[str]) -> list[str]:
    """Normalised column names of ``header``; a duplicated known column or a missing required one stops the file."""
    names = [aliases.get(normalise_name(h), normalise_name(h)) for h in header]
    seen: set[str] = set()
    dupes = [n for n in names if n in seen or seen.add(n)]
    dupes = [d for d in dupes if d in known]
    if dupes:
        raise SourceFileError(path, f"column {dupes[0]!r} appears more than once in the header")
    missing = [c for c in required if c not in names]
    if missing:
        raise SourceFileError(
            path, f"missing required column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}"
        )
    return names
