"""Read delimited export files into all-text tables, saying clearly what is wrong with a file.

A reader does no validation of values (that is :mod:`pipeline.quarantine`'s job). It decides the
encoding and the delimiter, keeps the physical line number of every record so a quarantined row
can be found in the file, sets aside records with the wrong number of fields (they are
quarantined, never dropped), and raises :class:`SourceFileError` for problems that make the whole
file unusable: missing, unreadable, empty, header only, unknown encoding, wrong delimiter, missing
required columns.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

LINE = "_line"  # column holding each record's first physical line number in its file
DELIMITER_NAMES = {",": "commas", "\t": "tabs", ";": "semicolons", "|": "vertical bars"}


class SourceFileError(Exception):
    """The file as a whole cannot be used. The message names the file and the problem in plain words."""

    def __init__(self, path: Path | str, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


@dataclass
class BadRecord:
    """A record the parser could not line up with the header (kept for the quarantine)."""

    line: int
    problem: str
    text: str


@dataclass
class RawTable:
    """One file as read: every value as text, plus what the reader noticed."""

    path: Path
    frame: pd.DataFrame  # text columns named as in the header (normalised), plus LINE
    encoding: str
    delimiter: str
    checksum: str  # sha256 of the file's bytes
    bad_records: list[BadRecord] = field(default_factory=list)
    blank_lines: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        """Data records found in the file (kept by the parser or set aside as bad records)."""
        return len(self.frame) + len(self.bad_records)


def read_bytes(path: Path) -> bytes:
    """The file's bytes, or a :class:`SourceFileError` that says why they cannot be had."""
    path = Path(path)
    if not path.exists():
        raise SourceFileError(path, "file not found")
    if path.is_dir():
        raise SourceFileError(path, "is a folder, not a file")
    try:
        return path.read_bytes()
    except PermissionError:
        raise SourceFileError(path, "cannot be read: permission denied") from None
    except OSError as exc:
        raise SourceFileError(path, f"cannot be read: {exc.strerror or exc}") from None


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _where(data: bytes, offset: int) -> str:
    return "line " + str(data[:offset].count(b"\n") + 1)


def decode(path: Path, data: bytes) -> tuple[str, str]:
    """Decode UTF-8 (with or without BOM) or Windows-1252; anything else is an 'unknown encoding'.

    A file that mixes the two (UTF-8 accents in some rows, Windows-1252 in others) is refused:
    decoding it either way would silently garble names.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        raise SourceFileError(
            path, "unknown encoding: the file looks like UTF-16 or binary; save it as CSV (UTF-8)"
        )
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    try:
        return body.decode("utf-8"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError as exc:
        bad = exc.start + (3 if bom else 0)
    if bom or _UTF8_MULTIBYTE.search(body):
        raise SourceFileError(
            path,
            f"mixed encodings: the file is UTF-8 but byte 0x{data[bad]:02x} on {_where(data, bad)} is not; "
            "save the whole file again as CSV (UTF-8)",
        )
    try:
        return body.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as exc:
        raise SourceFileError(
            path,
            f"unknown encoding: byte 0x{data[exc.start]:02x} on {_where(data, exc.start)} is neither UTF-8 "
            "nor Windows-1252; save the file as CSV (UTF-8)",
        ) from None


def _header_line(text: str) -> str:
    return text.split("\n", 1)[0].rstrip("\r")


def normalise_name(name: str) -> str:
    return name.strip().strip('"').strip().lower()


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


def read_delimited(
    path: Path | str,
    *,
    required: list[str],
    optional: list[str] = (),
    aliases: dict[str, str] | None = None,
    delimiters: tuple[str, ...] = (",",),
    keep_unknown: bool = False,
) -> RawTable:
    """Read a delimited text file into a :class:`RawTable` of text values.

    ``required`` and ``optional`` name the columns the source's contract knows (lower case).
    ``aliases`` map other spellings seen in the wild to those names (e.g. ``safetynet`` ->
    ``smalldenom``). Unknown columns are ignored and listed in ``ignored_columns`` (kept when
    ``keep_unknown``, for sources whose columns follow a pattern); a missing required column
    stops the file.
    """
    path = Path(path)
    data = read_bytes(path)
    checksum = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise SourceFileError(path, "is empty (0 data rows and no header)")
    text, encoding = decode(path, data)
    aliases = {normalise_name(k): v for k, v in (aliases or {}).items()}
    known = set(required) | set(optional) | set(aliases)
    delimiter = choose_delimiter(path, _header_line(text), delimiters, known)

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise SourceFileError(path, f"the header line cannot be parsed: {exc}") from None
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

    width = len(names)
    rows: list[list[str]] = []
    lines: list[int] = []
    bad: list[BadRecord] = []
    blank = 0
    previous_end = reader.line_num
    try:
        for record in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if not record or not any(f.strip() for f in record):
                blank += 1
                continue
            if len(record) != width:
                if len(record) > width and not any(f.strip() for f in record[width:]):
                    record = record[:width]  # trailing empty fields, e.g. "a,b,c,"
                else:
                    spans = reader.line_num - start
                    where = f" (lines {start}-{reader.line_num}: an unclosed quote?)" if spans else ""
                    bad.append(
                        BadRecord(
                            start,
                            f"row has {len(record)} fields; the header has {width}{where}",
                            delimiter.join(record)[:200],
                        )
                    )
                    continue
            rows.append(record)
            lines.append(start)
    except csv.Error as exc:
        raise SourceFileError(
            path, f"cannot be parsed after line {previous_end}: {exc} (an unclosed quote?)"
        ) from None
    if not rows and not bad:
        raise SourceFileError(path, "has a header but no data rows")

    frame = pd.DataFrame(rows, columns=names, dtype=object)
    keep = [n for n in names if keep_unknown or n in set(required) | set(optional)]
    ignored = [h for h, n in zip(header, names) if n not in keep]
    frame = frame[keep].apply(lambda s: s.str.strip())
    frame[LINE] = pd.array(lines, dtype="int64")
    return RawTable(
        path=path,
        frame=frame,
        encoding=encoding,
        delimiter=delimiter,
        checksum=checksum,
        bad_records=bad,
        blank_lines=blank,
        ignored_columns=ignored,
    )
