"""``terrateam repos``: list an installation's repositories and refresh them."""

from __future__ import annotations

from typing import Annotated

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
from terrateam_core.cli._output import OutputFormat, emit

__all__ = ["app"]

app = new_app("Repositories of an installation.")

_COLUMNS = [("id", "id"), ("name", "name"), ("setup", "setup"), ("updated_at", "updated")]


@app.command("list")
def list_repos(
    ctx: typer.Context,
    limit: LimitOpt = 0,
    output: OutputOpt = None,
    installation_id: InstallationOpt = None,
) -> None:
    """List the installation's repositories (sorted by name)."""
    client = client_from_ctx(ctx, installation_id=installation_id)
    items = take(client.repos.list(**page_args(limit)), limit)
    emit(items, output_format(output), columns=_COLUMNS, no_color=state_from_ctx(ctx).no_color)


@app.command("refresh")
def refresh(
    ctx: typer.Context,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for the refresh task.")] = False,
    timeout: Annotated[str, typer.Option(help="With --wait: give up after this long.")] = "15m",
    output: OutputOpt = None,
    installation_id: InstallationOpt = None,
) -> None:
    """Re-read the installation's repositories from the VCS.

    Terrateam runs this as an asynchronous task.

    Without --wait, prints the task id. With --wait, exits 0 when the task
    completes, 8 when it fails or is aborted, 6 on timeout.
    """
    seconds = _duration_option(timeout)
    client = client_from_ctx(ctx, installation_id=installation_id)
    task_id = client.repos.refresh()
    fmt = output_format(output)
    if not wait:
        if fmt is OutputFormat.table:
            typer.echo(task_id)
        else:
            emit({"task_id": task_id}, fmt)
        return
    task = client.tasks.wait(task_id, timeout=seconds)
    emit(task, fmt, no_color=state_from_ctx(ctx).no_color)


def _duration_option(text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--timeout") from None
