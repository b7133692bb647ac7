"""``terrateam dirspaces``: one row per (dir, workspace) of every run."""

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
from terrateam_core.cli._output import emit

__all__ = ["app"]

app = new_app("Dirspaces (directory + workspace per run).")

_COLUMNS = [
    ("repo", "repo"),
    ("dir", "dir"),
    ("workspace", "workspace"),
    ("run_type", "type"),
    ("state", "state"),
    ("created_at", "created"),
    ("id", "work manifest"),
]


@app.command("list")
def list_dirspaces(
    ctx: typer.Context,
    q: Annotated[
        str | None, typer.Option("--q", "-q", help="Query, e.g. 'dir:prod and state:failure'.")
    ] = None,
    tz: Annotated[str | None, typer.Option("--tz", help="Time zone for dates in --q.")] = None,
    limit: LimitOpt = 100,
    output: OutputOpt = None,
    installation_id: InstallationOpt = None,
) -> None:
    """List dirspaces, newest first."""
    client = client_from_ctx(ctx, installation_id=installation_id)
    items = take(client.dirspaces.list(q=q, tz=tz, **page_args(limit)), limit)
    emit(items, output_format(output), columns=_COLUMNS, no_color=state_from_ctx(ctx).no_color)
