"""Small SVG charts written in pure Python (no dependency, nothing fetched at view time).

Each function returns one ``<svg>`` element as text, sized by its ``viewBox`` so it scales
with the page. Every mark carries a ``<title>`` (the browser's tooltip) and a ``data-*``
attribute, so a test can find the chart elements. All text is XML-escaped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

__all__ = ["COLORS", "line_chart", "stacked_bars"]

# Colour-blind-safe (Okabe–Ito) for the outcome series and the two duration lines.
COLORS = {
    "succeeded": "#009E73",
    "failed": "#D55E00",
    "aborted": "#999999",
    "in progress": "#56B4E9",
    "success rate": "#0072B2",
    "p50": "#0072B2",
    "p95": "#E69F00",
}
_W, _H = 640, 260
_LEFT, _RIGHT, _TOP, _BOTTOM = 52, 12, 30, 48


def _nice_max(value: float) -> float:
    """A round axis maximum at or above *value* (1, 2, 2.5 or 5 × 10^n)."""
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exp:
            return float(step * exp)
    return float(10 * exp)


def _fmt(value: float) -> str:
    return f"{value:g}" if value < 10000 else f"{value / 1000:g}k"


def _frame(title: str, kind: str, body: list[str], legend: Sequence[str]) -> str:
    items = []
    x = _LEFT
    for name in legend:
        color = COLORS.get(name, "#333")
        items.append(
            f'<rect x="{x}" y="{_H - 14}" width="10" height="10" fill="{color}"/>'
            f'<text x="{x + 14}" y="{_H - 5}" class="legend">{escape(name)}</text>'
        )
        x += 24 + 7 * len(name)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" role="img" '
        f'class="chart" data-chart={quoteattr(kind)} aria-label={quoteattr(title)}>'
        f"<title>{escape(title)}</title>"
        f'<text x="{_LEFT}" y="18" class="chart-title">{escape(title)}</text>'
        + "".join(body)
        + "".join(items)
        + "</svg>"
    )


def _axes(labels: Sequence[str], y_max: float, y_fmt: str) -> list[str]:
    plot_h = _H - _TOP - _BOTTOM
    out = []
    for i in range(5):
        value = y_max * i / 4
        y = _TOP + plot_h - plot_h * i / 4
        out.append(
            f'<line x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" class="axis" text-anchor="end">'
            f"{escape(y_fmt.format(_fmt(value)))}</text>"
        )
    n = len(labels)
    step = max(1, math.ceil(n / 8))  # at most ~8 date labels
    width = (_W - _LEFT - _RIGHT) / max(n, 1)
    for i in range(0, n, step):
        x = _LEFT + width * (i + 0.5)
        out.append(
            f'<text x="{x:.1f}" y="{_H - 30}" class="axis" text-anchor="middle">'
            f"{escape(labels[i][5:])}</text>"
        )
    return out


def stacked_bars(
    title: str, labels: Sequence[str], series: Mapping[str, Sequence[int]], *, kind: str = "bars"
) -> str:
    """Stacked bars: one bar per label, one segment per series (in the mapping's order)."""
    n = len(labels)
    totals = [sum(values[i] for values in series.values()) for i in range(n)]
    y_max = _nice_max(max(totals, default=0))
    plot_h = _H - _TOP - _BOTTOM
    width = (_W - _LEFT - _RIGHT) / max(n, 1)
    body = _axes(labels, y_max, "{}")
    for i, label in enumerate(labels):
        y = float(_TOP + plot_h)
        for name, values in series.items():
            value = values[i]
            if not value:
                continue
            h = plot_h * value / y_max
            y -= h
            body.append(
                f'<rect class="bar" x="{_LEFT + width * i + 1:.1f}" y="{y:.1f}" '
                f'width="{max(width - 2, 1):.1f}" height="{h:.1f}" '
                f'fill="{COLORS.get(name, "#333")}" data-series={quoteattr(name)} '
                f'data-value="{value}"><title>{escape(f"{label}: {value} {name}")}</title></rect>'
            )
    return _frame(title, kind, body, list(series))


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    y_max: float | None = None,
    y_fmt: str = "{}",
    kind: str = "line",
) -> str:
    """Lines with a dot per value; ``None`` (a day without data) breaks the line."""
    n = len(labels)
    values = [v for vs in series.values() for v in vs if v is not None]
    top = y_max if y_max is not None else _nice_max(max(values, default=0))
    plot_h = _H - _TOP - _BOTTOM
    width = (_W - _LEFT - _RIGHT) / max(n, 1)
    body = _axes(labels, top, y_fmt)
    for name, vs in series.items():
        color = COLORS.get(name, "#333")
        segments: list[list[tuple[float, float]]] = [[]]
        for i, value in enumerate(vs):
            if value is None:
                segments.append([])
                continue
            x = _LEFT + width * (i + 0.5)
            y = _TOP + plot_h - plot_h * min(value, top) / top
            segments[-1].append((x, y))
            shown = y_fmt.format(_fmt(value))
            body.append(
                f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}" '
                f'data-series={quoteattr(name)} data-value="{value:g}">'
                f"<title>{escape(f'{labels[i]}: {name} {shown}')}</title></circle>"
            )
        for seg in segments:
            if len(seg) > 1:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in seg)
                body.append(
                    f'<polyline class="line" points="{points}" fill="none" stroke="{color}" '
                    f'stroke-width="2" data-series={quoteattr(name)}/>'
                )
    return _frame(title, kind, body, list(series))
