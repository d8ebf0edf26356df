"""The fast reader: pyarrow's CSV parser, with numpy over the file's bytes for the physical line numbers.

:func:`~pipeline.readers.delimited.read_delimited` takes it when a byte-level scan
(:func:`fast_unsuitable`) shows the file is plain: no quote characters, no NUL, no lone carriage
return. It gives the same :class:`~pipeline.readers.table.RawTable` as the csv-module reader
(:mod:`pipeline.readers.csv_module`), with Arrow-backed text columns
(``pd.ArrowDtype(pa.string())``) in place of ``object`` columns of ``str``; any file it cannot
vouch for goes to the csv module, so correctness never depends on it.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.readers.header import column_names
from pipeline.readers.table import LINE, BadRecord, RawTable, SourceFileError

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


def fast_unsuitable(data: bytes, header_text: str) -> str | None:
    """Why the fast reader cannot vouch for the file (None when it can): a scan of the bytes.

    Quotes (a field may then hold delimiters or line breaks), NUL bytes and carriage returns
    that do not end a line are left to the csv module, which knows what to do with each. The
    bytes looked for are single bytes in UTF-8 and Windows-1252 alike, so one scan serves both.
    Carriage returns are counted in :func:`read_fast`'s own pass over the bytes (``_scan``), which
    hands such a file back the same way: one pass fewer over a big file.
    """
    if pa is None:
        return "pyarrow is not installed"
    if b'"' in data:
        return "the file has quote characters"
    if b"\x00" in data:
        return "the file has NUL bytes"
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


def _scan(u8: np.ndarray, delimiter: int, chunk: int = 1 << 22) -> tuple[np.ndarray, int, int]:
    """(positions of the newline bytes, carriage returns, bytes at the edge of a field after the
    first line that are outside printable non-space ASCII 0x21-0x7e).

    An edge byte is the first byte of a field (after a delimiter or a line break) or the last
    (before a delimiter, a line end or the end of the data), not itself a delimiter or line-break
    byte: without one, no value of the file has anything ``str.strip()`` would take away, nor a
    first or last character that is not printable ASCII. In chunks, through reused buffers: a pass
    over a big file's bytes then costs no new memory.
    """
    found = []
    returns = 0
    edges = 0
    header_end = -1
    size = len(u8)
    shifted = np.empty(min(chunk, size), dtype=np.uint8)
    flags = np.empty(min(chunk, size), dtype=bool)
    breaks = (10, 13, delimiter)
    for offset in range(0, size, chunk):
        part = u8[offset:offset + chunk]
        k = len(part)
        np.equal(part, 10, out=flags[:k])
        hits = np.flatnonzero(flags[:k])
        if len(hits):
            found.append(hits + offset)
            if header_end < 0:
                header_end = int(hits[0]) + offset
        np.equal(part, 13, out=flags[:k])
        cr = int(np.count_nonzero(flags[:k]))
        returns += cr
        tabs = int(np.count_nonzero(np.equal(part, 9, out=flags[:k]))) if delimiter == 9 else 0
        np.subtract(part, np.uint8(0x21), out=shifted[:k])
        np.greater(shifted[:k], np.uint8(0x7e - 0x21), out=flags[:k])
        if header_end < 0 or int(np.count_nonzero(flags[:k])) == len(hits) + cr + tabs:
            continue  # nothing outside printable ASCII but line breaks (and tab delimiters) here
        for byte in breaks:  # the bytes left are the ones to look at
            np.logical_and(flags[:k], part != byte, out=flags[:k])
        odd = np.flatnonzero(flags[:k]) + offset
        odd = odd[odd > header_end]
        if not len(odd):
            continue
        before = u8[odd - 1]
        after = u8[np.minimum(odd + 1, size - 1)]
        at_edge = np.isin(before, (10, delimiter)) | np.isin(after, breaks) | (odd + 1 == size)
        edges += int(np.count_nonzero(at_edge))
    newlines = np.concatenate(found) if found else np.zeros(0, dtype=np.int64)
    return newlines.astype(np.int64, copy=False), returns, edges


def read_fast(path: Path, body: bytes, header: list[str], delimiter: str, aliases: dict[str, str],
              known: set[str], required: list[str], contract: set[str],
              keep_unknown: bool, parse_kept_only: bool = False) -> RawTable | str:
    """The fast reader: a :class:`RawTable`, or the reason (a string) to leave the file to the csv module.

    Physical lines come from the positions of the newline bytes (numpy). pyarrow parses every
    non-empty line after the header into one row of text, in order, and hands the lines whose
    number of fields differs from the header's to ``invalid_row_handler``; those few are then
    found by counting delimiters per line and treated exactly as the csv-module reader treats
    them (blank, trailing empty fields cut, or a bad record). Every count is checked against
    the line geometry; on any disagreement the file goes to the csv module.
    """
    names = column_names(path, header, aliases, known, required)
    if len(set(names)) != len(names):
        return "the header repeats a column name"
    width = len(names)
    n = len(body)
    u8 = np.frombuffer(body, dtype=np.uint8)
    newlines, returns, edges = _scan(u8, ord(delimiter))
    if not len(newlines):
        return "the file has no line after the header"
    if returns != int(np.count_nonzero(u8[newlines[newlines > 0] - 1] == 13)):
        return "the file has carriage returns that do not end a line"
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
    keep = [i for i, name in enumerate(names) if keep_unknown or name in contract]
    parsed = [columns[i] for i in keep] if parse_kept_only else columns
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
                column_types={c: pa.string() for c in parsed}, strings_can_be_null=False,
                include_columns=parsed,
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

    # values: stripped exactly as str.strip() does; a file with no byte outside printable ASCII
    # at the edge of a field (spaces inside a name or an address are not) has nothing to strip and
    # no blank row among the regular ones except all-delimiter lines
    spacey = edges > 0
    arrays = [(_strip(table.column(c)) if spacey else table.column(c)) if c in parsed else None for c in columns]
    if parse_kept_only:
        blank_rows = content[regular] == width - 1  # nothing but delimiters
    elif spacey or bool(np.any(content[regular] == width - 1)):
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
