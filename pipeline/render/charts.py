"""Small hand-written SVG graphics for the scorecards, returned as ``data:`` URIs.

WeasyPrint draws ``<img src="data:image/svg+xml;base64,...">`` faster than inline ``<svg>``,
and a data URI keeps the HTML page self-contained. Every graphic prints its values as text,
so colour is never the only signal:

* :func:`trend_chart` - a few yearly points with year labels, y-axis ticks and each value
  printed above its point, plus an alt text listing every value.
* :func:`color_gauge` - the Dashboard colour as a five-segment gauge: Red fills one segment,
  Blue all five (the shape carries the level; the template prints the colour name beside it).
"""

from __future__ import annotations

import base64
import functools
import math
from collections.abc import Mapping, Sequence
from html import escape

from pipeline.render.i18n import format_decimal, format_rate, get_translations

FONT = "'Scorecard Sans', 'Open Sans', 'DejaVu Sans', Arial, sans-serif"
INK = "#1f2933"
MUTED = "#4a5563"
GRID = "#d5dce4"
LINE = "#1d4f91"

# Dashboard colour codes 1..5 (0 = no colour). Hues chosen to stay distinct for common colour
# vision deficiencies when paired with the segment count; every segment has a dark outline
# so even yellow meets 3:1 against white (WCAG 1.4.11).
DASHBOARD_COLORS: dict[int, tuple[str, str]] = {
    1: ("Red", "#c0282d"),
    2: ("Orange", "#e8730c"),
    3: ("Yellow", "#f2c200"),
    4: ("Green", "#2f8f46"),
    5: ("Blue", "#1f66b3"),
}


def svg_data_uri(svg: str) -> str:
    """Encode an SVG document as a base64 ``data:`` URI."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _nice_step(span: float, intervals: int = 2) -> float:
    raw = span / intervals
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * magnitude >= raw - 1e-12:
            return factor * magnitude
    return 10 * magnitude  # pragma: no cover


def _axis(values: Sequence[float]) -> tuple[float, float, list[float]]:
    low, high = min(values), max(values)
    if low >= 0:
        low = 0.0  # rates: an honest baseline at zero
    high = max(high, 0.0)
    if high - low < 1e-9:
        high = low + 1.0
    step = _nice_step(high - low)
    low = math.floor(low / step + 1e-9) * step
    high = math.ceil(high / step - 1e-9) * step
    ticks = []
    tick = low
    while tick <= high + step / 2:
        ticks.append(round(tick, 6))
        tick += step
    return low, high, ticks


def trend_chart(points: Sequence[Mapping], lang: str = "en", title: str = "",
                width: int = 360, height: int = 100) -> tuple[str | None, str]:
    """Draw a small line chart of yearly values.

    ``points`` follow the model's ``trend`` items: ``{"year": "2021-22", "value": 30.1,
    "label": "30.1%"}``; ``value`` may be ``None`` (no data or suppressed that year: the year
    is labelled and the line breaks). Returns ``(data_uri, alt_text)``; ``data_uri`` is ``None``
    when no point has a value. The alt text lists every year and its printed label.
    """
    _ = get_translations(lang).gettext
    items = [dict(p) for p in points]
    listed = "; ".join(
        f"{p.get('year', '')}: {p.get('label') if p.get('value') is not None and p.get('label') else _('no data')}"
        for p in items)
    values = [float(p["value"]) for p in items if p.get("value") is not None]
    if not values:
        return None, _("No trend data")
    alt = _("%(indicator)s by school year: %(values)s.") % {
        "indicator": title or _("Result"), "values": listed}

    left, right, top, bottom = 40, 14, 20, 24
    plot_w, plot_h = width - left - right, height - top - bottom
    low, high, ticks = _axis(values)
    as_rate = all(str(p.get("label") or "").endswith("%") for p in items if p.get("value") is not None)
    tick_digits = 0 if all(abs(t - round(t)) < 1e-9 for t in ticks) else 1

    def y_of(value: float) -> float:
        return top + plot_h - (value - low) / (high - low) * plot_h

    n = len(items)
    inset = 24 if n > 1 else 0
    xs = [left + plot_w / 2] if n == 1 else [
        left + inset + i * (plot_w - 2 * inset) / (n - 1) for i in range(n)]

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(alt)}" '
        f'font-family="{escape(FONT)}">',
        f"<title>{escape(alt)}</title>",
    ]
    for tick in ticks:
        y = y_of(tick)
        label = (format_rate(tick, lang, tick_digits) if as_rate
                 else format_decimal(tick, lang, tick_digits))
        stroke = MUTED if abs(tick) < 1e-9 and low < 0 else GRID
        out.append(f'<line x1="{left}" y1="{_num(y)}" x2="{width - right}" y2="{_num(y)}" '
                   f'stroke="{stroke}" stroke-width="1"/>')
        out.append(f'<text x="{left - 6}" y="{_num(y + 3.5)}" font-size="10" fill="{MUTED}" '
                   f'text-anchor="end">{escape(label)}</text>')

    # line segments, broken where a year has no value
    segment: list[str] = []
    segments: list[list[str]] = []
    for x, p in zip(xs, items):
        if p.get("value") is None:
            if segment:
                segments.append(segment)
            segment = []
        else:
            segment.append(f"{_num(x)},{_num(y_of(float(p['value'])))}")
    if segment:
        segments.append(segment)
    for seg in segments:
        if len(seg) > 1:
            out.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="{LINE}" '
                       f'stroke-width="2" stroke-linejoin="round"/>')

    last_with_value = max(i for i, p in enumerate(items) if p.get("value") is not None)
    for i, (x, p) in enumerate(zip(xs, items)):
        out.append(f'<text x="{_num(x)}" y="{height - 6}" font-size="10" fill="{MUTED}" '
                   f'text-anchor="middle">{escape(str(p.get("year", "")))}</text>')
        if p.get("value") is None:
            out.append(f'<text x="{_num(x)}" y="{_num(top + plot_h - 4)}" font-size="10" '
                       f'fill="{MUTED}" text-anchor="middle">{escape(_("no data"))}</text>')
            continue
        y = y_of(float(p["value"]))
        last = i == last_with_value
        out.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{4 if last else 3.2}" '
                   f'fill="{LINE if last else "#ffffff"}" stroke="{LINE}" stroke-width="1.6"/>')
        label = str(p.get("label") or format_decimal(p["value"], lang))
        weight = ' font-weight="bold"' if last else ""
        # a white plate behind the value so gridlines never cross it (cheaper than a halo)
        plate = 6.4 * len(label) + 4
        out.append(f'<rect x="{_num(x - plate / 2)}" y="{_num(y - 18)}" width="{_num(plate)}" '
                   f'height="13" fill="#ffffff"/>')
        out.append(f'<text x="{_num(x)}" y="{_num(y - 8)}" font-size="11" fill="{INK}" '
                   f'text-anchor="middle"{weight}>{escape(label)}</text>')
    out.append("</svg>")
    return svg_data_uri("".join(out)), alt


@functools.lru_cache(maxsize=None)
def color_gauge(code: int) -> str:
    """A five-segment gauge for Dashboard colour ``code`` (0..5) as a data URI.

    Segments 1..code are filled with the colour, the rest are empty outlines; code 0 draws
    five dashed empty segments ("no colour"). Decorative: the template prints the name.
    """
    code = int(code or 0)
    if code not in range(0, 6):
        raise ValueError(f"Dashboard colour code must be 0..5, got {code}")
    fill = DASHBOARD_COLORS[code][1] if code else "#ffffff"
    seg_w, gap, h = 9, 3.5, 12
    width = 5 * seg_w + 4 * gap + 2
    # two paths (filled, empty) instead of five shapes: WeasyPrint draws each node separately
    boxes = [f"M{_num(1 + i * (seg_w + gap))} 1h{seg_w}v{h}h-{seg_w}z" for i in range(5)]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_num(width)} {h + 2}" '
             f'width="{_num(width)}" height="{h + 2}">']
    if code:
        parts.append(f'<path d="{"".join(boxes[:code])}" fill="{fill}" stroke="{INK}" '
                     f'stroke-width="1" stroke-linejoin="round"/>')
    if code < 5:
        dash = ' stroke-dasharray="3 2"' if code == 0 else ""
        parts.append(f'<path d="{"".join(boxes[code:])}" fill="#ffffff" stroke="#7b8794" '
                     f'stroke-width="1" stroke-linejoin="round"{dash}/>')
    parts.append("</svg>")
    return svg_data_uri("".join(parts))
