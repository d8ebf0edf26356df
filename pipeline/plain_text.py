"""Text from input files made safe for one line of a title, a subject, a header or file metadata.

A directory field is typed by a person and may carry what no title should: a line break (which
starts a new e-mail header), a control character, or a bidirectional override (U+202E makes
``fdp.exe`` read ``exe.pdf``, and a school name read backwards). :func:`plain_line` removes them.
"""
from __future__ import annotations

import math
import unicodedata

# Bidirectional formatting: marks, embeddings, overrides and isolates (Unicode TR9).
BIDI_CONTROLS = frozenset("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_BREAKS = {"Cc", "Zl", "Zp"}  # control characters (CR, LF, TAB, NUL, C1), line and paragraph separators


def plain_line(value: object, limit: int | None = None) -> str:
    """``value`` as one line: bidi controls removed, control characters and runs of white space as
    one space, trimmed; at most ``limit`` characters."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = "".join(" " if unicodedata.category(ch) in _BREAKS else ch
                   for ch in str(value) if ch not in BIDI_CONTROLS)
    text = " ".join(text.split())
    return text[:limit] if limit else text


def unsafe_characters(value: object) -> list[str]:
    """What :func:`plain_line` would remove from ``value``, in words (empty when nothing)."""
    text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    found = []
    if any(ch in "\r\n\u2028\u2029\x85" for ch in text):
        found.append("a line break")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\r\n\x85" for ch in text):
        found.append("a control character")
    if any(ch in BIDI_CONTROLS for ch in text):
        found.append("a right-to-left/left-to-right override")
    return found
