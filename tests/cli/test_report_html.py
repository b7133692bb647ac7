"""`terrateam report --format html|svg|png` against the demo emulator, the HTML page rendered
by a real headless Chromium (Debian's; scripts/ensure-chromium.sh installs it): the screenshot
shows the charts' colours, the DOM holds the chart elements, the console stays silent."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from terrateam_core.cli import _charts, _report


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("chromium is not installed (scripts/ensure-chromium.sh installs it as root)")
    return found


def _browser(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium with a private profile; console messages go to stderr."""
    return subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",  # CI runs as root
            "--disable-gpu",
            "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _console(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.fixture
def dashboard(cli: Any, live: Any, tmp_path: Path) -> Path:
    out = tmp_path / "report.html"
    r = cli("report", "--since", "28d", "--all-installations", "-f", "html", "-O", str(out))
    assert r.exit_code == 0, r.stderr
    return out


def test_html_is_self_contained(dashboard: Path) -> None:
    html = dashboard.read_text()
    assert "<script" not in html
    # No resource is fetched at view time: the only URL is the SVG namespace.
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", html))
    assert urls == {"http://www.w3.org/2000/svg"}
    assert not re.search(r"<(link|img|iframe)\b", html)
    assert ">None<" not in html
    # Three periods (7d, 14d and the asked-for 28d), the longest shown first.
    assert re.findall(r'data-period="([^"]+)"', html) == ["7d", "14d", "28d"]
    assert 'id="period-2" class="period-radio" checked' in html
    assert "Installation github demo-org (12345)" in html
    assert "Installation gitlab demo-group (678)" in html


def test_html_in_chromium__dom_and_console(dashboard: Path, tmp_path: Path) -> None:
    result = _browser(tmp_path, "--dump-dom", dashboard.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    for kind in ("runs", "success", "duration"):
        assert dom.count(f'data-chart="{kind}"') >= 3, kind
    assert len(re.findall(r'<rect class="bar"', dom)) > 50
    assert len(re.findall(r'<circle class="point"', dom)) > 50
    assert "Slowest dirspaces (p95)" in dom
    assert "Most failing dirspaces" in dom
    assert _console(result.stderr) == []


def test_console_errors_are_seen(tmp_path: Path) -> None:
    """The console check above can fail: a page with an error is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><script>console.error('boom'); nope();</script></body></html>")
    result = _browser(tmp_path, "--dump-dom", bad.as_uri())
    assert any("boom" in line for line in _console(result.stderr))


def test_html_in_chromium__screenshot_shows_the_charts(dashboard: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    result = _browser(
        tmp_path, "--window-size=1400,2000", f"--screenshot={shot}", dashboard.as_uri()
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = pytest.importorskip("matplotlib.image", reason="matplotlib reads the PNG")
    pixels = image.imread(str(shot))[:, :, :3]

    def share(hex_color: str) -> float:
        rgb = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        close = (abs(pixels - rgb) < 0.02).all(axis=2)
        return float(close.mean())

    # What a person sees: green (succeeded) and orange (failed) bars, the blue rate line.
    assert share(_charts.COLORS["succeeded"]) > 0.002
    assert share(_charts.COLORS["failed"]) > 0.0005
    assert share(_charts.COLORS["success rate"]) > 0.0002
    assert share("#ffffff") > 0.5  # and mostly a white page, not an error screen


def test_empty_period_says_no_runs(cli: Any, live: Any, tmp_path: Path) -> None:
    out = tmp_path / "empty.html"
    r = cli("report", "--since", "1s", "-f", "html", "-O", str(out))
    assert r.exit_code == 0, r.stderr
    html = out.read_text()
    assert '<p class="empty">no runs</p>' in html
    assert "None" not in html
    md = cli("report", "--since", "1s", "-f", "markdown").stdout
    assert "no runs" in md
    assert "None" not in md


def test_svg_and_png_single_chart(cli: Any, live: Any, tmp_path: Path) -> None:
    svg = tmp_path / "runs.svg"
    r = cli("report", "--since", "28d", "-f", "svg", "--chart", "duration", "-O", str(svg))
    assert r.exit_code == 0, r.stderr
    text = svg.read_text()
    assert text.startswith("<svg")
    assert 'data-chart="duration"' in text
    assert text.count('class="point"') > 10
    png = tmp_path / "runs.png"
    r = cli("report", "--since", "28d", "-f", "png", "-O", str(png))
    if r.exit_code == 1 and "[charts]" in r.stderr:
        pytest.skip("matplotlib (the charts extra) is not installed")
    assert r.exit_code == 0, r.stderr
    assert png.read_bytes()[:4] == b"\x89PNG"
    bad = cli("report", "-f", "json", "-O", str(tmp_path / "x"))
    assert bad.exit_code == 1
    assert "--output-file" in bad.stderr


def test_daily_rows_and_rankings() -> None:
    from datetime import UTC, datetime

    runs = [
        {
            "state": "completed",
            "created_at": "2026-11-02T10:00:00Z",
            "completed_at": "2026-11-02T10:01:40Z",
            "owner": "o",
            "repo": "r",
            "dirspaces": [{"dir": "a", "workspace": "default", "success": False}],
        },
        {
            "state": "running",
            "created_at": "2026-11-02T11:00:00Z",
            "owner": "o",
            "repo": "r",
            "dirspaces": [],
        },
    ]
    rows = _report.daily(runs, datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC))
    assert [r["day"] for r in rows] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert rows[0]["runs"] == 0
    assert rows[0]["success_rate"] is None
    assert (rows[1]["failed"], rows[1]["in progress"], rows[1]["p50_seconds"]) == (1, 1, 100.0)
    ranks = _report.dirspace_rankings(_report.summarize(runs))
    assert [d["dir"] for d in ranks["failing_dirspaces"]] == ["a"]
    assert _report.headline(_report.summarize([])["total"]) == "no runs"
    svg = _charts.stacked_bars("t<&>", ["2026-11-01"], {"failed": [2]})
    assert "t&lt;&amp;&gt;" in svg
    assert 'data-value="2"' in svg
