"""One shape for benchmark results, so `make bench` can chart every figure the same way.

A bench script keeps printing its own tables; with ``--json PATH`` it also writes::

    {"bench": "core_artifacts", "when": "...", "machine": {...}, "raw": {...},
     "figures": [Figure, ...]}

``raw`` is the script's own data (any JSON). Each ``Figure`` is one chart: named series of
(x, y) points, the axis labels and, when the issue set one, the goal line and which side of it
is good. ``bench/charts.py`` draws one SVG per figure from these files alone.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal


@dataclass
class Figure:
    """One chart: ``series`` maps a label to its points ``[(x, y), ...]``."""

    id: str
    title: str
    x_label: str
    y_label: str
    series: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    goal: float | None = None
    # "above": the goal is met at or above the line (throughput ratios); "below": at or under
    # it (times, CPU, memory).
    goal_side: Literal["above", "below"] | None = None
    x_log: bool = False
    y_log: bool = False
    note: str = ""


def machine() -> dict[str, Any]:
    """What the figures were measured on (they only compare within one run)."""
    try:
        load = os.getloadavg()
    except OSError:  # pragma: no cover - not on Linux
        load = (0.0, 0.0, 0.0)
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg": [round(x, 2) for x in load],
    }


def write_results(path: Path, bench: str, raw: Any, figures: list[Figure]) -> None:
    """Write one bench's results to ``path`` (creating its folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "bench": bench,
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "raw": raw,
        "figures": [asdict(f) for f in figures],
    }
    path.write_text(json.dumps(payload, indent=2) + "\n")


def read_figures(path: Path) -> tuple[str, list[Figure], dict[str, Any]]:
    """The bench name, figures and machine of a file written by `write_results`.

    A file without ``figures`` (an older or hand-written shape) reads as no figures.
    """
    payload = json.loads(path.read_text())
    if not isinstance(payload, dict):
        return path.stem, [], {}
    figures = []
    for item in payload.get("figures") or []:
        series = {
            str(label): [(float(x), float(y)) for x, y in points]
            for label, points in (item.get("series") or {}).items()
        }
        figures.append(Figure(**{**item, "series": series}))
    return str(payload.get("bench", path.stem)), figures, dict(payload.get("machine") or {})
