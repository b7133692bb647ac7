"""``terrateam report --format html|svg|png``: a self-contained dashboard, or one chart.

The HTML page needs nothing at view time: CSS and the SVG charts (``_charts``) are inline and
the period picker is CSS only (radio buttons), so the page runs no script at all. Each period
shows, for all runs and then per installation and per repository: runs per day by outcome,
success rate and p50/p95 duration per day, the slowest and most-failing dirspaces, with the
tables beside the charts. A period without runs says "no runs".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from html import escape
from typing import Any

from terrateam_core.cli import _report
from terrateam_core.cli._charts import line_chart, stacked_bars

__all__ = ["CHARTS", "Period", "Scope", "chart_svg", "daily_series", "render_html"]

CHARTS = ("runs", "success", "duration")

Run = Mapping[str, Any]


@dataclasses.dataclass(frozen=True)
class Period:
    """A period of the picker: ``label`` (``7d``) and its length in seconds."""

    label: str
    seconds: float


@dataclasses.dataclass(frozen=True)
class Scope:
    """A slice of the runs shown as one section (all, an installation, a repository)."""

    title: str
    keep: Callable[[Run], bool]
    level: int = 2  # 2: open section, 3: collapsed <details>


def daily_series(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The per-day rows as chart series."""
    return {
        "labels": [r["day"] for r in rows],
        "outcomes": {k: [r[k] for r in rows] for k in _report.STATE_SERIES},
        "success": [None if r["success_rate"] is None else r["success_rate"] * 100 for r in rows],
        "p50": [r["p50_seconds"] for r in rows],
        "p95": [r["p95_seconds"] for r in rows],
    }


def chart_svg(chart: str, rows: Sequence[Mapping[str, Any]], title: str) -> str:
    """One chart (``runs``, ``success`` or ``duration``) over the per-day rows, as SVG."""
    s = daily_series(rows)
    if chart == "runs":
        return stacked_bars(f"{title}: runs per day", s["labels"], s["outcomes"], kind="runs")
    if chart == "success":
        return line_chart(
            f"{title}: success rate per day",
            s["labels"],
            {"success rate": s["success"]},
            y_max=100,
            y_fmt="{}%",
            kind="success",
        )
    if chart == "duration":
        return line_chart(
            f"{title}: duration per day (p50, p95)",
            s["labels"],
            {"p50": s["p50"], "p95": s["p95"]},
            y_fmt="{} s",
            kind="duration",
        )
    raise ValueError(f"chart must be one of {', '.join(CHARTS)}, got {chart!r}")


def _cell(value: Any, kind: str = "") -> str:
    if value is None:
        return "–"
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if kind == "s":
        return f"{value:g} s"
    return escape(str(value))


def _table(
    caption: str, columns: Sequence[tuple[str, str, str]], rows: Sequence[Mapping[str, Any]]
) -> str:
    if not rows:
        return (
            f'<table class="data"><caption>{escape(caption)}</caption>'
            "<tr><td>none</td></tr></table>"
        )
    head = "".join(f"<th>{escape(h)}</th>" for _, h, _ in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(r.get(k), kind)}</td>" for k, _, kind in columns) + "</tr>"
        for r in rows
    )
    return (
        f'<table class="data"><caption>{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


_DAILY_COLS = [
    ("day", "day", ""),
    ("runs", "runs", ""),
    ("succeeded", "ok", ""),
    ("failed", "failed", ""),
    ("aborted", "aborted", ""),
    ("in progress", "running", ""),
    ("success_rate", "success", "pct"),
    ("p50_seconds", "p50", "s"),
    ("p95_seconds", "p95", "s"),
]
_DS_COLS = [
    ("repo", "repo", ""),
    ("dir", "dir", ""),
    ("workspace", "workspace", ""),
    ("runs", "runs", ""),
    ("failed", "failed", ""),
    ("success_rate", "success", "pct"),
    ("p50_seconds", "p50", "s"),
    ("p95_seconds", "p95", "s"),
]
_REPO_COLS = [
    ("repo", "repo", ""),
    ("runs", "runs", ""),
    ("failed", "failed", ""),
    ("success_rate", "success", "pct"),
    ("p50_seconds", "p50", "s"),
    ("p95_seconds", "p95", "s"),
]


def _section(scope: Scope, runs: Sequence[Run], start: datetime, end: datetime) -> str:
    summary = _report.summarize(runs, slowest=0)
    head = f"<h{scope.level}>{escape(scope.title)}</h{scope.level}>"
    line = f'<p class="headline">{escape(_report.headline(summary["total"]))}</p>'
    if not runs:
        inner = f'{line}<p class="empty">no runs</p>'
    else:
        rows = _report.daily(runs, start, end)
        ranks = _report.dirspace_rankings(summary)
        active = [r for r in rows if r["runs"]]
        inner = (
            line
            + '<div class="row">'
            + f"<figure>{chart_svg('runs', rows, scope.title)}</figure>"
            + _table("Per day (days with runs)", _DAILY_COLS, active)
            + "</div>"
            + '<div class="row">'
            + f"<figure>{chart_svg('success', rows, scope.title)}</figure>"
            + f"<figure>{chart_svg('duration', rows, scope.title)}</figure>"
            + "</div>"
            + '<div class="row">'
            + _table("Slowest dirspaces (p95)", _DS_COLS, ranks["slowest_dirspaces"])
            + _table("Most failing dirspaces", _DS_COLS, ranks["failing_dirspaces"])
            + "</div>"
        )
        if scope.level == 2 and len(summary["repos"]) > 1:
            inner += _table("Per repository", _REPO_COLS, summary["repos"])
    if scope.level == 2:
        return f'<section class="scope">{head}{inner}</section>'
    return (
        f'<details class="scope"><summary>{escape(scope.title)} — '
        f"{escape(_report.headline(summary['total']))}</summary>{inner}</details>"
    )


_CSS = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem;color:#222;
background:#fff}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.2rem;margin:1.5rem 0 .25rem}
.meta{color:#666;margin:0 0 1rem}
.period-radio{position:absolute;opacity:0;pointer-events:none}
nav.periods{display:flex;gap:.5rem;margin-bottom:1rem}
nav.periods label{border:1px solid #bbb;border-radius:4px;padding:.25rem .75rem;cursor:pointer}
.period{display:none}
.row{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start;margin:.75rem 0}
figure{margin:0;flex:1 1 480px;max-width:680px}
svg.chart{width:100%;height:auto;display:block}
svg .chart-title{font-size:13px;font-weight:600;fill:#222}
svg .axis,svg .legend{font-size:11px;fill:#555}
svg .grid{stroke:#e5e5e5;stroke-width:1}
table.data{border-collapse:collapse;font-size:12px;flex:0 1 auto}
table.data caption{text-align:left;font-weight:600;padding-bottom:.25rem}
table.data th,table.data td{border-bottom:1px solid #eee;padding:.15rem .5rem;text-align:right}
table.data th:first-child,table.data td:first-child{text-align:left}
.empty{color:#666;font-style:italic}
details.scope{border-top:1px solid #ddd;padding:.5rem 0}
details.scope summary{cursor:pointer;font-weight:600}
"""


def render_html(
    runs: Sequence[Run],
    *,
    now: datetime,
    periods: Sequence[Period],
    scopes: Sequence[Scope],
    title: str = "Terrateam report",
    subtitle: str = "",
) -> str:
    """The whole dashboard as one HTML document (no scripts, no external resources)."""
    radios, labels, bodies, picker_css = [], [], [], []
    for n, period in enumerate(periods):
        pid = f"period-{n}"
        checked = " checked" if n == len(periods) - 1 else ""
        radios.append(
            f'<input type="radio" name="period" id="{pid}" class="period-radio"{checked}>'
        )
        labels.append(f'<label for="{pid}">last {escape(period.label)}</label>')
        picker_css.append(
            f"#{pid}:checked~#p{n}{{display:block}}"
            f"#{pid}:checked~nav label[for={pid}]{{background:#0072B2;color:#fff}}"
        )
        start = now - timedelta(seconds=period.seconds)
        kept = _report.filter_since(runs, start)
        sections = [
            _section(scope, [r for r in kept if scope.keep(r)], start, now) for scope in scopes
        ]
        bodies.append(
            f'<div class="period" id="p{n}" data-period="{escape(period.label)}">'
            f'<p class="meta">{start:%Y-%m-%d %H:%M} to {now:%Y-%m-%d %H:%M} UTC</p>'
            + "".join(sections)
            + "</div>"
        )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}{''.join(picker_css)}</style></head>"
        f"<body><h1>{escape(title)}</h1>"
        f'<p class="meta">{escape(subtitle)}</p>'
        + "".join(radios)
        + f'<nav class="periods">{"".join(labels)}</nav>'
        + "".join(bodies)
        + "</body></html>\n"
    )
