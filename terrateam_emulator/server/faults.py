"""Injected faults and request accounting, as one pure-ASGI middleware.

Faults apply to the next N matching requests (never to ``/_emulator/``): a status (429 with
``Retry-After``, 503, 500...), added latency, or a dropped connection (the socket is closed
without any response). The middleware also enforces upstream's method set (HEAD, PATCH and
OPTIONS are never routed: 404 ``text/html``), counts requests for ``/_emulator/stats``,
stamps ``X-Terrateam-Emulator-Version`` and turns `DropConnection` into a closed socket.
"""

from __future__ import annotations

import asyncio
import random
import re
import threading
from dataclasses import dataclass
from typing import Any

from terrateam_core._version import __version__
from terrateam_emulator.server.errors import DropConnection

__all__ = ["Fault", "FaultMiddleware", "FaultTable"]

_ROUTED_METHODS = frozenset({"GET", "PUT", "POST", "DELETE"})
_VERSION_HEADER = (b"x-terrateam-emulator-version", __version__.encode())
# Upstream's responses all carry `Connection: keep-alive` (§0.5); h11 rewrites it to `close`
# when the connection will close.
_KEEP_ALIVE = (b"connection", b"keep-alive")


# "drop" closes the connection before the request is handled; "drop_response" handles it
# (the write happens) and then closes the connection instead of answering: the case a client
# cannot tell from "drop", and the one that makes blind retries of a POST duplicate work.
_KINDS = ("status", "latency", "drop", "drop_response")


@dataclass
class Fault:
    """One injected fault; ``count=None`` means every matching request."""

    id: int
    kind: str  # "status" | "latency" | "drop" | "drop_response"
    status: int = 503
    retry_after: float | None = None
    delay: float = 0.0
    count: int | None = 1
    probability: float = 1.0
    method: str | None = None
    path: re.Pattern[str] | None = None

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault targets the request."""
        if self.count is not None and self.count <= 0:
            return False
        if self.method is not None and self.method.upper() != method:
            return False
        return self.path is None or self.path.search(path) is not None


class FaultTable:
    """The faults of one app, thread-safe."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._next_id = 1
        self._rng = random.Random()

    def add(self, **kw: Any) -> Fault:
        """Register a fault (see `Fault`); ``path`` is a regular expression on the URL path."""
        kind = kw.get("kind")
        if kind not in _KINDS:
            raise ValueError("kind must be status, latency, drop or drop_response")
        path = kw.get("path")
        with self._lock:
            fault = Fault(
                id=self._next_id,
                kind=kind,
                status=int(kw.get("status") or 503),
                retry_after=kw.get("retry_after"),
                delay=float(kw.get("delay") or 0.0),
                count=kw.get("count", 1),
                probability=float(kw.get("probability", 1.0)),
                method=kw.get("method"),
                path=None if path is None else re.compile(path),
            )
            self._next_id += 1
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """Return the first fault that fires for this request, consuming one of its uses."""
        with self._lock:
            for fault in self._faults:
                if not fault.matches(method, path):
                    continue
                if fault.probability < 1.0 and self._rng.random() >= fault.probability:
                    continue
                if fault.count is not None:
                    fault.count -= 1
                return fault
        return None


def _abort(receive: Any) -> bool:
    # uvicorn's `receive` is a bound method of the request cycle, which holds the transport.
    transport = getattr(getattr(receive, "__self__", None), "transport", None)
    if transport is None:
        return False
    transport.abort()
    return True


class FaultMiddleware:
    """Pure ASGI middleware: method filter, faults, stats, version header, dropped connections."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        emulator = scope["app"].state.emulator
        emulator.sync()  # shared state: clock, faults and resets of the other workers
        method: str = scope["method"]
        path: str = scope["path"]

        async def send_with_header(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), _KEEP_ALIVE, _VERSION_HEADER]
                message = {**message, "headers": headers}
            await send(message)

        if method not in _ROUTED_METHODS:
            await _send_empty(send_with_header, 404, [(b"content-type", b"text/html")])
            return
        dev = path.startswith("/_emulator/")
        if not dev:
            fault = emulator.faults.take(method, path)
            if fault is not None:
                emulator.stats.count(f"{method} {path}")
                if fault.kind == "drop":
                    if not _abort(receive):
                        raise ConnectionResetError("emulator: injected dropped connection")
                    return
                if fault.kind == "drop_response":
                    await _handle_then_drop(self.app, scope, receive)
                    return
                if fault.kind == "latency":
                    await asyncio.sleep(fault.delay)
                else:
                    headers: list[tuple[bytes, bytes]] = []
                    retry = fault.retry_after
                    if retry is None and fault.status == 429:
                        retry = 1
                    if retry is not None:
                        headers.append((b"retry-after", _fmt_retry(retry)))
                    await _send_empty(send_with_header, fault.status, headers)
                    return
        try:
            await self.app(scope, receive, send_with_header)
        except DropConnection:
            if not _abort(receive):
                raise ConnectionResetError("emulator: connection dropped") from None
        finally:
            if not dev:
                label = _route_label(scope) or path
                emulator.stats.count(f"{method} {label}")


async def _handle_then_drop(app: Any, scope: Any, receive: Any) -> None:
    """Run the request to completion, discard its answer and close the connection."""

    async def swallow(message: Any) -> None:
        return None

    try:
        await app(scope, receive, swallow)
    finally:
        if not _abort(receive):
            raise ConnectionResetError("emulator: injected dropped response")


def _route_label(scope: Any) -> str | None:
    """The route template that served the request (FastAPI records only the endpoint)."""
    route = scope.get("route")
    if route is not None:
        return getattr(route, "path", None)
    app = scope["app"]
    labels: dict[Any, str] | None = getattr(app.state, "route_labels", None)
    if labels is None:
        labels = {}
        for r in app.router.routes:
            endpoint = getattr(r, "endpoint", None)
            if endpoint is not None:
                labels.setdefault(endpoint, r.path)
        app.state.route_labels = labels
    return labels.get(scope.get("endpoint"))


def _fmt_retry(value: float) -> bytes:
    return (str(int(value)) if float(value).is_integer() else str(value)).encode()


async def _send_empty(send: Any, status: int, headers: list[tuple[bytes, bytes]]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-length", b"0"), *headers],
        }
    )
    await send({"type": "http.response.body", "body": b""})
