"""``terrateam report --format png``: one chart drawn with matplotlib (the optional ``charts``
extra). The SVG charts need nothing; this module is imported only for PNG."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from terrateam_core.cli._charts import COLORS
from terrateam_core.cli._report_html import daily_series

__all__ = ["chart_png"]


def chart_png(chart: str, rows: Sequence[Mapping[str, Any]], title: str) -> bytes:
    """The chart (``runs``, ``success``, ``duration``) as PNG bytes.

    Raises:
        ImportError: matplotlib is not installed.
    """
    import matplotlib

    matplotlib.use("Agg")  # no display; never opens a window
    from matplotlib.figure import Figure

    s = daily_series(rows)
    labels = [d[5:] for d in s["labels"]]
    fig = Figure(figsize=(8, 3.2), dpi=100)
    ax = fig.add_subplot()
    if chart == "runs":
        bottom = [0] * len(labels)
        for name, values in s["outcomes"].items():
            ax.bar(labels, values, bottom=bottom, color=COLORS[name], label=name)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_title(f"{title}: runs per day")
    elif chart == "success":
        ax.plot(
            labels,
            [float("nan") if v is None else v for v in s["success"]],
            marker="o",
            color=COLORS["success rate"],
            label="success rate",
        )
        ax.set_ylim(0, 100)
        ax.set_ylabel("%")
        ax.set_title(f"{title}: success rate per day")
    elif chart == "duration":
        for name in ("p50", "p95"):
            ax.plot(
                labels,
                [float("nan") if v is None else v for v in s[name]],
                marker="o",
                color=COLORS[name],
                label=name,
            )
        ax.set_ylabel("seconds")
        ax.set_title(f"{title}: duration per day")
    else:
        raise ValueError(f"chart must be runs, success or duration, got {chart!r}")
    ax.legend(loc="upper left", fontsize="small")
    step = max(1, len(labels) // 8)
    ax.set_xticks(range(0, len(labels), step), labels[::step], fontsize="small")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
