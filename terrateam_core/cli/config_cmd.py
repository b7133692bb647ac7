"""``terrateam config list``: every effective setting and where it came from.

Like ``aws configure list``: when a command talks to the wrong server or with the wrong
key, this shows which flag, variable, profile or default won. Secrets are never shown,
only whether they are set, their kind and a short fingerprint to tell two keys apart.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

import typer

from terrateam_core.cli._common import OutputOpt, new_app, output_format, state_from_ctx
from terrateam_core.cli._output import OUTPUT_ENV, OutputFormat, emit

__all__ = ["app", "describe_settings", "fingerprint"]

app = new_app("Show the configuration the CLI uses.")

# How the core names an explicit argument, and the CLI flag that supplies it.
_FLAG_FOR_ARGUMENT = {
    "base_url argument": "--base-url",
    "vcs argument": "--vcs",
    "installation_id argument": "--installation-id",
    "profile argument": "--profile",
}
_COLUMNS = [("setting", "setting"), ("value", "value"), ("source", "source")]


def fingerprint(secret: str) -> str:
    """A short, non-reversible tag telling two secrets apart (``sha256:1a2b3c4d``)."""
    return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()[:8]


def _credential_kind(secret: str) -> str:
    from terrateam_core._jwt import decode_claims, is_refresh_key

    if is_refresh_key(secret):
        return "API key"
    claims = decode_claims(secret) or {}
    return "run token" if "work_manifest_id" in str(claims) else "access token"


def describe_settings(ctx: typer.Context) -> list[dict[str, Any]]:
    """Rows of (setting, value, source) for the invocation's effective configuration."""
    from terrateam_core.config import DEFAULT_MAX_RETRIES, load_settings, max_retries_from_env

    kwargs = state_from_ctx(ctx).client_kwargs()
    settings = load_settings(require_credential=False, **kwargs)

    def source(name: str) -> str:
        raw = settings.sources.get(name, "")
        return _FLAG_FOR_ARGUMENT.get(raw, raw)

    secret = settings.api_key or settings.access_token
    if secret is None:
        credential = "not set"
    else:
        value = secret.get_secret_value()
        credential = f"{_credential_kind(value)} (redacted, {fingerprint(value)})"
    path = settings.config_file
    file_note = "" if path is None or path.exists() else " (does not exist)"
    retries_env = os.environ.get("TERRATEAM_MAX_RETRIES", "").strip()
    output_env = os.environ.get(OUTPUT_ENV, "").strip()
    return [
        {"setting": "credential", "value": credential, "source": source("credential")},
        {"setting": "base_url", "value": settings.base_url, "source": source("base_url")},
        {"setting": "vcs", "value": settings.vcs, "source": source("vcs")},
        {
            "setting": "installation_id",
            "value": "" if settings.installation_id is None else str(settings.installation_id),
            "source": source("installation_id"),
        },
        {
            "setting": "profile",
            "value": settings.profile or "default",
            "source": source("profile"),
        },
        {
            "setting": "config_file",
            "value": f"{path}{file_note}",
            "source": source("config_file"),
        },
        {
            "setting": "max_retries",
            "value": str(max_retries_from_env()),
            "source": "TERRATEAM_MAX_RETRIES"
            if retries_env
            else f"default ({DEFAULT_MAX_RETRIES})",
        },
        *_connection_rows(),
        {
            "setting": "output",
            "value": output_env or "table on a terminal, json when piped",
            "source": OUTPUT_ENV if output_env else "default",
        },
    ]


def _connection_rows() -> list[dict[str, Any]]:
    """Timeout and TLS settings: the variables every component reads (docs/cli.md)."""
    from terrateam_core.config import DEFAULT_TIMEOUT, request_timeout_from_env

    def env_source(name: str, default: str) -> str:
        return name if os.environ.get(name, "").strip() else f"default ({default})"

    validate = os.environ.get("TERRATEAM_VALIDATE_CERTS", "").strip() or "true"
    ca_path = os.environ.get("TERRATEAM_CA_PATH", "").strip()
    return [
        {
            "setting": "timeout",
            "value": f"{request_timeout_from_env():g}",
            "source": env_source("TERRATEAM_TIMEOUT", f"{DEFAULT_TIMEOUT:g}"),
        },
        {
            "setting": "validate_certs",
            "value": validate,
            "source": env_source("TERRATEAM_VALIDATE_CERTS", "true"),
        },
        {
            "setting": "ca_path",
            "value": ca_path or "system CA store",
            "source": env_source("TERRATEAM_CA_PATH", "system CA store"),
        },
    ]


@app.command("list")
def list_settings(ctx: typer.Context, output: OutputOpt = None) -> None:
    """List each setting and where it comes from.

    The source is a flag, a variable, a profile or the default.

    Secrets are shown as their kind and a fingerprint, never in clear. Nothing is sent
    to the server; `terrateam auth status` also checks the key.

    Example:

        TERRATEAM_PROFILE=ci terrateam config list
    """
    rows = describe_settings(ctx)
    fmt = output_format(output)
    if fmt is OutputFormat.table:
        emit(rows, fmt, columns=_COLUMNS, no_color=state_from_ctx(ctx).no_color)
    else:
        emit(
            {row["setting"]: {"value": row["value"], "source": row["source"]} for row in rows}, fmt
        )
