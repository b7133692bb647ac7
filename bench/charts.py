"""Draw one SVG chart per figure of the bench results (``bench/results/*.json``).

Each results file is the shape ``bench/_results.py`` writes; every ``Figure`` in it becomes
``<out>/<figure id>.svg``. A figure whose series all hold exactly one point is drawn as
horizontal bars (one bar per series label: commands, cases); any other as lines over x. A goal
is drawn as a dashed line labelled ``goal ≥ 0.5`` or ``goal ≤ 3 ms``: the sign comes from
``goal_side``, the unit from a trailing ``(unit)`` in the y label.

Missing or empty results are not an error: there is then nothing to draw. A file that is not a
results file is skipped with a one-line warning. The SVGs are deterministic for the same input
(fixed ``svg.hashsalt``, no date in the metadata, text kept as text), so published charts only
change in git when their figures do.

Usage: ``.venv/bin/python bench/charts.py [--results DIR] [--out DIR] [ID ...]``
(``make bench-charts`` draws into ``bench/results/``; ``make bench-publish`` into
``docs/performance/``, the charts docs/performance.md shows).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _results import Figure, read_figures

HERE = Path(__file__).parent
RESULTS = HERE / "results"
_UNIT = re.compile(r"\(([^()]+)\)\s*$")
GOAL_COLOUR = "#c0392b"


def goal_label(figure: Figure) -> str:
    """``goal ≥ 0.5`` / ``goal ≤ 3 ms``: the side from ``goal_side``, the unit from the y label."""
    sign = {"above": "≥", "below": "≤"}.get(figure.goal_side or "", "=")
    match = _UNIT.search(figure.y_label)
    unit = match.group(1).strip() if match else ""
    space = "" if unit in ("", "×", "x", "%") else " "
    return f"goal {sign} {figure.goal:g}{space}{unit}"


def _is_bars(figure: Figure) -> bool:
    return bool(figure.series) and all(len(points) == 1 for points in figure.series.values())


def _plain_log(axis: Any) -> None:
    """Log ticks at 1-2-5 steps written as plain numbers (200, not 2×10²)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:g}"))
    axis.set_minor_formatter(NullFormatter())


def _footnote(figure: Figure, bench: str, machine: dict[str, Any]) -> str:
    parts = [f"bench/{bench}.py"]
    if machine.get("cpus"):
        parts.append(f"{machine['cpus']} CPUs")
    load = machine.get("loadavg")
    if load:
        parts.append(f"load {load[0]:.1f}")
    if figure.note:
        parts.append(figure.note)
    return " · ".join(parts)


def draw(figure: Figure, bench: str, machine: dict[str, Any], out: Path) -> Path:
    """Write ``out/<figure.id>.svg`` and return its path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "svg.hashsalt": "terrateam-bench",  # stable element ids: same input, same file
            "svg.fonttype": "none",  # text stays text: searchable, smaller
            "font.size": 9,
        }
    )
    bars = _is_bars(figure)
    height = 1.4 + 0.32 * len(figure.series) if bars else 3.8
    fig, ax = plt.subplots(figsize=(7.0, max(height, 2.6)))
    try:
        if bars:
            labels = list(figure.series)
            values = [figure.series[label][0][1] for label in labels]
            positions = list(range(len(labels)))[::-1]  # first series on top
            ax.barh(positions, values, color="#4c72b0", height=0.6)
            ax.set_yticks(positions, labels)
            for pos, value in zip(positions, values, strict=True):
                ax.annotate(
                    f"{value:.3g}",
                    (value, pos),
                    xytext=(3, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=8,
                )
            ax.set_xlabel(figure.y_label)
            if figure.y_log:
                ax.set_xscale("log")
                _plain_log(ax.xaxis)
            if figure.goal is not None:
                ax.axvline(figure.goal, color=GOAL_COLOUR, linestyle="--", label=goal_label(figure))
        else:
            for label, points in figure.series.items():
                xs = [x for x, _ in points]
                ys = [y for _, y in points]
                ax.plot(xs, ys, marker="o", markersize=3.5, label=label)
            ax.set_xlabel(figure.x_label)
            ax.set_ylabel(figure.y_label)
            if figure.x_log:
                ax.set_xscale("log")
                _plain_log(ax.xaxis)
            if figure.y_log:
                ax.set_yscale("log")
                _plain_log(ax.yaxis)
            if figure.goal is not None:
                ax.axhline(figure.goal, color=GOAL_COLOUR, linestyle="--", label=goal_label(figure))
        ax.set_title(figure.title)
        ax.grid(True, alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="best", fontsize=8)
        fig.text(0.01, 0.01, _footnote(figure, bench, machine), fontsize=7, color="#666666")
        fig.tight_layout(rect=(0, 0.04, 1, 1))
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{figure.id}.svg"
        fig.savefig(path, format="svg", metadata={"Date": None})
        return path
    finally:
        plt.close(fig)


def draw_all(results: Path, out: Path, only: Sequence[str] = ()) -> list[Path]:
    """Draw every figure of ``results/*.json`` (or only the ids in *only*) into *out*."""
    written = []
    for source in sorted(results.glob("*.json")) if results.is_dir() else []:
        try:
            bench, figures, machine = read_figures(source)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            print(f"charts: skipping {source}: not a results file ({exc})", file=sys.stderr)
            continue
        for figure in figures:
            if only and figure.id not in only:
                continue
            written.append(draw(figure, bench, machine, out))
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Draw the charts and list the files written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS, help="folder of *.json results")
    parser.add_argument("--out", type=Path, default=None, help="where to write (default: results)")
    parser.add_argument("ids", nargs="*", help="only these figure ids")
    args = parser.parse_args(argv)
    try:
        import matplotlib  # noqa: F401
    except ModuleNotFoundError:
        print("charts: needs matplotlib: pip install 'terrateam-toolkit[charts]'", file=sys.stderr)
        return 1
    written = draw_all(args.results, args.out or args.results, args.ids)
    if not written:
        print(f"charts: no figures in {args.results}/*.json (run `make bench` first)")
    for path in written:
        print(f"charts: wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
