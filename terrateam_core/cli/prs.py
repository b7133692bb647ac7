"""``terrateam prs``: pull requests Terrateam knows about (GitHub only, as the server)."""

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

app = new_app("Pull requests of an installation.")

_COLUMNS = [
    ("pull_number", "pr"),
    ("owner", "owner"),
    ("name", "repo"),
    ("title", "title"),
    ("state", "state"),
    ("branch", "branch"),
    ("latest_work_manifest_run_at", "last run"),
]


@app.command("list")
def list_prs(
    ctx: typer.Context,
    pr: Annotated[int | None, typer.Option("--pr", help="Only this pull request number.")] = None,
    limit: LimitOpt = 100,
    output: OutputOpt = None,
    installation_id: InstallationOpt = None,
) -> None:
    """List pull requests, newest number first."""
    client = client_from_ctx(ctx, installation_id=installation_id)
    items = take(client.pull_requests.list(pr=pr, **page_args(limit)), limit)
    emit(items, output_format(output), columns=_COLUMNS, no_color=state_from_ctx(ctx).no_color)
