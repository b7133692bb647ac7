"""One API call as a value: :class:`Call` and the pure helpers around it (URL building, input
checks, response → model or error).

A :class:`Call` describes one API operation completely (method, path, query, body, whether it
may be repeated, which statuses mean success, how to parse, per-operation error overrides).
Nothing here knows about clients, settings or retries (that is ``_client_common.py``); the
clients only send a call, loop for retries, and sleep.
"""

from __future__ import annotations

import contextlib
import json
import platform
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from terrateam_core._codec import fast_loads
from terrateam_core._logging import redact_text
from terrateam_core._version import __version__
from terrateam_core.errors import (
    APIStatusError,
    InvalidArgumentError,
    RateLimitError,
    ResponseValidationError,
    status_error_class,
)

__all__ = [
    "SMALLINT_MAX",
    "SMALLINT_MIN",
    "Call",
    "Query",
    "build_url",
    "check_smallint",
    "check_uuid",
    "error_from_response",
    "finish",
    "json_body",
    "model_parser",
    "quote_segment",
    "user_agent",
]

T = TypeVar("T")
Query = Sequence[tuple[str, str]]

SMALLINT_MIN = -32768
SMALLINT_MAX = 32767


def check_smallint(name: str, value: int | None) -> None:
    """Reject values the server would silently wrap to 16 bits (docs/contract.md §4.9)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if not SMALLINT_MIN <= value <= SMALLINT_MAX:
        raise InvalidArgumentError(
            f"{name} must be within {SMALLINT_MIN}..{SMALLINT_MAX}, got {value}", argument=name
        )


def check_uuid(name: str, value: str) -> str:
    """Reject ids the server would answer with an empty 404 (or a 500 inside ``q``)."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise InvalidArgumentError(
            f"{name} must be a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6, got {value!r}",
            argument=name,
        ) from None


def quote_segment(value: str | int) -> str:
    """Percent-encode one path segment, ``/`` included (as ``%2F``)."""
    return quote(str(value), safe="")


def _quote_query(value: str) -> str:
    # The server splits values on literal commas and turns '+' into a space (ocaml-uri), so
    # everything but unreserved characters is encoded.
    return quote(value, safe="-._~:")


def build_url(base_url: str, path: str, params: Query | None = None) -> str:
    """Join our base URL, an already-quoted path, and query pairs encoded for Terrateam."""
    url = base_url.rstrip("/") + path
    if params:
        url += "?" + "&".join(f"{_quote_query(k)}={_quote_query(v)}" for k, v in params)
    return url


def json_body(value: Any) -> bytes:
    """Serialise a request body compactly (sent with exactly ``application/json``)."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", exclude_unset=True)
    return json.dumps(value, separators=(",", ":"), allow_nan=False).encode("utf-8")


def user_agent(extra: Iterable[str] = ()) -> str:
    """``terrateam-toolkit/<ver> (python <x.y>; httpx <ver>)`` plus adapter tokens."""
    py = ".".join(platform.python_version_tuple()[:2])
    base = f"terrateam-toolkit/{__version__} (python {py}; httpx {httpx.__version__})"
    return " ".join([base, *extra])


@dataclass(frozen=True)
class Call(Generic[T]):
    """One API operation, ready to send (no I/O here)."""

    method: str
    path: str
    parse: Callable[[httpx.Response], T]
    params: Query | None = None
    body: bytes | None = None
    idempotent: bool = True
    ok: frozenset[int] = frozenset({200})
    overrides: dict[int, type[APIStatusError]] = field(default_factory=dict)
    #: Map a status to a value instead of an error (e.g. kv.size: 500 → 0).
    on_status: dict[int, Callable[[httpx.Response], T]] = field(default_factory=dict)
    #: Caller-given headers (``client.request(headers=…)``), sent after the defaults.
    extra_headers: dict[str, str] = field(default_factory=dict)
    #: Send without the client's credentials (``client.request(authenticate=False)``).
    anonymous: bool = False

    def headers(self) -> dict[str, str]:
        """Per-call headers: exactly ``application/json`` when there is a body."""
        base = {"Content-Type": "application/json"} if self.body is not None else {}
        return {**base, **self.extra_headers}


_SECRET_FIELDS = frozenset({"data", "token", "refresh_token", "access_token", "api_key", "secret"})
_MIN_SECRET = 4  # shorter strings are too common to mask without mangling the excerpt


def _strings(value: Any, out: set[str], secret: bool = False, depth: int = 0) -> None:
    if depth > 200:
        return
    if isinstance(value, dict):
        for k, v in value.items():
            _strings(v, out, secret or str(k).lower() in _SECRET_FIELDS, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _strings(v, out, secret, depth + 1)
    elif secret and isinstance(value, str | int | float) and not isinstance(value, bool):
        text = value if isinstance(value, str) else json.dumps(value)
        if len(text) >= _MIN_SECRET:
            out.add(text)


def _request_secrets(response: httpx.Response) -> list[str]:
    """What the request carried that a buggy server must not get to echo into our errors:
    the credential and the values of secret fields (KV data, tokens) in its JSON body."""
    try:
        request = response.request
    except RuntimeError:
        return []
    found: set[str] = set()
    credential = request.headers.get("authorization", "").partition(" ")[2].strip()
    if len(credential) >= _MIN_SECRET:
        found.add(credential)
    try:
        body = request.content
    except httpx.RequestNotRead:
        body = b""
    if body:
        with contextlib.suppress(ValueError, UnicodeDecodeError, RecursionError):
            _strings(json.loads(body), found)
    return sorted(found, key=len, reverse=True)  # longest first: no partial leftovers


def _excerpt(response: httpx.Response) -> str:
    try:
        text = response.text
    except (UnicodeDecodeError, httpx.ResponseNotRead):
        return ""
    for secret in _request_secrets(response):
        text = text.replace(secret, "[redacted]")
        # A server may echo it JSON-escaped (quotes, backslashes, non-ASCII).
        escaped = json.dumps(secret)[1:-1]
        if escaped != secret:
            text = text.replace(escaped, "[redacted]")
    return redact_text(text.strip())[:500]


def error_from_response(
    call: Call[Any] | None, response: httpx.Response, *, method: str, path: str
) -> APIStatusError:
    """Build the error for a non-success response (per-operation overrides first)."""
    status = response.status_code
    cls = (call.overrides.get(status) if call else None) or status_error_class(status)
    excerpt = _excerpt(response)
    if issubclass(cls, RateLimitError):
        from terrateam_core._retry import parse_retry_after

        return cls(
            status_code=status,
            method=method,
            path=path,
            body_excerpt=excerpt,
            retry_after=parse_retry_after(response.headers.get("retry-after")),
        )
    return cls(status_code=status, method=method, path=path, body_excerpt=excerpt)


def finish(call: Call[T], response: httpx.Response, attempts: int = 1) -> T:
    """Return the parsed result of a final response, or raise its error."""
    status = response.status_code
    if status in call.ok:
        return call.parse(response)
    if status in call.on_status:
        return call.on_status[status](response)
    err = error_from_response(call, response, method=call.method, path=call.path)
    err.attempts = attempts
    raise err


def _parse_json(response: httpx.Response) -> Any:
    with contextlib.suppress(ValueError):
        # Megabyte artifact chunks: pydantic-core parses them ~8x faster than ``json``; what it
        # refuses goes to ``response.json()``, so what parses and how it fails are unchanged.
        return fast_loads(response.content)
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        raise ResponseValidationError(
            f"response to {response.request.method} {response.url.path} is not JSON",
            method=response.request.method,
            path=response.url.path,
            body_excerpt=_excerpt(response),
        ) from None


def model_parser(
    tp: Any, *, key: str | None = None, default: Any = ...
) -> Callable[[httpx.Response], Any]:
    """Return a parser validating the JSON body (or ``body[key]``) into type ``tp``."""
    adapter: TypeAdapter[Any] = TypeAdapter(tp)

    def parse(response: httpx.Response) -> Any:
        doc = _parse_json(response)
        if key is not None:
            if not isinstance(doc, dict) or (key not in doc and default is ...):
                raise ResponseValidationError(
                    f"response to {response.request.method} {response.url.path} "
                    f"has no {key!r} field",
                    method=response.request.method,
                    path=response.url.path,
                    body_excerpt=_excerpt(response),
                )
            doc = doc.get(key, default)
        try:
            return adapter.validate_python(doc)
        except ValidationError as exc:
            raise ResponseValidationError(
                f"response to {response.request.method} {response.url.path} does not match "
                f"the expected shape: {exc.error_count()} error(s)",
                method=response.request.method,
                path=response.url.path,
                body_excerpt=_excerpt(response),
            ) from None

    return parse
