"""``terrateam report``: a summary of recent work manifests for dashboards."""

from __future__ import annotations

import enum
import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from terrateam_core.cli import _report
from terrateam_core.cli._common import InstallationOpt, client_from_ctx, new_app, state_from_ctx
from terrateam_core.cli._duration import parse_duration
from terrateam_core.cli._output import console, print_table, to_jsonable

if TYPE_CHECKING:
    from terrateam_core import TerrateamClient

__all__ = ["app", "build_query"]

app = new_app()


class ReportFormat(enum.StrEnum):
    """Values of ``--format``."""

    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    html = "html"
    svg = "svg"
    png = "png"


class Chart(enum.StrEnum):
    """Values of ``--chart`` (``--format svg|png``)."""

    runs = "runs"
    success = "success"
    duration = "duration"


_FILE_FORMATS = (ReportFormat.html, ReportFormat.svg, ReportFormat.png)
# Shorter periods offered beside --since in the HTML page's picker.
_PICKER = (("7d", 7 * 86400.0), ("14d", 14 * 86400.0), ("28d", 28 * 86400.0), ("90d", 90 * 86400.0))


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
            help="table, json, csv, markdown; html (a dashboard file), svg or png (one chart) "
            "[default: table on a terminal, json when piped].",
            show_default=False,
        ),
    ] = None,
    slowest: Annotated[int, typer.Option(min=0, help="How many slowest runs to list.")] = 10,
    installation_id: InstallationOpt = None,
    output_file: Annotated[
        Path | None,
        typer.Option(
            "--output-file",
            "-O",
            help="Where html/svg/png go [default: terrateam-report.<format>].",
            show_default=False,
        ),
    ] = None,
    chart: Annotated[Chart, typer.Option(help="The chart of --format svg/png.")] = Chart.runs,
    all_installations: Annotated[
        bool,
        typer.Option("--all-installations", help="Every installation the key's user belongs to."),
    ] = False,
) -> None:
    """Summarize work manifests: counts by state and run type, success rate,
    p50/p95 duration per repo and dirspace, and the slowest runs; or write an HTML
    dashboard (--format html) or one chart (--format svg|png)."""
    now = datetime.now(UTC)
    try:
        period = parse_duration(since)
        cutoff = now - timedelta(seconds=period)
    except (ValueError, OverflowError) as exc:
        raise typer.BadParameter(str(exc), param_hint="--since") from None
    if output_file is not None and fmt not in _FILE_FORMATS:
        raise typer.BadParameter("only with --format html, svg or png", param_hint="--output-file")
    client = client_from_ctx(ctx, installation_id=installation_id)
    runs, installations = _fetch(client, cutoff, repo, all_installations)
    if fmt in _FILE_FORMATS:
        assert fmt is not None
        target = output_file or Path(f"terrateam-report.{fmt.value}")
        _write_file(
            fmt,
            target,
            runs,
            installations,
            now=now,
            cutoff=cutoff,
            since=since,
            period=period,
            chart=chart,
            repo=repo,
        )
        typer.echo(f"wrote {target}", err=True)
        return
    summary: dict[str, Any] = {
        "since": cutoff.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "until": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "repo": repo,
        **_report.summarize(runs, slowest=slowest),
    }
    if all_installations:
        summary["installations"] = installations
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


def _fetch(
    client: TerrateamClient, cutoff: datetime, repo: str | None, all_installations: bool
) -> tuple[list[Any], list[str]]:
    """The period's runs (as dicts, ``installation`` added with --all-installations)."""
    query = build_query(cutoff, repo)
    targets: list[tuple[str | None, int | str | None, str]] = [(None, None, "")]
    if all_installations:
        targets = _installations(client)
    runs: list[Any] = []
    for vcs, inst_id, label in targets:
        listing = client.work_manifests.list(q=query, limit=100, installation_id=inst_id, vcs=vcs)
        for wm in listing:
            row = to_jsonable(wm)
            if label:
                row["installation"] = label
            runs.append(row)
    runs = _report.filter_since(runs, cutoff)
    if repo and "/" in repo:
        runs = [r for r in runs if f"{r.get('owner')}/{r.get('repo')}" == repo]
    return runs, [label for _, _, label in targets if label]


def _installations(client: TerrateamClient) -> list[tuple[str | None, int | str | None, str]]:
    """Every installation of the user on GitHub and GitLab (a VCS the user has no account
    on answers an error: it is skipped, unless it is the client's own)."""
    from terrateam_core.errors import APIStatusError

    found: list[tuple[str | None, int | str | None, str]] = []
    own = client.vcs
    for vcs in (own, *(v for v in ("github", "gitlab") if v != own)):
        try:
            items = client.installations.list(vcs=vcs)
        except APIStatusError:
            if vcs == own:
                raise
            continue
        found += [(vcs, i.id, f"{vcs} {i.name} ({i.id})") for i in items]
    return found


def _write_file(
    fmt: ReportFormat,
    target: Path,
    runs: list[Any],
    installations: list[str],
    *,
    now: datetime,
    cutoff: datetime,
    since: str,
    period: float,
    chart: Chart,
    repo: str | None,
) -> None:
    from terrateam_core.cli import _report_html as html

    title = repo or ("all installations" if installations else "all repositories")
    if fmt is ReportFormat.html:
        periods = [html.Period(label, secs) for label, secs in _PICKER if secs < period]
        periods.append(html.Period(since, period))
        scopes = [html.Scope(f"All runs ({title})", lambda r: True)]
        if len(installations) > 1:
            scopes += [
                html.Scope(f"Installation {label}", _keep("installation", label))
                for label in installations
            ]
        repos = sorted({_report_repo(r) for r in runs})
        scopes += [html.Scope(name, _keep("repo", name), level=3) for name in repos]
        text = html.render_html(
            runs,
            now=now,
            periods=periods,
            scopes=scopes,
            subtitle=f"generated {now:%Y-%m-%d %H:%M} UTC"
            + (f"; installations: {', '.join(installations)}" if installations else ""),
        )
        _write_private(target, text.encode())
        return
    rows = _report.daily(runs, cutoff, now)
    if fmt is ReportFormat.svg:
        _write_private(target, html.chart_svg(chart.value, rows, title).encode())
        return
    from terrateam_core.cli import _report_png

    try:
        data = _report_png.chart_png(chart.value, rows, title)
    except ModuleNotFoundError as exc:
        from terrateam_core._extras import missing_extra

        error = missing_extra(exc, "report --format png", tip="or use --format svg")
        if error is None:
            raise
        raise error from None
    _write_private(target, data)


def _keep(field: str, value: str) -> Callable[[Any], bool]:
    """A scope's filter: runs of one installation or one repository."""
    if field == "repo":
        return lambda run: _report_repo(run) == value
    return lambda run: run.get(field) == value


def _report_repo(run: Any) -> str:
    owner, name = run.get("owner"), run.get("repo")
    return f"{owner}/{name}" if owner else str(name)


def _write_private(target: Path, data: bytes) -> None:
    """Write atomically (a temp file beside it, then rename): never a half-written report."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _pct_cell(rate: Any) -> str:
    return "-" if rate is None else f"{rate * 100:.1f}%"


def _print_tables(summary: dict[str, Any], *, no_color: bool) -> None:
    total = summary["total"]
    rate = total["success_rate"]
    if not total["runs"]:
        console(no_color=no_color).print(f"no runs since {summary['since']}", markup=False)
        return
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
