"""The pure computation behind ``terrateam report`` (no I/O, no client).

Input is work manifests as plain dicts in their wire form (``created_at``,
``completed_at``, ``state``, ``run_type``, ``owner``, ``repo``, ``dirspaces``).
A run *finished* when its state is ``completed`` or ``aborted``; it *succeeded*
when it completed and none of its dirspaces has ``success: false``. Durations are
``completed_at - created_at`` of finished runs; percentiles interpolate linearly
between the closest ranks (numpy's default).
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "daily",
    "dirspace_rankings",
    "filter_since",
    "parse_time",
    "percentile",
    "summarize",
    "to_csv",
    "to_markdown",
]

FINISHED = frozenset({"completed", "aborted"})


def parse_time(value: Any) -> datetime | None:
    """Parse a wire timestamp (``YYYY-MM-DDTHH:MM:SSZ``) into an aware datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def percentile(values: Sequence[float], pct: float) -> float | None:
    """The *pct* percentile (0–100) of *values*, or None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def filter_since(runs: Iterable[Mapping[str, Any]], since: datetime) -> list[Mapping[str, Any]]:
    """Keep the runs created at or after *since*."""
    kept = []
    for run in runs:
        created = parse_time(run.get("created_at"))
        if created is not None and created >= since:
            kept.append(run)
    return kept


def _repo_name(run: Mapping[str, Any]) -> str:
    owner, repo = run.get("owner"), run.get("repo")
    return f"{owner}/{repo}" if owner else str(repo)


def _duration(run: Mapping[str, Any]) -> float | None:
    if run.get("state") not in FINISHED:
        return None
    start, end = parse_time(run.get("created_at")), parse_time(run.get("completed_at"))
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds())


def _succeeded(run: Mapping[str, Any]) -> bool:
    if run.get("state") != "completed":
        return False
    return all(ds.get("success") is not False for ds in run.get("dirspaces") or [])


class _Group:
    """Counters for one repo or one dirspace."""

    def __init__(self) -> None:
        self.runs = 0
        self.finished = 0
        self.succeeded = 0
        self.failed = 0
        self.durations: list[float] = []

    def add(self, *, finished: bool, succeeded: bool, duration: float | None) -> None:
        self.runs += 1
        self.finished += finished
        self.succeeded += succeeded
        self.failed += finished and not succeeded
        if duration is not None:
            self.durations.append(duration)

    def as_dict(self) -> dict[str, Any]:
        return {
            "runs": self.runs,
            "finished": self.finished,
            "succeeded": self.succeeded,
            "failed": self.failed,
            "success_rate": _rate(self.succeeded, self.finished),
            "p50_seconds": _round(percentile(self.durations, 50)),
            "p95_seconds": _round(percentile(self.durations, 95)),
        }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def summarize(runs: Iterable[Mapping[str, Any]], *, slowest: int = 10) -> dict[str, Any]:
    """Summarize work manifests: counts, success rate, duration percentiles, slowest runs."""
    runs = list(runs)
    by_state: Counter[str] = Counter()
    by_type: Counter[str] = Counter()
    total = _Group()
    repos: dict[str, _Group] = {}
    dirspaces: dict[tuple[str, str, str], _Group] = {}
    timed: list[tuple[float, Mapping[str, Any]]] = []
    for run in runs:
        by_state[str(run.get("state"))] += 1
        by_type[str(run.get("run_type"))] += 1
        finished, ok, duration = run.get("state") in FINISHED, _succeeded(run), _duration(run)
        total.add(finished=finished, succeeded=ok, duration=duration)
        repo = _repo_name(run)
        repos.setdefault(repo, _Group()).add(finished=finished, succeeded=ok, duration=duration)
        for ds in run.get("dirspaces") or []:
            key = (repo, str(ds.get("dir")), str(ds.get("workspace")))
            ds_ok = finished and run.get("state") == "completed" and ds.get("success") is not False
            dirspaces.setdefault(key, _Group()).add(
                finished=finished, succeeded=ds_ok, duration=duration
            )
        if duration is not None:
            timed.append((duration, run))
    timed.sort(key=lambda item: item[0], reverse=True)
    return {
        "total": total.as_dict(),
        "by_state": dict(sorted(by_state.items())),
        "by_run_type": dict(sorted(by_type.items())),
        "repos": [{"repo": name, **g.as_dict()} for name, g in sorted(repos.items())],
        "dirspaces": [
            {"repo": r, "dir": d, "workspace": w, **g.as_dict()}
            for (r, d, w), g in sorted(dirspaces.items())
        ],
        "slowest": [
            {
                "id": run.get("id"),
                "repo": _repo_name(run),
                "run_type": run.get("run_type"),
                "state": run.get("state"),
                "created_at": run.get("created_at"),
                "duration_seconds": _round(duration),
            }
            for duration, run in timed[:slowest]
        ],
    }


_CSV_FIELDS = [
    "scope",
    "name",
    "runs",
    "finished",
    "succeeded",
    "success_rate",
    "p50_seconds",
    "p95_seconds",
]


def _csv_rows(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [{"scope": "all", "name": "", **summary["total"]}]
    rows += [{"scope": "state", "name": k, "runs": v} for k, v in summary["by_state"].items()]
    rows += [{"scope": "run_type", "name": k, "runs": v} for k, v in summary["by_run_type"].items()]
    rows += [{"scope": "repo", "name": r["repo"], **r} for r in summary["repos"]]
    rows += [
        {"scope": "dirspace", "name": f"{d['repo']}:{d['dir']}:{d['workspace']}", **d}
        for d in summary["dirspaces"]
    ]
    return rows


def to_csv(summary: Mapping[str, Any]) -> str:
    """One CSV row per scope (all, state, run_type, repo, dirspace)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=_CSV_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in _csv_rows(summary):
        writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in _CSV_FIELDS})
    return buf.getvalue()


def _md_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    def fmt(value: Any) -> str:
        text = "-" if value is None else str(value)
        return text.replace("|", "\\|")

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _pct(rate: float | None) -> str | None:
    return None if rate is None else f"{rate * 100:.1f}%"


def to_markdown(summary: Mapping[str, Any], *, title: str = "Terrateam report") -> str:
    """The summary as Markdown sections (for PR comments and weekly reports)."""
    t = summary["total"]
    parts = [f"## {title}", headline(t)]
    if not t["runs"]:
        return "\n\n".join(parts) + "\n"
    parts += [
        "### By state\n\n" + _md_table(["state", "runs"], summary["by_state"].items()),
        "### By run type\n\n" + _md_table(["run type", "runs"], summary["by_run_type"].items()),
    ]
    stats = ["runs", "success", "p50 s", "p95 s"]

    def tail(g: Mapping[str, Any]) -> list[Any]:
        return [g["runs"], _pct(g["success_rate"]), g["p50_seconds"], g["p95_seconds"]]

    parts.append(
        "### Per repository\n\n"
        + _md_table(["repo", *stats], ([r["repo"], *tail(r)] for r in summary["repos"]))
    )
    parts.append(
        "### Per dirspace\n\n"
        + _md_table(
            ["repo", "dir", "workspace", *stats],
            ([d["repo"], d["dir"], d["workspace"], *tail(d)] for d in summary["dirspaces"]),
        )
    )
    parts.append(
        "### Slowest runs\n\n"
        + _md_table(
            ["id", "repo", "type", "state", "seconds"],
            (
                [s["id"], s["repo"], s["run_type"], s["state"], s["duration_seconds"]]
                for s in summary["slowest"]
            ),
        )
    )
    return "\n\n".join(parts) + "\n"


def headline(total: Mapping[str, Any]) -> str:
    """One line for a period: ``no runs`` when empty (never ``None``)."""
    if not total["runs"]:
        return "no runs"

    def secs(value: Any) -> str:
        return "-" if value is None else f"{value} s"

    return (
        f"{total['runs']} runs, {total['finished']} finished, success rate "
        f"{_pct(total['success_rate']) or '-'}, p50 {secs(total['p50_seconds'])}, "
        f"p95 {secs(total['p95_seconds'])}."
    )


STATE_SERIES = ("succeeded", "failed", "aborted", "in progress")


def _outcome(run: Mapping[str, Any]) -> str:
    state = run.get("state")
    if state == "aborted":
        return "aborted"
    if state == "completed":
        return "succeeded" if _succeeded(run) else "failed"
    return "in progress"


def daily(
    runs: Iterable[Mapping[str, Any]], start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """One row per UTC day from *start* to *end* (days without runs included): runs by
    outcome (succeeded, failed, aborted, in progress), success rate, p50/p95 seconds."""
    first = start.astimezone(UTC).date()
    last = end.astimezone(UTC).date()
    days: dict[Any, dict[str, Any]] = {}
    cur = first
    while cur <= last:
        days[cur] = {"runs": 0, **dict.fromkeys(STATE_SERIES, 0), "_group": _Group()}
        cur = cur.fromordinal(cur.toordinal() + 1)
    for run in runs:
        created = parse_time(run.get("created_at"))
        if created is None or created.astimezone(UTC).date() not in days:
            continue
        row = days[created.astimezone(UTC).date()]
        row["runs"] += 1
        row[_outcome(run)] += 1
        row["_group"].add(
            finished=run.get("state") in FINISHED,
            succeeded=_succeeded(run),
            duration=_duration(run),
        )
    out = []
    for day, row in days.items():
        stats = row.pop("_group").as_dict()
        out.append(
            {
                "day": day.isoformat(),
                **row,
                "success_rate": stats["success_rate"],
                "p50_seconds": stats["p50_seconds"],
                "p95_seconds": stats["p95_seconds"],
            }
        )
    return out


def dirspace_rankings(summary: Mapping[str, Any], *, top: int = 10) -> dict[str, Any]:
    """The slowest dirspaces (by p95) and the most failing (by failed runs, then rate)."""
    rows = list(summary["dirspaces"])
    slow = sorted(
        (r for r in rows if r["p95_seconds"] is not None),
        key=lambda r: (-r["p95_seconds"], r["repo"], r["dir"], r["workspace"]),
    )
    failing = sorted(
        (r for r in rows if r["failed"]),
        key=lambda r: (-r["failed"], r["success_rate"] or 0.0, r["repo"], r["dir"]),
    )
    return {"slowest_dirspaces": slow[:top], "failing_dirspaces": failing[:top]}
