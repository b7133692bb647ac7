"""bench/charts.py: the results shape of bench/_results.py round-trips, every figure becomes an
SVG with its series labels and its goal line's label, and missing results are not an error.
Synthetic results only: nothing here is timed."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))
import charts  # noqa: E402
from _results import Figure, read_figures, write_results  # noqa: E402


def _figures() -> list[Figure]:
    return [
        Figure(
            id="synthetic_ratio",
            title="Synthetic ratio over sizes",
            x_label="size (MiB)",
            y_label="throughput ÷ raw",
            series={"ours": [(1, 0.2), (16, 0.3), (64, 0.55)], "raw": [(1, 1.0), (64, 1.0)]},
            goal=0.5,
            goal_side="above",
            x_log=True,
        ),
        Figure(
            id="synthetic_cpu",
            title="Synthetic CPU per MiB",
            x_label="size (MiB)",
            y_label="client CPU per MiB (ms)",
            series={"put+get": [(1, 9.7), (64, 2.5)]},
            goal=3,
            goal_side="below",
        ),
        Figure(
            id="synthetic_bars",
            title="Synthetic commands",
            x_label="command",
            y_label="CPU ÷ python -c pass (×)",
            series={"python -c pass": [(0, 1.0)], "terrateam kv get KEY": [(0, 7.5)]},
            goal=8,
            goal_side="below",
            note="median of 3 runs",
        ),
    ]


def test_write_results_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "results" / "synthetic.json"
    figures = _figures()
    write_results(path, "synthetic", {"runs": 3}, figures)
    payload = json.loads(path.read_text())
    assert payload["bench"] == "synthetic"
    assert payload["raw"] == {"runs": 3}
    assert set(payload["machine"]) >= {"cpus", "python", "loadavg"}
    bench, read, machine = read_figures(path)
    assert bench == "synthetic"
    assert read == figures
    assert machine["cpus"] == payload["machine"]["cpus"]


def test_goal_label_names_side_and_unit() -> None:
    ratio, cpu, bars = _figures()
    assert charts.goal_label(ratio) == "goal ≥ 0.5"
    assert charts.goal_label(cpu) == "goal ≤ 3 ms"
    assert charts.goal_label(bars) == "goal ≤ 8×"


def test_one_svg_per_figure_with_labels_and_goal(tmp_path: Path) -> None:
    results, out = tmp_path / "results", tmp_path / "out"
    write_results(results / "synthetic.json", "synthetic", {}, _figures())
    written = charts.draw_all(results, out)
    assert sorted(p.name for p in written) == [
        "synthetic_bars.svg",
        "synthetic_cpu.svg",
        "synthetic_ratio.svg",
    ]
    for figure in _figures():
        svg = (out / f"{figure.id}.svg").read_text()
        assert svg.lstrip().startswith("<?xml")
        assert "</svg>" in svg
        assert figure.title in svg
        for label in figure.series:
            assert label in svg, (figure.id, label)
        assert charts.goal_label(figure) in svg, figure.id
        assert "<dc:date>" not in svg  # no date: the same input gives the same file


def test_same_input_same_svg(tmp_path: Path) -> None:
    results = tmp_path / "results"
    write_results(results / "synthetic.json", "synthetic", {}, _figures()[:1])
    first = charts.draw_all(results, tmp_path / "a")[0].read_bytes()
    second = charts.draw_all(results, tmp_path / "b")[0].read_bytes()
    assert first == second


def test_only_selected_ids_and_foreign_files_skipped(tmp_path: Path) -> None:
    results = tmp_path / "results"
    write_results(results / "synthetic.json", "synthetic", {}, _figures())
    (results / "old_shape.json").write_text(json.dumps({"kv_lookups_50_s": 1.2}))
    (results / "broken.json").write_text("{not json")
    written = charts.draw_all(results, tmp_path / "out", ["synthetic_cpu"])
    assert [p.name for p in written] == ["synthetic_cpu.svg"]


@pytest.mark.parametrize("make_dir", [False, True])
def test_missing_or_empty_results_are_fine(tmp_path: Path, make_dir: bool) -> None:
    results = tmp_path / "results"
    if make_dir:
        results.mkdir()
    proc = subprocess.run(
        [sys.executable, str(BENCH / "charts.py"), "--results", str(results)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "no figures" in proc.stdout
    assert not list(tmp_path.rglob("*.svg"))


def test_published_charts_exist() -> None:
    """Every chart docs/performance.md shows is committed under docs/performance/."""
    doc = BENCH.parent / "docs" / "performance.md"
    links = re.findall(r"!\[[^\]]*\]\(([^)]+\.svg)\)", doc.read_text())
    assert links, "docs/performance.md shows no chart"
    for link in links:
        svg = doc.parent / link
        assert svg.is_file(), link
        assert "</svg>" in svg.read_text(), link
