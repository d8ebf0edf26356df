"""Small hand-written SVG graphics for the scorecards, returned as ``data:`` URIs.

WeasyPrint draws ``<img src="data:image/svg+xml;base64,...">`` faster than inline ``<svg>``,
and a data URI keeps the HTML page self-contained. Every graphic prints its values as text,
so colour is never the only signal:

* :func:`trend_chart` - a few yearly points with year labels, y-axis ticks and each value
  printed above its point, plus an alt text listing every value.
* :func:`interval_chart` - a growth figure with its 95 % range on a scale centred on 0.
* :func:`level_meter` - an index level 1..10 as ten small segments.
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


def interval_chart(chart: Mapping, lang: str = "en", title: str = "",
                   width: int = 240, height: int = 60) -> tuple[str, str]:
    """A growth figure with its 95 % range on a horizontal scale around 0 ("as expected").

    ``chart`` is the model's growth ``chart``: ``value``, ``low``, ``high`` (numbers) and their
    printed ``label``, ``low_label``, ``high_label``. The scale is symmetric around 0 so that
    above and below expected look alike; the point's value is printed above it, and the alt text
    gives the value, the range and what 0 means. Returns ``(data_uri, alt_text)``.
    """
    _ = get_translations(lang).gettext
    value, low, high = float(chart["value"]), float(chart["low"]), float(chart["high"])
    alt = _("%(subject)s: %(value)s points, 95%% range %(low)s to %(high)s; 0 means growth as expected.") % {
        "subject": title or _("Growth"), "value": chart.get("label") or format_decimal(value, lang),
        "low": chart.get("low_label") or format_decimal(low, lang),
        "high": chart.get("high_label") or format_decimal(high, lang)}
    reach = max(abs(low), abs(high), abs(value), 10.0)
    step = 10.0 if reach <= 20 else 20.0 if reach <= 40 else 50.0
    edge = math.ceil(reach / step - 1e-9) * step
    left, right = 16, 16
    plot_w = width - left - right

    def x_of(v: float) -> float:
        return left + (v + edge) / (2 * edge) * plot_w

    bar_h = 12
    bar_top = height - 40
    axis_y = bar_top + bar_h + 8
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(alt)}" '
        f'font-family="{escape(FONT)}">',
        f"<title>{escape(alt)}</title>",
        f'<line x1="{left}" y1="{axis_y}" x2="{width - right}" y2="{axis_y}" stroke="{GRID}" stroke-width="1"/>',
    ]
    # a narrow chart (the printed card) keeps its labels apart with three ticks
    for tick in (-edge, -edge / 2, 0.0, edge / 2, edge) if width >= 200 else (-edge, 0.0, edge):
        x = x_of(tick)
        if tick == 0:
            label = _("expected")
        else:
            label = format_decimal(tick, lang, 0)
            label = "+" + label if tick > 0 else label
        out.append(f'<line x1="{_num(x)}" y1="{axis_y}" x2="{_num(x)}" y2="{axis_y + 3}" stroke="{MUTED}" stroke-width="1"/>')
        out.append(f'<text x="{_num(x)}" y="{height - 4}" font-size="10" fill="{MUTED}" '
                   f'text-anchor="middle">{escape(label)}</text>')
    x0 = x_of(0)
    out.append(f'<line x1="{_num(x0)}" y1="{bar_top - 14}" x2="{_num(x0)}" y2="{axis_y}" stroke="{MUTED}" '
               f'stroke-width="1.2" stroke-dasharray="2 2"/>')
    xl, xh = x_of(max(low, -edge)), x_of(min(high, edge))
    out.append(f'<rect x="{_num(xl)}" y="{bar_top}" width="{_num(max(xh - xl, 1))}" height="{bar_h}" '
               f'rx="2" fill="#d6e4f5" stroke="{LINE}" stroke-width="1"/>')
    xv = x_of(value)
    out.append(f'<circle cx="{_num(xv)}" cy="{bar_top + bar_h / 2}" r="4.6" fill="{LINE}" stroke="#ffffff" stroke-width="1.2"/>')
    label = str(chart.get("label") or format_decimal(value, lang))
    anchor = "middle"
    if xv < left + 14:
        anchor = "start"
    elif xv > width - right - 14:
        anchor = "end"
    out.append(f'<text x="{_num(xv)}" y="{bar_top - 4}" font-size="12" font-weight="bold" fill="{INK}" '
               f'text-anchor="{anchor}">{escape(label)}</text>')
    out.append("</svg>")
    return svg_data_uri("".join(out)), alt


@functools.lru_cache(maxsize=None)
def level_meter(level: int, levels: int = 10) -> str:
    """``level`` of ``levels`` small segments filled (an index level 1..10), as a data URI.

    Decorative: the template prints the level beside it.
    """
    level = int(level or 0)
    if not 0 <= level <= levels:
        raise ValueError(f"level must be 0..{levels}, got {level}")
    seg_w, gap, h = 4, 1.5, 9
    width = levels * seg_w + (levels - 1) * gap + 2
    boxes = [f"M{_num(1 + i * (seg_w + gap))} 1h{seg_w}v{h}h-{seg_w}z" for i in range(levels)]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_num(width)} {h + 2}" '
             f'width="{_num(width)}" height="{h + 2}">']
    if level:
        parts.append(f'<path d="{"".join(boxes[:level])}" fill="{LINE}"/>')
    if level < levels:
        parts.append(f'<path d="{"".join(boxes[level:])}" fill="#ffffff" stroke="#9aa5b1" stroke-width="0.8"/>')
    parts.append("</svg>")
    return svg_data_uri("".join(parts))
