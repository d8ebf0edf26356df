"""The Dashboard colour gauge and the level meter as PNG images, for the PDF.

The web page draws them as SVG (:func:`pipeline.render.charts.color_gauge`,
:func:`~pipeline.render.charts.level_meter`). WeasyPrint, though, lays out and draws an SVG image
node by node every time it appears, and a scorecard shows some 80 of them (a gauge in every cell
of the student-group matrix): about a fifth of a PDF's CPU time. A PNG is decoded once per worker
(the pool's image cache) and written once per PDF as an image that each occurrence refers to.

The shapes are the SVGs' own, drawn at :data:`SCALE` pixels per SVG unit (some 500 dots per
inch at the size they print; the shapes are plain rectangles, whose edges stay sharp), so print
shows no difference (viewed at 300 dpi). WeasyPrint decodes each image and encodes its colour and
alpha again for every PDF, so fewer pixels make a cheaper PDF: 8 pixels per unit cost about 20 ms
more per PDF. The PDF's HTML names them with short URLs (``scorecard:gauge/3.png``,
``scorecard:meter/7-10.png``) that :class:`pipeline.render.pdf.LocalOnlyFetcher` serves with
:func:`image_for`; a page's HTML stays small and quick to parse.
"""

from __future__ import annotations

import functools
import re
import struct
import zlib

from pipeline.render.charts import DASHBOARD_COLORS, INK, LINE

SCALE = 4  # pixels per SVG unit
SCHEME = "scorecard:"
_URL = re.compile(r"scorecard:(?:gauge/([0-5])|meter/(\d{1,2})-(\d{1,2}))\.png")
_CLEAR = b"\x00\x00\x00\x00"


def _rgba(color: str) -> bytes:
    return bytes.fromhex(color.lstrip("#")) + b"\xff"


class _Canvas:
    """Rows of RGBA pixels, transparent to start with; rectangles in SVG units."""

    def __init__(self, width: float, height: float):
        self.width, self.height = round(width * SCALE), round(height * SCALE)
        self.rows = [bytearray(_CLEAR * self.width) for _ in range(self.height)]

    def fill(self, x0: float, y0: float, x1: float, y1: float, color: bytes) -> None:
        px0, px1 = max(0, round(x0 * SCALE)), min(self.width, round(x1 * SCALE))
        for y in range(max(0, round(y0 * SCALE)), min(self.height, round(y1 * SCALE))):
            self.rows[y][px0 * 4:px1 * 4] = color * (px1 - px0)

    def box(self, x: float, y: float, w: float, h: float, fill: bytes, stroke: bytes | None,
            stroke_width: float, dash: tuple[float, float] | None = None) -> None:
        """A rectangle as SVG strokes it: the outline centred on the edge, dashed if asked."""
        half = stroke_width / 2
        if stroke is None:
            self.fill(x, y, x + w, y + h, fill)
            return
        if dash is None:
            self.fill(x - half, y - half, x + w + half, y + h + half, stroke)
        self.fill(x + half, y + half, x + w - half, y + h - half, fill)
        if dash is not None:  # dashes along the path: top, right, bottom, left, as SVG runs them
            on, off = dash
            edges = ((x, y, w, True), (x + w, y, h, False), (x, y + h, w, True), (x, y, h, False))
            for ex, ey, length, horizontal in edges:
                t = 0.0
                while t < length:
                    end = min(t + on, length)
                    if horizontal:
                        self.fill(ex + t - half, ey - half, ex + end + half, ey + half, stroke)
                    else:
                        self.fill(ex - half, ey + t - half, ex + half, ey + end + half, stroke)
                    t += on + off

    def png(self) -> bytes:
        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        raw = b"".join(b"\x00" + bytes(row) for row in self.rows)  # filter 0 on every row
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 6, 0, 0, 0)  # 8-bit RGBA
        return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9))
                + chunk(b"IEND", b""))


@functools.lru_cache(maxsize=None)
def gauge_png(code: int) -> bytes:
    """The five-segment gauge of Dashboard colour ``code`` (0..5), as :func:`charts.color_gauge` draws it."""
    code = int(code or 0)
    if code not in range(0, 6):
        raise ValueError(f"Dashboard colour code must be 0..5, got {code}")
    seg_w, gap, h = 9, 3.5, 12
    canvas = _Canvas(5 * seg_w + 4 * gap + 2, h + 2)
    white, grey = _rgba("#ffffff"), _rgba("#7b8794")
    for i in range(5):
        x = 1 + i * (seg_w + gap)
        if i < code:
            canvas.box(x, 1, seg_w, h, _rgba(DASHBOARD_COLORS[code][1]), _rgba(INK), 1)
        else:
            canvas.box(x, 1, seg_w, h, white, grey, 1, (3, 2) if code == 0 else None)
    return canvas.png()


@functools.lru_cache(maxsize=None)
def meter_png(level: int, levels: int = 10) -> bytes:
    """``level`` of ``levels`` segments filled, as :func:`charts.level_meter` draws it."""
    level = int(level or 0)
    if not 0 <= level <= levels:
        raise ValueError(f"level must be 0..{levels}, got {level}")
    seg_w, gap, h = 4, 1.5, 9
    canvas = _Canvas(levels * seg_w + (levels - 1) * gap + 2, h + 2)
    for i in range(levels):
        x = 1 + i * (seg_w + gap)
        if i < level:
            canvas.box(x, 1, seg_w, h, _rgba(LINE), None, 0)
        else:
            canvas.box(x, 1, seg_w, h, _rgba("#ffffff"), _rgba("#9aa5b1"), 0.8)
    return canvas.png()


def gauge_url(code: int) -> str:
    """The short URL of the gauge for the PDF's HTML (checked as :func:`gauge_png` checks it)."""
    gauge_png(code)
    return f"{SCHEME}gauge/{int(code or 0)}.png"


def meter_url(level: int, levels: int = 10) -> str:
    """The short URL of the meter for the PDF's HTML."""
    meter_png(level, levels)
    return f"{SCHEME}meter/{int(level or 0)}-{int(levels)}.png"


def image_for(url: str) -> bytes | None:
    """The PNG a ``scorecard:`` URL names, or None when it names none."""
    match = _URL.fullmatch(url)
    if match is None:
        return None
    if match[1] is not None:
        return gauge_png(int(match[1]))
    level, levels = int(match[2]), int(match[3])
    return meter_png(level, levels) if 0 <= level <= levels <= 20 else None
