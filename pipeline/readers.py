"""Read delimited export files into all-text tables, saying clearly what is wrong with a file.

A reader does no validation of values (that is :mod:`pipeline.quarantine`'s job). It decides the
encoding and the delimiter, keeps the physical line number of every record so a quarantined row
can be found in the file, sets aside records with the wrong number of fields (they are
quarantined, never dropped), and raises :class:`SourceFileError` for problems that make the whole
file unusable: missing, unreadable, empty, header only, unknown encoding, wrong delimiter, missing
required columns.

Two readers give the same :class:`RawTable`. The csv-module reader handles every file. The fast
reader (pyarrow's CSV parser, with numpy over the file's bytes for the physical line numbers) is
used when a byte-level scan shows the file is plain: no quote characters, no NUL, no lone
carriage return. Any file it cannot vouch for goes to the csv-module reader, so correctness never
depends on the fast path. The fast reader returns Arrow-backed text columns
(``pd.ArrowDtype(pa.string())``); the csv-module reader returns ``object`` columns of ``str``;
the values are the same. ``RawTable.reader`` says which reader read a file.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

try:  # the fast reader needs pyarrow; without it every file takes the csv-module reader
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    # The C library's allocator for the big arrays: pyarrow's default (mimalloc) asks for huge
    # pages, and on this project's machines the kernel's work on them cost more than the parsing
    # (a state-scale file: 1.9 s against 1.1 s). Passed explicitly; the process default stays.
    _POOL = pa.system_memory_pool()
except ImportError:  # pragma: no cover - exercised only where pyarrow is missing
    pa = pc = pacsv = _POOL = None

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
    reader: str = "csv"  # which reader read it: "pyarrow" (fast) or "csv" (the csv module)

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


def _column_names(path: Path, header: list[str], aliases: dict[str, str], known: set[str],
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


def read_delimited(
    path: Path | str,
    *,
    required: list[str],
    optional: list[str] = (),
    aliases: dict[str, str] | None = None,
    delimiters: tuple[str, ...] = (",",),
    keep_unknown: bool = False,
    engine: str = "auto",
) -> RawTable:
    """Read a delimited text file into a :class:`RawTable` of text values.

    ``required`` and ``optional`` name the columns the source's contract knows (lower case).
    ``aliases`` map other spellings seen in the wild to those names (e.g. ``safetynet`` ->
    ``smalldenom``). Unknown columns are ignored and listed in ``ignored_columns`` (kept when
    ``keep_unknown``, for sources whose columns follow a pattern); a missing required column
    stops the file.

    ``engine``: ``"auto"`` takes the fast reader when the file is plain enough for it and the
    csv-module reader otherwise; ``"csv"`` always takes the csv-module reader (the reference the
    fast reader is tested against). ``RawTable.reader`` says which one read the file and, when
    the csv module did, ``notes`` says why.
    """
    if engine not in ("auto", "csv"):
        raise ValueError(f"engine must be 'auto' or 'csv', not {engine!r}")
    path = Path(path)
    data = read_bytes(path)
    checksum = hashlib.sha256(data).hexdigest()
    if not data[:4096].strip() and not data.strip():  # (the whole file is copied only if it starts blank)
        raise SourceFileError(path, "is empty (0 data rows and no header)")
    if data.isascii() and b"\x00" not in data[:4096]:
        # plain ASCII is UTF-8 as it stands (decode() would say so): no need to hold the text of
        # a big file, the header line is enough
        text, encoding = None, "utf-8"
        header_text = _header_line(data[:data.find(b"\n") if b"\n" in data else len(data)].decode("ascii"))
    else:
        text, encoding = decode(path, data)
        header_text = _header_line(text)
    aliases = {normalise_name(k): v for k, v in (aliases or {}).items()}
    known = set(required) | set(optional) | set(aliases)
    delimiter = choose_delimiter(path, header_text, delimiters, known)
    contract = set(required) | set(optional)

    why = "asked for" if engine == "csv" else _fast_unsuitable(data, header_text)
    if why is None:
        if encoding == "windows-1252":
            body = text.encode("utf-8")
        else:
            body = data[3:] if encoding == "utf-8-sig" else data
        del text  # the fast reader works on the bytes; the text of a big file is a lot of memory
        fast = _read_fast(path, body, header_text.split(delimiter), delimiter, aliases, known,
                          required, contract, keep_unknown)
        if isinstance(fast, RawTable):
            fast.encoding, fast.delimiter, fast.checksum = encoding, delimiter, checksum
            return fast
        why = fast
        text = body.decode("utf-8")
    if text is None:
        text = data.decode("ascii")
    table = _read_csv(path, text, delimiter, aliases, known, required, contract, keep_unknown)
    table.encoding, table.delimiter, table.checksum = encoding, delimiter, checksum
    table.notes.append(f"read with the csv module: {why}")
    return table


def _fast_unsuitable(data: bytes, header_text: str) -> str | None:
    """Why the fast reader cannot vouch for the file (None when it can): a scan of the bytes.

    Quotes (a field may then hold delimiters or line breaks), NUL bytes and carriage returns
    that do not end a line are left to the csv module, which knows what to do with each. The
    bytes looked for are single bytes in UTF-8 and Windows-1252 alike, so one scan serves both.
    """
    if pa is None:
        return "pyarrow is not installed"
    if b'"' in data:
        return "the file has quote characters"
    if b"\x00" in data:
        return "the file has NUL bytes"
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        return "the file has carriage returns that do not end a line"
    if not header_text.strip():
        return "the first line is blank"
    if len(header_text) > csv.field_size_limit():
        return "the header is longer than the csv module's field size limit"
    return None


_PLAIN_STRIP_REGEX = r"^[^\x21-\x7e]|[^\x21-\x7e]$"  # first or last character could be whitespace


def _strip(values: "pa.ChunkedArray") -> "pa.Array":
    """``str.strip()`` of every value, exactly as Python does it, touching only values that may need it."""
    arr = values.combine_chunks(memory_pool=_POOL) if isinstance(values, pa.ChunkedArray) else values
    candidates = pc.match_substring_regex(arr, _PLAIN_STRIP_REGEX, memory_pool=_POOL)
    if not pc.any(candidates).as_py():
        return arr
    picked = arr.filter(candidates).to_pylist()
    return pc.replace_with_mask(arr, candidates, pa.array([v.strip() for v in picked], pa.string()), memory_pool=_POOL)


def _count_per_line(u8: np.ndarray, starts: np.ndarray, ends: np.ndarray, byte: int,
                    chunk: int = 1 << 22) -> np.ndarray:
    """How many times ``byte`` occurs in each line [start, end) (sorted, not overlapping), in bounded memory."""
    counts = np.zeros(len(starts), dtype=np.int64)
    i = 0
    while i < len(starts):
        j = max(int(np.searchsorted(starts, starts[i] + chunk, side="left")), i + 1)
        lo, hi = int(starts[i]), int(ends[j - 1])
        cum = np.zeros(hi - lo + 1, dtype=np.int64)
        np.cumsum(u8[lo:hi] == byte, out=cum[1:])
        counts[i:j] = cum[ends[i:j] - lo] - cum[starts[i:j] - lo]
        i = j
    return counts


def _scan(u8: np.ndarray, chunk: int = 1 << 22) -> tuple[np.ndarray, int]:
    """(positions of the newline bytes, number of bytes outside printable non-space ASCII 0x21-0x7e).

    In chunks, through reused buffers: a pass over a big file's bytes then costs no new memory.
    """
    found = []
    outside = 0
    shifted = np.empty(min(chunk, len(u8)), dtype=np.uint8)
    flags = np.empty(min(chunk, len(u8)), dtype=bool)
    for offset in range(0, len(u8), chunk):
        part = u8[offset:offset + chunk]
        k = len(part)
        np.equal(part, 10, out=flags[:k])
        hits = np.flatnonzero(flags[:k])
        if len(hits):
            found.append(hits + offset)
        np.subtract(part, np.uint8(0x21), out=shifted[:k])
        np.greater(shifted[:k], np.uint8(0x7e - 0x21), out=flags[:k])
        outside += int(np.count_nonzero(flags[:k]))
    newlines = np.concatenate(found) if found else np.zeros(0, dtype=np.int64)
    return newlines.astype(np.int64, copy=False), outside


def _read_fast(path: Path, body: bytes, header: list[str], delimiter: str, aliases: dict[str, str],
               known: set[str], required: list[str], contract: set[str],
               keep_unknown: bool) -> RawTable | str:
    """The fast reader: a :class:`RawTable`, or the reason (a string) to leave the file to the csv module.

    Physical lines come from the positions of the newline bytes (numpy). pyarrow parses every
    non-empty line after the header into one row of text, in order, and hands the lines whose
    number of fields differs from the header's to ``invalid_row_handler``; those few are then
    found by counting delimiters per line and treated exactly as the csv-module reader treats
    them (blank, trailing empty fields cut, or a bad record). Every count is checked against
    the line geometry; on any disagreement the file goes to the csv module.
    """
    names = _column_names(path, header, aliases, known, required)
    if len(set(names)) != len(names):
        return "the header repeats a column name"
    width = len(names)
    n = len(body)
    u8 = np.frombuffer(body, dtype=np.uint8)
    newlines, outside = _scan(u8)
    if not len(newlines):
        return "the file has no line after the header"
    starts = newlines + 1  # line 2, 3, ... of the file
    ends = np.append(newlines[1:], n)
    if starts[-1] == n:  # the file ends with a line break: no line after it
        starts, ends = starts[:-1], ends[:-1]
    lengths = ends - starts
    if len(lengths) and int(lengths.max()) > csv.field_size_limit():
        return "a line is longer than the csv module's field size limit"
    has_cr = (lengths > 0) & (u8[np.maximum(ends - 1, 0)] == 13)
    content = lengths - has_cr
    nonempty = content > 0

    invalid: list[int] = []

    def on_invalid(row) -> str:
        invalid.append(row.actual_columns)
        return "skip"

    columns = [f"f{i}" for i in range(width)]
    source = pa.BufferReader(pa.py_buffer(body).slice(int(newlines[0]) + 1))
    try:
        table = pacsv.read_csv(
            source,
            # one thread: on 2 shared cores (and beside other Dagster steps) pyarrow's thread pool
            # measured slower, mostly in the kernel (a state-scale file: 5.9 s against 1.6 s)
            read_options=pacsv.ReadOptions(column_names=columns, use_threads=False, block_size=8 << 20),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, quote_char=False, double_quote=False, escape_char=False,
                newlines_in_values=False, ignore_empty_lines=True, invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in columns}, strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
            memory_pool=_POOL,
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return "pyarrow could not parse it"  # (its message may quote a row: not repeated here)
    if table.num_rows + len(invalid) != int(nonempty.sum()):
        return "pyarrow's rows do not line up with the file's lines"

    irregular = np.zeros(len(starts), dtype=bool)
    if invalid:
        fields = _count_per_line(u8, starts, starts + content, ord(delimiter)) + 1
        irregular = nonempty & (fields != width)
        if int(irregular.sum()) != len(invalid):
            return "pyarrow's rejected rows do not line up with the file's lines"
    regular = nonempty & ~irregular
    lines = np.flatnonzero(regular) + 2

    # values: stripped exactly as str.strip() does; a plain file (printable ASCII, no spaces)
    # has nothing to strip and no blank row among the regular ones except all-delimiter lines
    outside -= int(np.count_nonzero((u8[:int(newlines[0]) + 1] - np.uint8(0x21)) > np.uint8(0x7e - 0x21)))
    line_ends = int(len(newlines)) - 1 + body.count(b"\r", int(newlines[0]) + 1)
    spacey = int(outside) != line_ends + (body.count(b"\t", int(newlines[0]) + 1) if delimiter == "\t" else 0)
    arrays = [_strip(table.column(c)) if spacey else table.column(c) for c in columns]
    if spacey or bool(np.any(content[regular] == width - 1)):
        empty = None
        for arr in arrays:
            is_empty = pc.equal(pc.utf8_length(arr, memory_pool=_POOL), 0, memory_pool=_POOL)
            empty = is_empty if empty is None else pc.and_(empty, is_empty, memory_pool=_POOL)
        blank_rows = np.asarray(empty.to_numpy(zero_copy_only=False), dtype=bool) if len(arrays) \
            else np.zeros(table.num_rows, dtype=bool)
    else:
        blank_rows = np.zeros(table.num_rows, dtype=bool)

    blank = int((~nonempty).sum()) + int(blank_rows.sum())
    bad: list[BadRecord] = []
    extra_rows: list[list[str]] = []
    extra_lines: list[int] = []
    for i in np.flatnonzero(irregular):
        record = body[starts[i]:starts[i] + content[i]].decode("utf-8").split(delimiter)
        line = int(i) + 2
        if not any(f.strip() for f in record):
            blank += 1
            continue
        if len(record) > width and not any(f.strip() for f in record[width:]):
            extra_rows.append([f.strip() for f in record[:width]])  # trailing empty fields, e.g. "a,b,c,"
            extra_lines.append(line)
            continue
        bad.append(BadRecord(line, f"row has {len(record)} fields; the header has {width}",
                             delimiter.join(record)[:200]))

    keep = [i for i, name in enumerate(names) if keep_unknown or name in contract]
    ignored = [h for h, name in zip(header, names) if not (keep_unknown or name in contract)]
    if blank_rows.any():
        mask = pa.array(~blank_rows)
        arrays = [arrays[i].filter(mask) if i in keep else None for i in range(width)]
        lines = lines[~blank_rows]
    if extra_rows:
        lines = np.concatenate([lines, np.asarray(extra_lines, dtype=np.int64)])
        order = pa.array(np.argsort(lines, kind="stable"))
        lines = lines[order.to_numpy()]
        arrays = [
            pa.concat_arrays([_combined(arrays[i]), pa.array([r[i] for r in extra_rows], pa.string())]).take(order)
            if i in keep else None
            for i in range(width)
        ]
    if not len(lines) and not bad:
        raise SourceFileError(path, "has a header but no data rows")
    frame = pd.DataFrame(
        {names[i]: pd.arrays.ArrowExtensionArray(_chunked(arrays[i])) for i in keep}, index=pd.RangeIndex(len(lines)),
        copy=False,
    )
    frame[LINE] = np.asarray(lines, dtype="int64")
    return RawTable(path=path, frame=frame, encoding="", delimiter=delimiter, checksum="", bad_records=bad,
                    blank_lines=blank, ignored_columns=ignored, reader="pyarrow")


def _chunked(values) -> "pa.ChunkedArray":
    return values if isinstance(values, pa.ChunkedArray) else pa.chunked_array([values], type=values.type)


def _combined(values) -> "pa.Array":
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _read_csv(path: Path, text: str, delimiter: str, aliases: dict[str, str], known: set[str],
              required: list[str], contract: set[str], keep_unknown: bool) -> RawTable:
    """The csv-module reader: every file, record by record."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise SourceFileError(path, f"the header line cannot be parsed: {exc}") from None
    names = _column_names(path, header, aliases, known, required)

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
    keep = [n for n in names if keep_unknown or n in contract]
    ignored = [h for h, n in zip(header, names) if n not in keep]
    frame = frame[keep].apply(lambda s: s.str.strip())
    frame[LINE] = pd.array(lines, dtype="int64")
    return RawTable(
        path=path,
        frame=frame,
        encoding="",
        delimiter=delimiter,
        checksum="",
        bad_records=bad,
        blank_lines=blank,
        ignored_columns=ignored,
        reader="csv",
    )
