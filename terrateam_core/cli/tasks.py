"""``terrateam tasks``: asynchronous server tasks (e.g. a repository refresh)."""

from __future__ import annotations

from typing import Annotated

import typer

from terrateam_core.cli._common import (
    OutputOpt,
    client_from_ctx,
    new_app,
    output_format,
    state_from_ctx,
)
from terrateam_core.cli._duration import parse_duration
from terrateam_core.cli._output import emit

__all__ = ["app"]

app = new_app("Asynchronous server tasks.")

IdArg = Annotated[str, typer.Argument(metavar="ID", help="Task id.")]


@app.command("get")
def get(ctx: typer.Context, task_id: IdArg, output: OutputOpt = None) -> None:
    """Show a task."""
    client = client_from_ctx(ctx)
    emit(client.tasks.get(task_id), output_format(output), no_color=state_from_ctx(ctx).no_color)


@app.command("wait")
def wait(
    ctx: typer.Context,
    task_id: IdArg,
    timeout: Annotated[str, typer.Option(help="Give up after this long (e.g. 15m).")] = "15m",
    output: OutputOpt = None,
) -> None:
    """Wait for a task to finish: exit 0 completed, 8 failed or aborted, 6 timeout."""
    try:
        seconds = parse_duration(timeout)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--timeout") from None
    client = client_from_ctx(ctx)
    task = client.tasks.wait(task_id, timeout=seconds)
    emit(task, output_format(output), no_color=state_from_ctx(ctx).no_color)
