"""``terrateam api-keys``: create, list and delete API keys (access tokens)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from terrateam_core.cli._common import (
    OutputOpt,
    client_from_ctx,
    new_app,
    output_format,
    state_from_ctx,
)
from terrateam_core.cli._output import OutputFormat, emit

LIST_CAP = 100  # the server lists at most this many API keys

__all__ = ["app", "parse_cap"]

app = new_app("Create, list and delete API keys.")

_COLUMNS = [("id", "id"), ("name", "name"), ("capabilities", "capabilities")]


def parse_cap(text: str) -> Any:
    """Turn one ``--cap`` value into a capability.

    Accepts a bare name (``kv_store_read``), ``installation_id=12345``,
    ``vcs=github`` or a JSON object (``{"name":"vcs","vcs":"github"}``).
    """
    from terrateam_core.models import parse_capability

    try:
        return parse_capability(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--cap") from None


def _write_secret_file(path: Path, secret: str) -> None:
    # Created 0600 from the start (no window where the key is world-readable), and
    # tightened if the file already existed with a wider mode.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, (secret + "\n").encode())
    finally:
        os.close(fd)


@app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A name for the key.")],
    cap: Annotated[
        list[str],
        typer.Option(
            "--cap",
            help="Capability: kv_store_read, installation_id=12345, vcs=github or a "
            "JSON object. Repeat for several.",
        ),
    ],
    output_file: Annotated[
        Path | None,
        typer.Option("--output-file", help="Write the key to this file (mode 0600), not stdout."),
    ] = None,
    output: OutputOpt = None,
) -> None:
    """Create an API key; the key is printed once (or written with --output-file)."""
    caps = [parse_cap(c) for c in cap]
    client = client_from_ctx(ctx)
    created = client.access_tokens.create(name, caps)
    secret = created.refresh_token.get_secret_value()
    result: dict[str, Any] = {
        "id": created.id,
        "name": created.name,
        "capabilities": _caps_json(created.capabilities),
    }
    if output_file is not None:
        _write_secret_file(output_file, secret)
        result["api_key_file"] = str(output_file)
    else:
        result["api_key"] = secret
    _warn_dropped(caps, result["capabilities"])
    fmt = output_format(output)
    emit(result, fmt, no_color=state_from_ctx(ctx).no_color)
    if fmt is OutputFormat.table and output_file is None:
        typer.echo("Store the API key now: it cannot be shown again.", err=True)


def _warn_dropped(requested: list[Any], granted: Any) -> None:
    # Terrateam silently drops requested capabilities the caller does not hold itself
    # (docs/contract.md §3.1); say so, or a CI job finds out only when the key is refused.
    granted_json = [json.dumps(c, sort_keys=True) for c in granted or []]
    dropped = [
        c for c in _caps_json(requested) if json.dumps(c, sort_keys=True) not in granted_json
    ]
    if granted and dropped:
        names = ", ".join(json.dumps(c, separators=(",", ":")) for c in dropped)
        typer.echo(
            f"warning: the server did not grant {names} (a key can only get capabilities "
            "its creator's credentials hold)",
            err=True,
        )


def _caps_json(caps: Any) -> Any:
    from terrateam_core.cli._output import to_jsonable

    return to_jsonable(caps)


@app.command("list")
def list_keys(ctx: typer.Context, output: OutputOpt = None) -> None:
    """List the API keys of the current user."""
    client = client_from_ctx(ctx)
    keys = client.access_tokens.list()
    emit(keys, output_format(output), columns=_COLUMNS, no_color=state_from_ctx(ctx).no_color)


@app.command("delete")
def delete(
    ctx: typer.Context,
    key_id: Annotated[str, typer.Argument(metavar="ID", help="The key's id.")],
    output: OutputOpt = None,
) -> None:
    """Delete (revoke) an API key.

    The server answers the same for an unknown id, so the key list is read first to say
    whether anything was deleted ("deleted": false, exit 0: the key is gone either way).
    """
    from terrateam_core._call import check_uuid

    key_id = check_uuid("API key id", key_id)
    client = client_from_ctx(ctx)
    keys = client.access_tokens.list()
    # The list stops at 100 keys: past that, absence from it proves nothing.
    existed: bool | None = True if any(k.id == key_id for k in keys) else None
    if existed is None and len(keys) < LIST_CAP:
        existed = False
    client.access_tokens.delete(key_id)  # always: deleting is idempotent on the server
    fmt = output_format(output)
    if fmt is OutputFormat.table:
        typer.echo(
            f"No API key {key_id}; nothing deleted."
            if existed is False
            else f"Deleted API key {key_id}."
        )
    else:
        emit({"id": key_id, "deleted": existed}, fmt)
