"""``terrateam server``: the server's public configuration."""

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

app = new_app("Server information.")


@app.command("config")
def config(ctx: typer.Context, output: OutputOpt = None) -> None:
    """Show the server's configuration.

    Its VCS endpoints; no authentication needed.
    """
    client = client_from_ctx(ctx)
    emit(client.server.config(), output_format(output), no_color=state_from_ctx(ctx).no_color)
