"""Calls (no I/O) of the identity family: who am I, API keys (``access_tokens``); plus the
I/O-free helpers of ``access_tokens.create``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import SecretStr

from terrateam_core._call import Call, check_uuid, json_body, model_parser, quote_segment
from terrateam_core.models import (
    ApiKey,
    CreatedApiKey,
    WhoAmI,
    capabilities_to_json,
    parse_capability,
)

__all__ = [
    "access_token_create",
    "access_token_delete",
    "access_token_list",
    "created_key",
    "find_new_key",
    "new_keys",
    "whoami",
]


def whoami() -> Call[WhoAmI]:
    """``GET /api/v1/whoami``."""
    return Call("GET", "/api/v1/whoami", model_parser(WhoAmI))


def access_token_create(vcs: str, name: str, capabilities: Sequence[Any]) -> Call[str]:
    """``POST /api/v1/{vcs}/access-token`` → the new key (never retried: it is not idempotent)."""
    if not isinstance(name, str):
        raise TypeError("name must be a str")
    caps = capabilities_to_json([parse_capability(c) for c in capabilities])
    return Call(
        "POST",
        f"/api/v1/{quote_segment(vcs)}/access-token",
        model_parser(str, key="refresh_token"),
        body=json_body({"name": name, "capabilities": caps}),
        idempotent=False,
    )


def access_token_list(vcs: str) -> Call[list[ApiKey]]:
    """``GET /api/v1/{vcs}/access-token`` (the server returns the first 100 by name)."""
    return Call(
        "GET",
        f"/api/v1/{quote_segment(vcs)}/access-token",
        model_parser(list[ApiKey], key="results"),
    )


def access_token_delete(vcs: str, key_id: str) -> Call[None]:
    """``DELETE /api/v1/{vcs}/access-token?id=…`` (200 whether or not it existed)."""
    return Call(
        "DELETE",
        f"/api/v1/{quote_segment(vcs)}/access-token",
        lambda _r: None,
        params=[("id", check_uuid("API key id", key_id))],
    )


def new_keys(before: list[ApiKey], after: list[ApiKey], name: str) -> list[ApiKey]:
    """The keys with this name that appeared between two listings."""
    old = {k.id for k in before}
    return [k for k in after if k.id not in old and k.name == name]


def find_new_key(before: list[ApiKey], after: list[ApiKey], name: str) -> ApiKey | None:
    """The key that appeared between two listings with this name, if exactly one did."""
    fresh = new_keys(before, after, name)
    return fresh[0] if len(fresh) == 1 else None


def created_key(refresh: str, name: str, new: ApiKey | None) -> CreatedApiKey:
    """The result of ``access_tokens.create`` (the secret wrapped so it never prints)."""
    return CreatedApiKey(
        id=new.id if new else None,
        name=name,
        refresh_token=SecretStr(refresh),
        capabilities=new.capabilities if new else [],
    )
