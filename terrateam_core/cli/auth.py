"""Top-level credential commands: ``configure``, ``whoami`` and ``token``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from terrateam_core.cli._common import (
    VCS_CHOICES,
    OutputOpt,
    client_from_ctx,
    new_app,
    output_format,
    state_from_ctx,
)
from terrateam_core.cli._output import OutputFormat, emit

__all__ = ["app"]

app = new_app()


def _read_api_key() -> str:
    # Never from argv (it would land in shell history and `ps`): a hidden prompt on a
    # terminal, otherwise the first line of stdin (`... | terrateam configure`).
    if sys.stdin.isatty():
        key = str(typer.prompt("Terrateam API key", hide_input=True))
    else:
        key = sys.stdin.readline()
    key = key.strip()
    if not key:
        raise typer.BadParameter("no API key given on stdin or at the prompt")
    return key


@app.command()
def configure(
    ctx: typer.Context,
    profile: Annotated[
        str | None,
        typer.Option(help="Profile to write [default: the global --profile or 'default']."),
    ] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", "--api-base")] = None,
    vcs: Annotated[str | None, typer.Option(help="github or gitlab.")] = None,
    installation_id: Annotated[
        str | None, typer.Option("--installation-id", "-i", metavar="ID")
    ] = None,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify/--no-verify",
            help="Check the key with one token refresh before saving it.",
        ),
    ] = True,
    output: OutputOpt = None,
) -> None:
    """Save a profile: API key, server, installation.

    The file is written with mode 0600 and replaced atomically.

    The API key is read from a hidden prompt, or from stdin when it is not a
    terminal; it is never accepted as an argument. The base URL defaults to
    --base-url, then TERRATEAM_BASE_URL. The key is checked against that server
    first (--no-verify to skip, e.g. offline); nothing is written if it fails.

    Example:

        terrateam configure --profile staging --base-url https://terrateam.example.com
    """
    import os

    from terrateam_core.config import check_base_url, parse_installation_id, write_profile

    state = state_from_ctx(ctx)
    vcs = vcs or state.vcs
    if vcs is not None and vcs not in VCS_CHOICES:
        raise typer.BadParameter(f"--vcs must be one of {', '.join(VCS_CHOICES)}")
    name = profile or state.profile or "default"
    url = base_url or state.base_url or os.environ.get("TERRATEAM_BASE_URL") or None
    if url is not None:
        url = check_base_url(url, "--base-url")
    inst = parse_installation_id(
        installation_id or state.installation_id, "installation_id argument"
    )
    api_key = _read_api_key()
    if verify:
        from terrateam_core import TerrateamClient

        with TerrateamClient(api_key, base_url=url, vcs=vcs) as probe:
            probe.get_access_token()  # raises AuthenticationError (exit 2) for a bad key
    path = write_profile(
        name,
        api_key=api_key,
        base_url=url,
        vcs=vcs,
        installation_id=inst,
    )
    fmt = output_format(output)
    if fmt is OutputFormat.table:
        typer.echo(f"Wrote profile '{name}' to {path} (mode 0600).")
    else:
        emit({"profile": name, "path": str(path)}, fmt)


@app.command()
def whoami(ctx: typer.Context, output: OutputOpt = None) -> None:
    """Show the user the API key belongs to."""
    client = client_from_ctx(ctx)
    fmt = output_format(output)
    emit(client.whoami(), fmt, no_color=state_from_ctx(ctx).no_color)


@app.command()
def token(
    ctx: typer.Context,
    export: Annotated[
        bool, typer.Option("--export", help="Print `export TERRATEAM_ACCESS_TOKEN=…`.")
    ] = False,
    output: Annotated[
        OutputFormat | None,
        typer.Option(
            "--output",
            "-o",
            help='json/yaml: {"access_token": …} [default: the bare token].',
            show_default=False,
        ),
    ] = None,
) -> None:
    """Print a fresh short-lived access token (for curl scripts).

    Unlike other commands the default is the bare token even when piped, so
    `TOKEN=$(terrateam token)` works.
    """
    # A fresh token is promised (the full 60 s), so not one another process cached.
    client = client_from_ctx(ctx, shared_token=False)
    value = client.get_access_token()
    if export:
        typer.echo(f"export TERRATEAM_ACCESS_TOKEN={value}")
    elif output is None or output is OutputFormat.table:
        typer.echo(value)
    else:
        emit({"access_token": value}, output)
