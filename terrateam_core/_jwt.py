"""Unverified JWT payload reading: only to schedule refreshes and classify credentials.

The client cannot verify Terrateam's HS256 signature and must not try to authorise anything
with these claims (the server decides access); never log the decoded claims.
"""

from __future__ import annotations

import base64
import json
from email.utils import parsedate_to_datetime
from typing import Any

__all__ = [
    "MAX_TTL",
    "decode_claims",
    "is_refresh_key",
    "server_now",
    "token_exp",
    "token_lifetime",
]

MAX_TTL = 60.0


def decode_claims(token: str) -> dict[str, Any] | None:
    """Return the JWT payload as a dict, or ``None`` if ``token`` is not a readable JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1]
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        claims = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    return claims if isinstance(claims, dict) else None


def token_exp(token: str) -> float | None:
    """Return the numeric ``exp`` claim of a JWT, or ``None`` when absent or unreadable."""
    claims = decode_claims(token)
    if claims is None:
        return None
    exp = claims.get("exp")
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        return None
    return float(exp)


def is_refresh_key(token: str) -> bool:
    """Tell whether ``token`` is an API key (to exchange) rather than a bearer token.

    An API key's only capability is ``access_token_refresh`` (docs/contract.md §1.1). A token that
    is not a readable JWT is treated as an API key, since that is the common mistake to surface.
    """
    claims = decode_claims(token)
    if claims is None:
        return True
    inner = claims.get("terrateam")
    if not isinstance(inner, dict):
        return True
    caps = inner.get("capabilities")
    return caps == ["access_token_refresh"]


def server_now(date_header: str | None) -> float | None:
    """Parse an HTTP ``Date`` header into epoch seconds, or ``None``."""
    if not date_header:
        return None
    try:
        return parsedate_to_datetime(date_header).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def token_lifetime(token: str, *, date_header: str | None, local_now: float) -> float:
    """Seconds the access token stays valid from the moment its response was produced.

    ``exp`` is stamped with the server's clock, so it is compared with the later of the local
    clock and the response's ``Date``, and clamped to 1..60 s; 60 s without a readable ``exp``.
    """
    exp = token_exp(token)
    if exp is None:
        return MAX_TTL
    date = server_now(date_header)
    # Date has one-second resolution and may be cached by the server (uvicorn refreshes it
    # once a second, later under load), so it only ever moves our estimate forward: a server
    # clearly ahead of us is believed; a Date behind our clock is stale, not a slow server.
    now = local_now if date is None else max(local_now, date)
    return max(1.0, min(MAX_TTL, exp - now))
