"""The ``terrateam`` command line: a thin Typer adapter over ``terrateam_core``.

This module only wires the command groups (one module each) onto the root app;
global options and error handling live in ``_common``.
"""

from __future__ import annotations

import typer

from terrateam_core.cli import artifact, kv, secrets
from terrateam_core.cli._common import RootGroup, root_callback

__all__ = ["app", "main"]

app = typer.Typer(
    name="terrateam",
    cls=RootGroup,
    callback=root_callback,
    no_args_is_help=True,
    # Plain click help: Rich would cost start-up time on every --help.
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(kv.app, name="kv")
app.add_typer(secrets.app, name="secrets")
app.add_typer(artifact.app, name="artifact")


def main() -> None:
    """Entry point of the ``terrateam`` console script."""
    app(prog_name="terrateam")
