"""``terrateam work-manifests``: runs (plans, applies, indexes) and their outputs."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from terrateam_core.cli._common import (
    InstallationOpt,
    LimitOpt,
    OutputOpt,
    client_from_ctx,
    new_app,
    output_format,
    page_args,
    state_from_ctx,
    take,
)
from terrateam_core.cli._duration import parse_duration
from terrateam_core.cli._errors import EXIT_OK, EXIT_RUN_FAILED
from terrateam_core.cli._output import emit, kind_cell, to_jsonable

__all__ = ["app", "run_succeeded"]

app = new_app("Work manifests (Terrateam runs).")

QOpt = Annotated[
    str | None,
    typer.Option("--q", "-q", help="Terrateam query, e.g. 'repo:infra and state:running'."),
]
TzOpt = Annotated[str | None, typer.Option("--tz", help="Time zone for dates in --q.")]

_COLUMNS = [
    ("id", "id"),
    ("repo", "repo"),
    ("kind", "kind"),
    ("run_type", "type"),
    ("state", "state"),
    ("created_at", "created"),
    ("completed_at", "completed"),
]
_OUTPUT_COLUMNS = [
    ("idx", "idx"),
    ("step", "step"),
    ("state", "state"),
    ("scope", "scope"),
    ("ignore_errors", "ignore errors"),
    ("created_at", "created"),
]


def run_succeeded(work_manifest: Any) -> bool:
    """True when a finished run completed and every dirspace in it succeeded."""
    data = to_jsonable(work_manifest)
    if data.get("state") != "completed":
        return False
    return all(ds.get("success") is not False for ds in data.get("dirspaces") or [])


@app.command("list")
def list_work_manifests(
    ctx: typer.Context,
    q: QOpt = None,
    tz: TzOpt = None,
    limit: LimitOpt = 100,
    output: OutputOpt = None,
    installation_id: InstallationOpt = None,
) -> None:
    """List work manifests, newest first.

    ``--q 'sort:asc'`` lists oldest first.
    """
    client = client_from_ctx(ctx, installation_id=installation_id)
    items = take(client.work_manifests.list(q=q, tz=tz, **page_args(limit)), limit)
    emit(
        items,
        output_format(output),
        columns=_COLUMNS,
        formatters={"kind": kind_cell},
        no_color=state_from_ctx(ctx).no_color,
    )


@app.command("get")
def get(
    ctx: typer.Context,
    wm_id: Annotated[str, typer.Argument(metavar="ID")],
    output: OutputOpt = None,
    installation_id: InstallationOpt = None,
) -> None:
    """Show one work manifest."""
    client = client_from_ctx(ctx, installation_id=installation_id)
    emit(client.work_manifests.get(wm_id), output_format(output))


@app.command("outputs")
def outputs(
    ctx: typer.Context,
    wm_id: Annotated[str, typer.Argument(metavar="ID")],
    q: QOpt = None,
    lite: Annotated[bool, typer.Option("--lite", help="Omit step payloads.")] = False,
    limit: LimitOpt = 0,
    output: OutputOpt = None,
    installation_id: InstallationOpt = None,
) -> None:
    """List the step outputs of a work manifest, in step order."""
    client = client_from_ctx(ctx, installation_id=installation_id)
    items = take(client.work_manifests.outputs(wm_id, q=q, lite=lite, **page_args(limit)), limit)
    emit(
        items, output_format(output), columns=_OUTPUT_COLUMNS, no_color=state_from_ctx(ctx).no_color
    )


@app.command("wait")
def wait(
    ctx: typer.Context,
    wm_id: Annotated[str, typer.Argument(metavar="ID")],
    timeout: Annotated[str, typer.Option(help="Give up after this long (e.g. 30m).")] = "30m",
    interval: Annotated[str, typer.Option(help="Poll interval.")] = "5s",
    output: OutputOpt = None,
    installation_id: InstallationOpt = None,
) -> None:
    """Wait for a run to finish; the exit code is its outcome.

    0: completed and every dirspace succeeded; 8: aborted or a dirspace failed;
    6: still running at --timeout.
    """
    try:
        seconds, poll = parse_duration(timeout), parse_duration(interval)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    client = client_from_ctx(ctx, installation_id=installation_id)
    if sys.stderr.isatty():
        typer.echo(f"waiting for work manifest {wm_id} (timeout {timeout})…", err=True)
    final = client.work_manifests.wait(wm_id, timeout=seconds, poll_interval=poll)
    emit(final, output_format(output), no_color=state_from_ctx(ctx).no_color)
    raise typer.Exit(EXIT_OK if run_succeeded(final) else EXIT_RUN_FAILED)
