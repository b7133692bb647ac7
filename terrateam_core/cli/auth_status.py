"""``terrateam auth status``: the settings in force, and whether the key works.

Like ``gh auth status``: one refresh shows at once whether the key is accepted by the
server the settings point at, and who it belongs to.
"""

from __future__ import annotations

from typing import Any

import typer

from terrateam_core.cli._common import (
    OutputOpt,
    client_from_ctx,
    new_app,
    output_format,
    state_from_ctx,
)
from terrateam_core.cli._errors import EXIT_AUTH, EXIT_OK, redact, report_error
from terrateam_core.cli._output import OutputFormat, emit
from terrateam_core.cli.config_cmd import describe_settings

__all__ = ["app"]

app = new_app("Check the credentials the CLI uses.")


def _check(ctx: typer.Context) -> tuple[dict[str, Any], BaseException | None]:
    from terrateam_core._jwt import decode_claims

    client = client_from_ctx(ctx)
    token = client.get_access_token()  # the one refresh that proves the key
    me = client.whoami()
    claims = decode_claims(token) or {}
    caps = (claims.get("terrateam") or {}).get("capabilities") if isinstance(claims, dict) else None
    return {"user": me.id, "vcs": list(me.vcs), "capabilities": caps}, None


@app.command("status")
def status(ctx: typer.Context, output: OutputOpt = None) -> None:
    """Show the settings in force and check the key.

    Where each setting comes from, then one token refresh against the server.

    Exit 0 when the server accepts the credential, 2 when it refuses it, 1 when no
    credential is configured, 5 when the server cannot be reached.

    Example:

        terrateam auth status
        terrateam --profile staging auth status -o json
    """
    rows = describe_settings(ctx)
    fmt = output_format(output)
    state = state_from_ctx(ctx)
    try:
        identity, _ = _check(ctx)
        error: BaseException | None = None
    except Exception as exc:  # reported below, after the settings that explain it
        identity, error = {}, exc
    if fmt is OutputFormat.table:
        emit(
            rows,
            fmt,
            columns=[("setting", "setting"), ("value", "value"), ("source", "source")],
            no_color=state.no_color,
        )
        if error is None:
            caps = identity.get("capabilities")
            typer.echo(f"✓ the server at {rows[1]['value']} accepts the credential")
            typer.echo(f"  user: {identity['user']} (vcs: {', '.join(identity['vcs']) or '-'})")
            if caps is not None:
                typer.echo(f"  token capabilities: {redact(str(caps))}")
    else:
        doc: dict[str, Any] = {
            row["setting"]: {"value": row["value"], "source": row["source"]} for row in rows
        }
        doc["status"] = {"ok": error is None, **identity}
        if error is not None:
            doc["status"]["error"] = redact(" ".join(str(error).split()))
        emit(doc, fmt)
    if error is not None:
        code = report_error(error, debug=state.debug)
        raise typer.Exit(code)
    raise typer.Exit(EXIT_OK if error is None else EXIT_AUTH)
