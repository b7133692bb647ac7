"""HTTP fidelity helpers shared by every router (docs/contract.md §0).

Handlers raise `RouteMismatch` for anything upstream's router would not match (bad query
types, undecodable bodies, wrong content type): the app renders it as 404, empty body,
``text/html``. `Forbidden` renders 403 with an empty body and no Content-Type.
"""

from __future__ import annotations

import builtins
import json
import re
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import unquote, unquote_to_bytes

from starlette.requests import Request
from starlette.responses import Response

from terrateam_emulator.server.errors import EmulatorError

__all__ = [
    "JSON_TYPES",
    "Forbidden",
    "HandlerError",
    "Query",
    "RouteMismatch",
    "empty",
    "json_body",
    "json_raw",
    "json_response",
    "not_found_html",
    "parse_int",
    "parse_uuid",
    "raw_path_tail",
]

JSON_TYPES = frozenset(
    {
        "application/json",
        "application/x-javascript",
        "text/javascript",
        "text/x-javascript",
        "text/x-json",
    }
)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_OCAML_INT = re.compile(
    r"^[-+]?(0[xX][0-9a-fA-F][0-9a-fA-F_]*|0[oO][0-7][0-7_]*|0[bB][01][01_]*|"
    r"[0-9][0-9_]*)$"
)
_MAX_INT = 2**62 - 1  # OCaml native int range
T = TypeVar("T")


class RouteMismatch(Exception):
    """No route matches (upstream: 404, empty body, ``text/html``)."""


class Forbidden(Exception):
    """Auth or capability failure (upstream "Error path": 403, empty body, no Content-Type)."""


HandlerError = EmulatorError


def not_found_html() -> Response:
    """Return upstream's route-mismatch answer."""
    return Response(status_code=404, headers={"content-type": "text/html"})


def empty(status: int, *, json_type: bool) -> Response:
    """Return an empty-bodied response, with ``application/json`` on the upstream "Ok path"."""
    if json_type:
        return Response(status_code=status, headers={"content-type": "application/json"})
    return Response(status_code=status)


def json_raw(text: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Return already-serialised compact JSON with exactly ``application/json``."""
    h = {"content-type": "application/json"}
    if headers:
        h.update(headers)
    return Response(content=text.encode("utf-8"), status_code=status, headers=h)


def json_response(value: Any, status: int = 200) -> Response:
    """Serialise compactly (no whitespace, non-ASCII raw) like Yojson does."""
    return json_raw(json.dumps(value, separators=(",", ":"), ensure_ascii=False), status)


def parse_int(text: str) -> int:
    """Parse like OCaml ``int_of_string`` (sign, 0x/0o/0b, underscores); else `RouteMismatch`."""
    if not _OCAML_INT.match(text):
        raise RouteMismatch
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-").replace("_", "")
    base = 10
    if len(body) > 1 and body[0] == "0" and body[1] in "xXoObB":
        base = {"x": 16, "o": 8, "b": 2}[body[1].lower()]
        body = body[2:]
    value = sign * int(body, base)
    if not -_MAX_INT - 1 <= value <= _MAX_INT:
        raise RouteMismatch
    return value


def parse_uuid(text: str) -> str:
    """Return a lower-case UUID string, or raise `RouteMismatch`."""
    if not _UUID.match(text):
        raise RouteMismatch
    return text.lower()


def _decode_component(raw: str) -> str:
    # ocaml-uri: '+' becomes a space before percent-decoding.
    return unquote(raw.replace("+", " "), errors="surrogateescape")


class Query:
    """A query string parsed with ocaml-uri semantics (docs/contract.md §0.3).

    Values split on literal commas, repeated names concatenate, a bare ``?x`` has no values.
    """

    def __init__(self, raw: bytes | str) -> None:
        text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
        self.values: dict[str, list[str]] = {}
        if not text:
            return
        for part in text.split("&"):
            name, eq, value = part.partition("=")
            key = _decode_component(name)
            pieces = [_decode_component(p) for p in value.split(",")] if eq else []
            self.values.setdefault(key, []).extend(pieces)

    @classmethod
    def of(cls, request: Request) -> Query:
        """Parse the request's raw query string."""
        return cls(request.scope.get("query_string", b""))

    def _scalar(self, name: str, conv: Callable[[str], T], default: T) -> T:
        if name not in self.values:
            return default
        vals = self.values[name]
        if not vals:
            raise RouteMismatch
        return conv(vals[0])

    def string(self, name: str, default: str | None = None) -> str | None:
        """First value of a string parameter."""
        return self._scalar(name, str, default)

    def int(self, name: str, default: int | None = None) -> int | None:
        """First value of an integer parameter; unparseable → `RouteMismatch`."""
        return self._scalar(name, parse_int, default)

    def bool(self, name: str, default: bool | None = None) -> bool | None:
        """First value of a boolean parameter: only ``true``/``false``."""

        def conv(v: str) -> bool:
            if v == "true":
                return True
            if v == "false":
                return False
            raise RouteMismatch

        return self._scalar(name, conv, default)

    def int_or(self, name: str, default: builtins.int) -> builtins.int:
        """Like `int`, with a default when absent."""
        value = self.int(name)
        return default if value is None else value

    def bool_or(self, name: str, default: builtins.bool) -> builtins.bool:
        """Like `bool`, with a default when absent."""
        value = self.bool(name)
        return default if value is None else value

    def list(self, name: str) -> list[str] | None:
        """All values of a list parameter (``None`` when absent)."""
        return self.values.get(name)


def json_body(request: Request, body: bytes) -> Any:
    """Decode a JSON body the way upstream's router does, else `RouteMismatch`.

    Only an exact JSON content type makes the body JSON (a ``; charset`` suffix does not).

    Raises:
        RouteMismatch: not JSON.
        LimitExceeded: nested deeper than ``limits.MAX_JSON_DEPTH`` below the outer value (400).
    """
    if request.headers.get("content-type") not in JSON_TYPES:
        raise RouteMismatch
    from terrateam_emulator.server.limits import MAX_JSON_DEPTH, json_too_deep, nesting_error
    from terrateam_emulator.storage.jsonb import loads_lossless

    text = body.decode("utf-8", errors="surrogateescape")
    # Checked before parsing: the parser recurses per level (the body's own object is one).
    if not json_too_deep(text, MAX_JSON_DEPTH + 1):
        try:
            return loads_lossless(text)
        except ValueError as exc:
            # Only a body that is not plain JSON can hold comments: stripping them walks the
            # text character by character, far too slow for megabyte artifact chunks of '/'.
            if "/" not in text:
                raise RouteMismatch from exc
    elif "/" not in text:
        raise nesting_error()
    text = _strip_comments(text)
    if json_too_deep(text, MAX_JSON_DEPTH + 1):
        raise nesting_error()
    try:
        return loads_lossless(text)
    except ValueError as exc:
        raise RouteMismatch from exc


def _strip_comments(text: str) -> str:
    """Drop ``//`` and ``/* */`` comments outside strings (Yojson's reader accepts them)."""
    out: list[str] = []
    i, n, in_string = 0, len(text), False
    while i < n:
        ch = text[i]
        if in_string:
            out.append(ch)
            if ch == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
            out.append(ch)
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise RouteMismatch  # unterminated comment: not JSON
            out.append(" ")
            i = end + 2
            continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _remove_dot_segments(segments: list[str]) -> list[str]:
    out: list[str] = []
    for seg in segments:
        dec = seg.replace("%2E", ".").replace("%2e", ".")
        if dec == ".":
            continue
        if dec == "..":
            if out:
                out.pop()
            continue
        out.append(seg)
    return out


def raw_path_tail(request: Request, skip: int) -> tuple[str, bool]:
    """Return the percent-decoded path after ``skip`` raw segments, and whether it held a raw ``/``.

    Starlette matches on the decoded path, where ``%2F`` and ``/`` look the same; upstream
    keeps them apart for single-segment variables (KV ``count``), so the raw path decides.
    """
    raw = request.scope.get("raw_path") or request.scope["path"].encode()
    raw_text = raw.decode("latin-1").split("?", 1)[0]
    segments = raw_text.split("/")[1:]
    trailing = segments[-1:] == [""]
    segments = _remove_dot_segments(segments)
    if trailing and segments[-1:] != [""]:
        segments.append("")
    tail = segments[skip:]
    decoded = [unquote_to_bytes(s).decode("utf-8", errors="surrogateescape") for s in tail]
    return "/".join(decoded), len(tail) > 1
