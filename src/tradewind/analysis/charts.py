"""Inline SVG charts for the HTML report: time-series lines, fill markers, trades, a histogram."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

import numpy as np
import numpy.typing as npt

MAX_POINTS = 2_000
"""Most points one line keeps after downsampling; browsers stay quick and files small."""
MAX_MARKERS = 2_000
"""Most fill markers (and most trade segments) one chart draws; beyond, evenly thinned."""

_WIDTH, _HEIGHT = 1100, 300
_LEFT, _RIGHT, _TOP, _BOTTOM = 84, 18, 14, 36
_NS_PER_S = 1_000_000_000
_DAY = 86_400
# The epoch fell on a Thursday; weekly ticks start on Mondays.
_MONDAY_OFFSET_S = 4 * _DAY
_SECOND_STEPS: tuple[int, ...] = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)
_SECOND_STEPS += (7200, 10800, 21600, 43200, _DAY, 2 * _DAY, 7 * _DAY, 14 * _DAY)
_MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60, 120, 240, 600)

_Floats = npt.NDArray[np.float64]
_Ints = npt.NDArray[np.int64]
Formatter = Callable[[float, float], str]
"""Formats an axis value given the tick step (the step sets the precision)."""


@dataclass(frozen=True, slots=True)
class Line:
    """One series on a time chart: timestamps in ns, values, colour, and an optional fill."""

    ts: _Ints
    values: _Floats
    color: str
    fill_to: float | None = None
    """Shade the area between the line and this value (e.g. 0 for an underwater chart)."""


@dataclass(frozen=True, slots=True)
class Marker:
    """A fill marker: an upward green triangle for a buy, a downward red one for a sell."""

    ts: int
    value: float
    is_buy: bool
    label: str
    """Tooltip text shown when the pointer rests on the marker."""
    hollow: bool = False
    """Draw the outline only (a fill that reduced or closed a trade)."""


@dataclass(frozen=True, slots=True)
class Segment:
    """A trade on a price chart: a dashed line from its entry to its exit."""

    ts0: int
    value0: float
    ts1: int
    value1: float
    color: str
    label: str
    """Tooltip text shown when the pointer rests on the line."""


def downsample_minmax(
    ts: _Ints, values: _Floats, max_points: int = MAX_POINTS
) -> tuple[_Ints, _Floats]:
    """Thin a series to at most ``max_points``, keeping each bucket's minimum and maximum.

    Points are split into equal-count buckets; each bucket keeps its lowest and highest
    point in time order, and the first and last points are always kept, so spikes survive.
    """
    n = len(ts)
    if n <= max_points:
        return ts, values
    buckets = max(1, (max_points - 2) // 2)
    edges = np.linspace(1, n - 1, buckets + 1).astype(np.int64)
    keep = [0, n - 1]
    for lo, hi in itertools.pairwise(edges):
        if hi > lo:
            chunk = values[lo:hi]
            keep.append(int(lo + np.argmin(chunk)))
            keep.append(int(lo + np.argmax(chunk)))
    index = np.unique(np.asarray(keep, dtype=np.int64))
    return ts[index], values[index]


def format_number(value: float, step: float) -> str:
    """Format an axis number with thousands separators and as many decimals as ``step`` needs."""
    if abs(value) >= 1e6 and step >= 1e4:
        return f"{_plain(value / 1e6, step / 1e6)}M"
    return _plain(value, step)


def format_percent(value: float, step: float) -> str:
    """Format a fraction as a percentage, e.g. ``-0.125`` → ``-12.5%``."""
    return f"{_plain(value * 100, step * 100)}%"


def format_utc(ts: int) -> str:
    """Format ns since the epoch as ``YYYY-MM-DD HH:MM:SS`` (UTC)."""
    return datetime.fromtimestamp(ts // _NS_PER_S, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


def time_chart(
    lines: Sequence[Line],
    *,
    label: str,
    markers: Sequence[Marker] = (),
    segments: Sequence[Segment] = (),
    y_format: Formatter = format_number,
    y_include: Sequence[float] = (),
) -> str:
    """Render lines, trade segments and fill markers against a UTC time axis as an ``<svg>``."""
    all_ts = [line.ts for line in lines if len(line.ts)] + [
        np.asarray([m.ts for m in markers], dtype=np.int64)
    ]
    all_values = [line.values for line in lines if len(line.values)]
    all_values.append(np.asarray([m.value for m in markers] + list(y_include), dtype=np.float64))
    ts_joined = np.concatenate(all_ts)
    values_joined = np.concatenate(all_values)
    values_joined = values_joined[np.isfinite(values_joined)]
    if len(ts_joined) == 0 or len(values_joined) == 0:
        return _empty_chart(label)
    t0, t1 = int(ts_joined.min()), int(ts_joined.max())
    if t1 == t0:
        t0, t1 = t0 - 1800 * _NS_PER_S, t1 + 1800 * _NS_PER_S
    y_ticks, y0, y1 = _value_axis(float(values_joined.min()), float(values_joined.max()))
    frame = _Frame(t0, t1, y0, y1)

    parts = [_svg_open(label)]
    step = y_ticks[1] - y_ticks[0] if len(y_ticks) > 1 else abs(y1 - y0)
    parts.extend(_y_grid(frame, y_ticks, step, y_format))
    parts.extend(_time_grid(frame))
    for line in lines:
        parts.extend(_line_paths(frame, line))
    parts.extend(_segments(frame, segments))
    parts.extend(_markers(frame, markers))
    parts.append(_frame_border())
    parts.append("</svg>")
    return "".join(parts)


def histogram_chart(
    values: Sequence[float], *, label: str, unit: str = "", x_format: Formatter = format_number
) -> str:
    """Render a histogram of ``values`` whose bins meet at zero: losses red, gains green."""
    data = np.asarray(values, dtype=np.float64)
    data = data[np.isfinite(data)]
    if len(data) == 0:
        return _empty_chart(label)
    lo, hi = float(data.min()), float(data.max())
    target_bins = int(min(40, max(8, math.sqrt(len(data)) * 2)))
    width = _nice_step((hi - lo) / target_bins) if hi > lo else _nice_step(abs(lo) or 1.0)
    first = math.floor(lo / width)
    count = max(1, math.floor(hi / width) - first + 1)
    edges = (first + np.arange(count + 1)) * width
    counts, _ = np.histogram(data, bins=edges)
    x_ticks, _, _ = _value_axis(float(edges[0]), float(edges[-1]), target=10)
    # Headroom above the tallest bar, so it never touches the frame.
    y_ticks, _, y1 = _value_axis(0.0, float(counts.max()) * 1.08, target=5, integer=True)
    frame = _Frame(float(edges[0]), float(edges[-1]), 0.0, y1)

    parts = [_svg_open(label)]
    parts.extend(_y_grid(frame, y_ticks, y_ticks[1] - y_ticks[0], format_number))
    x_step = x_ticks[1] - x_ticks[0] if len(x_ticks) > 1 else width
    for tick in x_ticks:
        if frame.x0 <= tick <= frame.x1:
            x = frame.sx(tick)
            parts.append(_x_label(x, x_format(tick, x_step)))
    for left, right, n in zip(edges[:-1], edges[1:], counts, strict=True):
        if n == 0:
            continue
        color = "#16a34a" if left >= 0 else "#dc2626"
        x, x_end, y = frame.sx(left), frame.sx(right), frame.sy(float(n))
        bar_width = max(x_end - x - 1.0, 1.0)
        tip = f"{x_format(left, width)} to {x_format(right, width)}: {n}"
        parts.append(
            f'<rect x="{x + 0.5:.1f}" y="{y:.1f}" width="{bar_width:.1f}" '
            f'height="{frame.sy(0.0) - y:.1f}" fill="{color}" fill-opacity="0.8">'
            f"<title>{escape(tip)}</title></rect>"
        )
    if frame.x0 < 0 < frame.x1:
        x = frame.sx(0.0)
        parts.append(_vline(x, "#111827", dash=False))
    parts.append(_text(_WIDTH - _RIGHT, _HEIGHT - 4, unit, "end", css="unit"))
    parts.append(_frame_border())
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class _Frame:
    """Maps data coordinates onto the plotting area."""

    x0: float
    x1: float
    y0: float
    y1: float

    def sx(self, x: float) -> float:
        return _LEFT + (x - self.x0) / (self.x1 - self.x0) * (_WIDTH - _LEFT - _RIGHT)

    def sy(self, y: float) -> float:
        return _TOP + (self.y1 - y) / (self.y1 - self.y0) * (_HEIGHT - _TOP - _BOTTOM)


def _svg_open(label: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img" '
        f'aria-label="{escape(label)}"><title>{escape(label)}</title>'
    )


def _empty_chart(label: str) -> str:
    return (
        _svg_open(label)
        + _frame_border()
        + _text(_WIDTH / 2, _HEIGHT / 2, "no data", "middle", css="empty")
        + "</svg>"
    )


def _frame_border() -> str:
    width, height = _WIDTH - _LEFT - _RIGHT, _HEIGHT - _TOP - _BOTTOM
    return (
        f'<rect x="{_LEFT}" y="{_TOP}" width="{width}" height="{height}" '
        'fill="none" stroke="#9ca3af" stroke-width="1"/>'
    )


def _text(x: float, y: float, text: str, anchor: str, css: str = "tick") -> str:
    return (
        f'<text class="{css}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{escape(text)}</text>'
    )


def _x_label(x: float, text: str) -> str:
    # A label on the frame's edge is aligned into the chart, clear of the value axis labels.
    anchor = "start" if x < _LEFT + 30 else "end" if x > _WIDTH - _RIGHT - 30 else "middle"
    return _text(x, _HEIGHT - _BOTTOM + 16, text, anchor)


def _vline(x: float, color: str, *, dash: bool = True) -> str:
    style = ' stroke-dasharray="2 3"' if dash else ""
    return (
        f'<line x1="{x:.1f}" y1="{_TOP}" x2="{x:.1f}" y2="{_HEIGHT - _BOTTOM}" '
        f'stroke="{color}" stroke-width="1"{style}/>'
    )


def _y_grid(frame: _Frame, ticks: Sequence[float], step: float, fmt: Formatter) -> list[str]:
    parts = []
    for tick in ticks:
        y = frame.sy(tick)
        parts.append(
            f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{_WIDTH - _RIGHT}" y2="{y:.1f}" '
            'stroke="#e5e7eb" stroke-width="1"/>'
        )
        parts.append(_text(_LEFT - 6, y + 4, fmt(tick, step), "end"))
    return parts


def _time_grid(frame: _Frame) -> list[str]:
    max_ticks = max(2, (_WIDTH - _LEFT - _RIGHT) // 130)
    parts = []
    for ts, text in _time_ticks(int(frame.x0), int(frame.x1), max_ticks):
        x = frame.sx(ts)
        parts.append(_vline(x, "#e5e7eb"))
        parts.append(_x_label(x, text))
    parts.append(_text(_WIDTH - _RIGHT, _HEIGHT - 4, "UTC", "end", css="unit"))
    return parts


def _time_ticks(t0_ns: int, t1_ns: int, max_ticks: int) -> list[tuple[int, str]]:
    t0, t1 = t0_ns / _NS_PER_S, t1_ns / _NS_PER_S
    span = t1 - t0
    for step in _SECOND_STEPS:
        if span / step <= max_ticks:
            offset = _MONDAY_OFFSET_S if step == 7 * _DAY or step == 14 * _DAY else 0
            first = math.ceil((t0 - offset) / step) * step + offset
            fmt = "%H:%M:%S" if step < 60 else "%m-%d %H:%M" if step < _DAY else "%Y-%m-%d"
            return [
                (s * _NS_PER_S, datetime.fromtimestamp(s, tz=UTC).strftime(fmt))
                for s in range(int(first), int(t1) + 1, step)
            ]
    start, end = datetime.fromtimestamp(t0, tz=UTC), datetime.fromtimestamp(t1, tz=UTC)
    first_month, last_month = start.year * 12 + start.month - 1, end.year * 12 + end.month - 1
    months = next(
        (m for m in _MONTH_STEPS if (last_month - first_month) / m <= max_ticks), _MONTH_STEPS[-1]
    )
    ticks = []
    for index in range(math.ceil(first_month / months) * months, last_month + 1, months):
        moment = datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)
        if t0 <= moment.timestamp() <= t1:
            text = moment.strftime("%Y" if months % 12 == 0 else "%Y-%m")
            ticks.append((int(moment.timestamp()) * _NS_PER_S, text))
    return ticks


def _line_paths(frame: _Frame, line: Line) -> list[str]:
    finite = np.isfinite(line.values)
    ts, values = downsample_minmax(line.ts[finite], line.values[finite])
    if len(ts) == 0:
        return []
    xs = _LEFT + (ts - frame.x0) / (frame.x1 - frame.x0) * (_WIDTH - _LEFT - _RIGHT)
    ys = _TOP + (frame.y1 - values) / (frame.y1 - frame.y0) * (_HEIGHT - _TOP - _BOTTOM)
    if len(ts) == 1:
        return [f'<circle cx="{xs[0]:.1f}" cy="{ys[0]:.1f}" r="3" fill="{line.color}"/>']
    points = " L".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    parts = []
    if line.fill_to is not None:
        base = frame.sy(line.fill_to)
        parts.append(
            f'<path d="M{xs[0]:.1f},{base:.1f} L{points} L{xs[-1]:.1f},{base:.1f} Z" '
            f'fill="{line.color}" fill-opacity="0.25" stroke="none"/>'
        )
    parts.append(
        f'<path d="M{points}" fill="none" stroke="{line.color}" stroke-width="1.4" '
        'stroke-linejoin="round"/>'
    )
    return parts


def _markers(frame: _Frame, markers: Sequence[Marker]) -> list[str]:
    if len(markers) > MAX_MARKERS:
        picks = np.linspace(0, len(markers) - 1, MAX_MARKERS).astype(np.int64)
        markers = [markers[int(i)] for i in picks]
    parts = []
    for marker in markers:
        x, y = frame.sx(marker.ts), frame.sy(marker.value)
        # Tip towards the fill price: ▲ for a buy, ▼ for a sell.
        tip, base = (y - 5, y + 4) if marker.is_buy else (y + 5, y - 4)
        color = "#16a34a" if marker.is_buy else "#dc2626"
        points = f"{x:.1f},{tip:.1f} {x - 5:.1f},{base:.1f} {x + 5:.1f},{base:.1f}"
        paint = (
            f'fill="#ffffff" stroke="{color}" stroke-width="1.4"'
            if marker.hollow
            else f'fill="{color}" stroke="#ffffff" stroke-width="0.8"'
        )
        parts.append(
            f'<polygon class="mark" points="{points}" {paint}>'
            f"<title>{escape(marker.label)}</title></polygon>"
        )
    return parts


def _segments(frame: _Frame, segments: Sequence[Segment]) -> list[str]:
    if len(segments) > MAX_MARKERS:
        picks = np.linspace(0, len(segments) - 1, MAX_MARKERS).astype(np.int64)
        segments = [segments[int(i)] for i in picks]
    parts = []
    for segment in segments:
        x0, y0 = frame.sx(segment.ts0), frame.sy(segment.value0)
        x1, y1 = frame.sx(segment.ts1), frame.sy(segment.value1)
        parts.append(
            f'<line class="trip" x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" '
            f'stroke="{segment.color}" stroke-width="2" stroke-dasharray="5 3">'
            f"<title>{escape(segment.label)}</title></line>"
        )
    return parts


def _value_axis(
    lo: float, hi: float, *, target: int = 6, integer: bool = False
) -> tuple[list[float], float, float]:
    """Nice ticks covering ``[lo, hi]`` and the axis bounds rounded out to whole ticks."""
    if hi <= lo:
        pad = abs(lo) * 0.05 or 1.0
        lo, hi = lo - pad, hi + pad
    step = _nice_step((hi - lo) / target)
    if integer:
        step = max(1.0, round(step))
    first, last = math.floor(lo / step), math.ceil(hi / step)
    ticks = [i * step for i in range(first, last + 1)]
    return ticks, ticks[0], ticks[-1]


def _nice_step(raw: float) -> float:
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for multiple in (1.0, 2.0, 2.5, 5.0, 10.0):
        if multiple * magnitude >= raw * (1 - 1e-9):
            return multiple * magnitude
    return 10 * magnitude


def _plain(value: float, step: float) -> str:
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0
    while decimals < 12 and round(step * 10**decimals, 6) % 1:
        decimals += 1
    text = f"{value:,.{decimals}f}"
    return "0" if text.lstrip("-").strip("0.,") == "" else text
