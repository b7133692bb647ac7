"""Unit tests of the pure report computation (terrateam_core.cli._report)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from terrateam_core.cli import _report


def _wm(
    wm_id: str,
    *,
    repo: str = "infra",
    state: str = "completed",
    run_type: str = "plan",
    created: str = "2026-11-20T10:00:00Z",
    completed: str | None = "2026-11-20T10:01:40Z",
    dirspaces: list[dict[str, object]] | None = None,
) -> dict[str, object]:
    run: dict[str, object] = {
        "id": wm_id,
        "owner": "acme",
        "repo": repo,
        "state": state,
        "run_type": run_type,
        "created_at": created,
        "dirspaces": dirspaces
        if dirspaces is not None
        else [{"dir": "prod", "workspace": "default", "success": True}],
    }
    if completed is not None:
        run["completed_at"] = completed
    return run


def test_percentile_interpolates_linearly() -> None:
    """p50 of an even count is the mean of the middle two; p95 interpolates; empty is None."""
    assert _report.percentile([10, 20, 30, 40], 50) == 25
    assert _report.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95) == pytest.approx(9.55)
    assert _report.percentile([7], 95) == 7
    assert _report.percentile([], 50) is None


def test_parse_time_reads_wire_timestamps() -> None:
    """The server's second-precision Z timestamps parse as aware UTC datetimes."""
    assert _report.parse_time("2026-11-20T10:00:00Z") == datetime(2026, 11, 20, 10, tzinfo=UTC)
    assert _report.parse_time("garbage") is None
    assert _report.parse_time(None) is None


def test_summarize_counts_states_types_and_success_rate() -> None:
    """Success means completed with no failed dirspace; running runs are not finished."""
    runs = [
        _wm("a"),
        _wm("b", run_type="apply", completed="2026-11-20T10:05:00Z"),
        _wm("c", dirspaces=[{"dir": "prod", "workspace": "default", "success": False}]),
        _wm("d", state="aborted"),
        _wm("e", state="running", completed=None),
    ]
    s = _report.summarize(runs)
    assert s["by_state"] == {"aborted": 1, "completed": 3, "running": 1}
    assert s["by_run_type"] == {"apply": 1, "plan": 4}
    assert s["total"]["runs"] == 5
    assert s["total"]["finished"] == 4
    assert s["total"]["succeeded"] == 2
    assert s["total"]["success_rate"] == 0.5


def test_summarize_durations_per_repo_and_dirspace() -> None:
    """p50/p95 per repo and per (repo, dir, workspace) come from completed_at - created_at."""
    runs = [
        _wm("a", completed="2026-11-20T10:00:10Z"),
        _wm("b", completed="2026-11-20T10:00:20Z"),
        _wm(
            "c",
            repo="app",
            completed="2026-11-20T10:01:00Z",
            dirspaces=[
                {"dir": "a", "workspace": "default", "success": True},
                {"dir": "b", "workspace": "staging", "success": False},
            ],
        ),
    ]
    s = _report.summarize(runs)
    repos = {r["repo"]: r for r in s["repos"]}
    assert repos["acme/infra"]["p50_seconds"] == 15.0
    assert repos["acme/infra"]["p95_seconds"] == 19.5
    assert repos["acme/app"]["success_rate"] == 0.0
    ds = {(d["repo"], d["dir"], d["workspace"]): d for d in s["dirspaces"]}
    assert ds[("acme/app", "a", "default")]["succeeded"] == 1
    assert ds[("acme/app", "b", "staging")]["succeeded"] == 0
    assert ds[("acme/app", "b", "staging")]["p50_seconds"] == 60.0


def test_summarize_slowest_runs_sorted_and_limited() -> None:
    """The slowest list is ordered by duration, longest first, and capped."""
    runs = [_wm(str(i), completed=f"2026-11-20T10:{i:02d}:00Z") for i in range(1, 6)]
    s = _report.summarize(runs, slowest=2)
    assert [r["id"] for r in s["slowest"]] == ["5", "4"]
    assert s["slowest"][0]["duration_seconds"] == 300.0


def test_summarize_empty_input() -> None:
    """No runs: zero counts and None (not 0 or NaN) for rates and percentiles."""
    s = _report.summarize([])
    assert s["total"] == {
        "runs": 0,
        "finished": 0,
        "succeeded": 0,
        "failed": 0,
        "success_rate": None,
        "p50_seconds": None,
        "p95_seconds": None,
    }
    assert s["repos"] == []
    assert s["slowest"] == []


def test_filter_since_drops_older_runs() -> None:
    """Runs created before the cut-off are dropped, runs at the cut-off kept."""
    runs = [_wm("old", created="2026-11-01T00:00:00Z"), _wm("new", created="2026-11-20T00:00:00Z")]
    kept = _report.filter_since(runs, datetime(2026, 11, 20, tzinfo=UTC))
    assert [r["id"] for r in kept] == ["new"]


def test_to_csv_has_one_row_per_scope() -> None:
    """CSV rows: all, each state, each run type, each repo, each dirspace."""
    s = _report.summarize([_wm("a"), _wm("b", repo="app", run_type="apply")])
    rows = list(csv.DictReader(io.StringIO(_report.to_csv(s))))
    scopes = [r["scope"] for r in rows]
    assert scopes == [
        "all",
        "state",
        "run_type",
        "run_type",
        "repo",
        "repo",
        "dirspace",
        "dirspace",
    ]
    assert rows[0]["runs"] == "2"
    assert rows[0]["success_rate"] == "1.0"


def test_to_markdown_renders_tables() -> None:
    """Markdown output holds a header row for each section and escapes pipes."""
    s = _report.summarize([_wm("a", repo="we|ird")])
    md = _report.to_markdown(s, title="Weekly")
    assert md.startswith("## Weekly\n")
    assert "| repo | runs | success | p50 s | p95 s |" in md
    assert "acme/we\\|ird" in md
    assert "### Slowest runs" in md
