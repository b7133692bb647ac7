"""``terrateam report``: a summary of recent work manifests for dashboards."""

from __future__ import annotations

import enum
import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer

from terrateam_core.cli import _report
from terrateam_core.cli._common import InstallationOpt, client_from_ctx, new_app, state_from_ctx
from terrateam_core.cli._duration import parse_duration
from terrateam_core.cli._output import console, print_table, to_jsonable

__all__ = ["app", "build_query"]

app = new_app()


class ReportFormat(enum.StrEnum):
    """Values of ``--format``."""

    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


def build_query(since: datetime, repo: str | None) -> str:
    """A server-side ``q`` that narrows to the period (day precision) and repo.

    Day precision keeps the query in the form every Terrateam version accepts;
    the exact cut-off is applied client-side by ``_report.filter_since``.
    """
    query = f"created_at:{since.astimezone(UTC):%Y-%m-%d}.."
    if repo:
        # The `repo:` tag matches the repository name without its owner.
        query += f" and repo:{repo.rsplit('/', 1)[-1]}"
    return query


@app.command()
def report(
    ctx: typer.Context,
    since: Annotated[str, typer.Option(help="Period to cover, e.g. 24h, 7d, 4w.")] = "7d",
    repo: Annotated[str | None, typer.Option(help="Only this repository.")] = None,
    fmt: Annotated[
        ReportFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="Report format [default: table on a terminal, json when piped].",
            show_default=False,
        ),
    ] = None,
    slowest: Annotated[int, typer.Option(min=0, help="How many slowest runs to list.")] = 10,
    installation_id: InstallationOpt = None,
) -> None:
    """Summarize work manifests: counts by state and run type, success rate,
    p50/p95 duration per repo and dirspace, and the slowest runs."""
    now = datetime.now(UTC)
    try:
        cutoff = now - timedelta(seconds=parse_duration(since))
    except (ValueError, OverflowError) as exc:
        raise typer.BadParameter(str(exc), param_hint="--since") from None
    client = client_from_ctx(ctx, installation_id=installation_id)
    runs = [
        to_jsonable(wm) for wm in client.work_manifests.list(q=build_query(cutoff, repo), limit=100)
    ]
    runs = _report.filter_since(runs, cutoff)
    if repo and "/" in repo:
        runs = [r for r in runs if f"{r.get('owner')}/{r.get('repo')}" == repo]
    summary: dict[str, Any] = {
        "since": cutoff.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "until": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "repo": repo,
        **_report.summarize(runs, slowest=slowest),
    }
    if fmt is None:
        fmt = ReportFormat.table if sys.stdout.isatty() else ReportFormat.json
    if fmt is ReportFormat.json:
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    elif fmt is ReportFormat.csv:
        sys.stdout.write(_report.to_csv(summary))
    elif fmt is ReportFormat.markdown:
        sys.stdout.write(_report.to_markdown(summary, title=f"Terrateam report since {since}"))
    else:
        _print_tables(summary, no_color=state_from_ctx(ctx).no_color)


def _pct_cell(rate: Any) -> str:
    return "-" if rate is None else f"{rate * 100:.1f}%"


def _print_tables(summary: dict[str, Any], *, no_color: bool) -> None:
    total = summary["total"]
    rate = total["success_rate"]
    console(no_color=no_color).print(
        f"{total['runs']} runs since {summary['since']}, {total['finished']} finished, "
        f"success rate {_pct_cell(rate)}",
        markup=False,
    )
    counts = [{"state": k, "runs": v} for k, v in summary["by_state"].items()]
    print_table(counts, title="By state", no_color=no_color)
    types = [{"run type": k, "runs": v} for k, v in summary["by_run_type"].items()]
    print_table(types, title="By run type", no_color=no_color)
    stats = [
        ("runs", "runs"),
        ("success_rate", "success"),
        ("p50_seconds", "p50 s"),
        ("p95_seconds", "p95 s"),
    ]
    pct = {"success_rate": _pct_cell}
    print_table(
        summary["repos"],
        columns=[("repo", "repo"), *stats],
        title="Per repository",
        formatters=pct,
        no_color=no_color,
    )
    print_table(
        summary["dirspaces"],
        columns=[("repo", "repo"), ("dir", "dir"), ("workspace", "workspace"), *stats],
        title="Per dirspace",
        formatters=pct,
        no_color=no_color,
    )
    print_table(
        summary["slowest"],
        columns=[
            ("id", "id"),
            ("repo", "repo"),
            ("run_type", "type"),
            ("state", "state"),
            ("duration_seconds", "seconds"),
        ],
        title="Slowest runs",
        no_color=no_color,
    )
