"""Input limits that keep hostile requests from crashing the emulator (docs/emulator.md,
"Security").

* JSON nesting: a request body may nest at most `MAX_JSON_DEPTH` levels below its outer
  object (so a KV value may nest `MAX_JSON_DEPTH` levels). Python's parser and the emulator's
  jsonb rendering recurse once or twice per level; a few hundred levels would exhaust the
  interpreter's recursion limit (1000 frames) and end in a 500. Real documents (Terraform
  plans and states, CI metadata) stay below 30 levels, so 256 is generous.
* Body size: `BodyLimitMiddleware` (``serve --max-body BYTES``) answers 413 before reading a
  body whose ``Content-Length`` is too large, and stops a chunked body as soon as it passes
  the limit.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "MAX_JSON_DEPTH",
    "BodyLimitMiddleware",
    "BodyTooLarge",
    "LimitExceeded",
    "error_body",
    "json_too_deep",
    "nesting_error",
]

MAX_JSON_DEPTH = 256

# A JSON string (unrolled loop: fast on megabytes of base64) or one bracket.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.S)


class LimitExceeded(Exception):
    """A request beyond one of the limits: ``status`` (400, 413) with a message and an id."""

    def __init__(self, status: int, error_id: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_id = error_id
        self.message = message


class BodyTooLarge(LimitExceeded):
    """The request body is larger than ``--max-body``."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            "BODY_TOO_LARGE",
            f"the request body is larger than {limit} bytes (the emulator's --max-body)",
        )


def nesting_error(limit: int = MAX_JSON_DEPTH) -> LimitExceeded:
    """The error for a JSON document nested deeper than ``limit``."""
    return LimitExceeded(
        400,
        "JSON_TOO_DEEP",
        f"JSON nested deeper than {limit} levels (the emulator's limit; see the Security "
        "section of docs/emulator.md)",
    )


def _at_most(text: str, limit: int) -> bool:
    """Whether ``text`` holds at most ``limit`` of ``[`` and ``{`` together.

    ``str.find`` per bracket (memchr) rather than ``str.count`` (a byte loop): a megabyte of
    base64 holds none, and this stops as soon as the count passes ``limit``.
    """
    seen = 0
    for ch in "[{":
        i = text.find(ch)
        while i >= 0:
            seen += 1
            if seen > limit:
                return False
            i = text.find(ch, i + 1)
    return True


def json_too_deep(text: str | bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``text`` opens more than ``limit`` nested arrays/objects (strings skipped).

    Iterative, so any depth is safe to check. Cheap in the common case: a text with at most
    ``limit`` brackets in all cannot be too deep, and counting is done in C.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="surrogateescape")
    if _at_most(text, limit):
        return False
    depth = 0
    for match in _TOKEN.finditer(text):
        ch = match.group()
        if ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False


class BodyLimitMiddleware:
    """Pure ASGI middleware: 413 for request bodies larger than ``limit`` bytes."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _content_length(scope)
        if length is not None and length > self.limit:
            # Answer before reading a byte of the body; the connection then closes, since
            # the unread body cannot be skipped.
            await _send_413(send, BodyTooLarge(self.limit), scope)
            return
        seen = 0

        async def counting_receive() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge(self.limit)  # rendered as 413 by the app
            return message

        await self.app(scope, counting_receive, send)


def _content_length(scope: Any) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def error_body(exc: LimitExceeded, path: str) -> dict[str, Any]:
    """The JSON answer: ``{"error"}`` on the developer API, ``{"id", "data"}`` elsewhere."""
    if path.startswith("/_emulator/"):
        return {"error": exc.message}
    return {"data": exc.message, "id": exc.error_id}


async def _send_413(send: Any, exc: LimitExceeded, scope: Any) -> None:
    import json

    body = json.dumps(error_body(exc, scope.get("path", "")), separators=(",", ":")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": exc.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
