"""Read a delimited export into a :class:`~pipeline.readers.table.RawTable` of text values: the
fast reader when the file is plain enough for it, the csv-module reader otherwise."""
from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pipeline.readers.csv_module import read_csv
from pipeline.readers.encoding import decode, read_bytes
from pipeline.readers.fast import fast_unsuitable, read_fast
from pipeline.readers.header import choose_delimiter, header_line, normalise_name
from pipeline.readers.table import LINE, RawTable, SourceFileError


def read_delimited(
    path: Path | str,
    *,
    required: list[str],
    optional: list[str] = (),
    aliases: dict[str, str] | None = None,
    delimiters: tuple[str, ...] = (",",),
    keep_unknown: bool = False,
    engine: str = "auto",
    names: list[str] | None = None,
    parse_kept_only: bool = False,
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

    ``names``: the file has no header line (a CALPADS extract); these are its fields' names by
    position. Line numbers stay those of the file. ``parse_kept_only``: the fast reader converts
    only the columns kept (:func:`~pipeline.readers.fast.read_fast`).
    """
    if engine not in ("auto", "csv"):
        raise ValueError(f"engine must be 'auto' or 'csv', not {engine!r}")
    path = Path(path)
    data = read_bytes(path)
    # the checksum is taken in a second thread while the file is parsed (hashlib lets go of the
    # interpreter for large data, as pyarrow's parser and numpy do): on 2 cores it costs no time
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(lambda: hashlib.sha256(data).hexdigest())
        if names is not None:
            if not data[:4096].strip() and not data.strip():
                raise SourceFileError(path, "is empty (0 data rows)")
            body = (delimiters[0].join(names) + "\n").encode("ascii") + data.removeprefix(b"\xef\xbb\xbf")
            table = read_delimited_text(path, body, required, optional, aliases, delimiters, keep_unknown, engine,
                                        parse_kept_only=parse_kept_only)
            table.frame[LINE] -= 1
            for record in table.bad_records:
                record.line -= 1
        else:
            table = read_delimited_text(path, data, required, optional, aliases, delimiters, keep_unknown, engine,
                                        "", parse_kept_only)
        table.checksum = digest.result()
    return table


def read_delimited_text(path: Path, data: bytes, required, optional, aliases, delimiters, keep_unknown, engine,
                        checksum: str = "", parse_kept_only: bool = False) -> RawTable:
    """:func:`read_delimited` on the file's bytes ``data``."""
    if not data[:4096].strip() and not data.strip():  # (the whole file is copied only if it starts blank)
        raise SourceFileError(path, "is empty (0 data rows and no header)")
    if data.isascii() and b"\x00" not in data[:4096]:
        # plain ASCII is UTF-8 as it stands (decode() would say so): no need to hold the text of
        # a big file, the header line is enough
        text, encoding = None, "utf-8"
        header_text = header_line(data[:data.find(b"\n") if b"\n" in data else len(data)].decode("ascii"))
    else:
        text, encoding = decode(path, data)
        header_text = header_line(text)
    aliases = {normalise_name(k): v for k, v in (aliases or {}).items()}
    known = set(required) | set(optional) | set(aliases)
    delimiter = choose_delimiter(path, header_text, delimiters, known)
    contract = set(required) | set(optional)

    why = "asked for" if engine == "csv" else fast_unsuitable(data, header_text)
    if why is None:
        if encoding == "windows-1252":
            body = text.encode("utf-8")
        else:
            body = data[3:] if encoding == "utf-8-sig" else data
        del text  # the fast reader works on the bytes; the text of a big file is a lot of memory
        fast = read_fast(path, body, header_text.split(delimiter), delimiter, aliases, known,
                         required, contract, keep_unknown, parse_kept_only)
        if isinstance(fast, RawTable):
            fast.encoding, fast.delimiter, fast.checksum = encoding, delimiter, checksum
            return fast
        why = fast
        text = body.decode("utf-8")
    if text is None:
        text = data.decode("ascii")
    table = read_csv(path, text, delimiter, aliases, known, required, contract, keep_unknown)
    table.encoding, table.delimiter, table.checksum = encoding, delimiter, checksum
    table.notes.append(f"read with the csv module: {why}")
    return table
