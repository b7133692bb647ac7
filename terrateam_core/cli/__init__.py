"""The ``terrateam`` command line: a thin Typer adapter over ``terrateam_core``.

This module only wires the command groups (one module each) onto the root app;
global options and error handling live in ``_common``.
"""

from __future__ import annotations

import typer

from terrateam_core.cli import (
    api_keys,
    artifact,
    auth,
    dirspaces,
    installations,
    kv,
    prs,
    report,
    repos,
    secrets,
    server,
    stacks,
    tasks,
    work_manifests,
)
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
# Unnamed sub-apps contribute top-level commands (configure, whoami, token, report).
app.add_typer(auth.app)
app.add_typer(api_keys.app, name="api-keys")
app.add_typer(kv.app, name="kv")
app.add_typer(artifact.app, name="artifact")
app.add_typer(secrets.app, name="secrets")
app.add_typer(installations.app, name="installations")
app.add_typer(repos.app, name="repos")
app.add_typer(prs.app, name="prs")
app.add_typer(work_manifests.app, name="work-manifests")
app.add_typer(dirspaces.app, name="dirspaces")
app.add_typer(stacks.app, name="stacks")
app.add_typer(tasks.app, name="tasks")
app.add_typer(server.app, name="server")
app.add_typer(report.app)


def main() -> None:
    """Entry point of the ``terrateam`` console script."""
    app(prog_name="terrateam")
