"""Who may use the developer API under ``/_emulator/`` (docs/emulator.md, "Security").

The developer API mints keys with any capability, hands out the demo key and wipes the
database, so only the emulator's owner may reach it. A request passes when either

* it carries the dev token (``X-Emulator-Token``, compared in constant time), or
* it comes from a loopback address, names a loopback ``Host`` (``127.0.0.1``, ``localhost``,
  ``[::1]``, any port) and, if it changes state (POST, PUT, DELETE), says
  ``Content-Type: application/json`` (``PUT /_emulator/blobs/…`` may also send
  ``application/octet-stream``).

A web page in the owner's browser therefore gets nowhere: a cross-site POST without a CORS
preflight can only be ``text/plain``/form data (refused), every other cross-site request needs
a preflight the emulator never grants, and DNS rebinding sends the attacker's host name in
``Host`` (refused). A process on another machine (``--host 0.0.0.0``) can forge ``Host`` but not
its address, so it needs the token. ``--no-dev-api`` removes the API: 404 like any unknown path.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from typing import Any

__all__ = ["TOKEN_HEADER", "DevGuardMiddleware", "is_loopback_host", "refusal"]

TOKEN_HEADER = "X-Emulator-Token"
_TOKEN_KEY = TOKEN_HEADER.lower().encode()
_STATE_CHANGING = frozenset({"POST", "PUT", "DELETE"})
_PREFIX = "/_emulator/"


def is_loopback_host(host: str) -> bool:
    """Whether an address or host name (no port) is loopback: ``localhost``, 127.0.0.0/8, ::1."""
    host = host.strip().rstrip(".").lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(addr, "ipv4_mapped", None)
    return bool(addr.is_loopback or (mapped is not None and mapped.is_loopback))


def _host_without_port(value: str) -> str:
    if value.startswith("["):
        return value.split("]", 1)[0] + "]"
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _headers(scope: Any) -> dict[bytes, bytes]:
    return dict(scope.get("headers", []))


def _media_type(value: bytes) -> str:
    return value.decode("latin-1").split(";", 1)[0].strip().lower()


def refusal(scope: Any, token: str | None) -> tuple[int, str] | None:
    """Return ``(status, reason)`` when a developer-API request must be refused, else None."""
    headers = _headers(scope)
    sent = headers.get(_TOKEN_KEY)
    if sent is not None:
        if token is not None and hmac.compare_digest(sent, token.encode()):
            return None
        return 403, f"wrong {TOKEN_HEADER}"
    client = scope.get("client")
    peer = client[0] if client else ""
    host = headers.get(b"host", b"").decode("latin-1")
    if not (is_loopback_host(peer) and is_loopback_host(_host_without_port(host))):
        return 403, (
            "the developer API answers loopback clients that send a loopback Host "
            f"(127.0.0.1, localhost, [::1]); from elsewhere send {TOKEN_HEADER} "
            "(serve --dev-token-file)"
        )
    if scope["method"] in _STATE_CHANGING:
        media = _media_type(headers.get(b"content-type", b""))
        allowed = {"application/json"}
        if scope["method"] == "PUT" and scope["path"].startswith(_PREFIX + "blobs/"):
            allowed.add("application/octet-stream")
        if media not in allowed:
            return 415, (
                f"{scope['method']} on the developer API needs Content-Type: application/json"
            )
    return None


class DevGuardMiddleware:
    """Pure ASGI middleware applying `refusal` (or 404 when the API is off) to ``/_emulator/``."""

    def __init__(self, app: Any, *, enabled: bool, token: str | None) -> None:
        self.app = app
        self.enabled = enabled
        self.token = token

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(_PREFIX):
            await self.app(scope, receive, send)
            return
        if not self.enabled:
            # Exactly the answer of any unknown path (upstream's route mismatch).
            await _send(send, 404, b"", b"text/html")
            return
        refused = refusal(scope, self.token)
        if refused is not None:
            status, reason = refused
            body = json.dumps({"error": reason}, separators=(",", ":")).encode()
            await _send(send, status, body, b"application/json")
            return
        await self.app(scope, receive, send)


async def _send(send: Any, status: int, body: bytes, content_type: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
