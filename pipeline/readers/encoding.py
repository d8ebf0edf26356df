"""A file's bytes, and their encoding: UTF-8 (with or without BOM) or Windows-1252, never a mix of the two."""
from __future__ import annotations

import re
from pathlib import Path

from pipeline.readers.table import SourceFileError


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
