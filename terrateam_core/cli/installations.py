"""``terrateam installations``: the installations the user can see."""

from __future__ import annotations

import typer

from terrateam_core.cli._common import (
    OutputOpt,
    client_from_ctx,
    new_app,
    output_format,
    state_from_ctx,
)
from terrateam_core.cli._output import emit

__all__ = ["app"]

app = new_app("GitHub/GitLab installations.")

_COLUMNS = [
    ("id", "id"),
    ("name", "name"),
    ("account_status", "status"),
    ("tier.name", "tier"),
    ("created_at", "created"),
]


@app.command("list")
def list_installations(ctx: typer.Context, output: OutputOpt = None) -> None:
    """List the current user's installations.

    For the chosen VCS (--vcs).
    """
    client = client_from_ctx(ctx)
    items = client.installations.list()
    emit(items, output_format(output), columns=_COLUMNS, no_color=state_from_ctx(ctx).no_color)
