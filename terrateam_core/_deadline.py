"""A total deadline that also holds while a response trickles in (sync client).

httpx's timeouts apply to each socket operation: a server sending one byte a second never
trips a 30 s read timeout, so ``total_timeout`` alone would not bound a call. The async client
wraps each send in ``anyio.fail_after``; a thread cannot be cancelled, so the sync client's
transport gets a network backend whose streams cap every connect, read and write at the time
left before the deadline of the call running in this thread (a context variable set around
each send).
"""

from __future__ import annotations

import contextvars
import ssl
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

__all__ = ["deadline_transport", "send_deadline"]

#: ``time.monotonic()`` value after which the current thread's send must stop.
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "terrateam_send_deadline", default=None
)


@contextmanager
def send_deadline(left: float | None) -> Iterator[None]:
    """Bound every socket operation inside the block to ``left`` seconds from now in total."""
    token = _DEADLINE.set(None if left is None else time.monotonic() + left)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def _clamp(timeout: float | None, exc: type[Exception]) -> float | None:
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise exc("total deadline exceeded")
    return left if timeout is None or left < timeout else timeout


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def deadline_transport(verify: bool | ssl.SSLContext) -> httpx.BaseTransport:
    """httpx's default transport, its socket operations bounded by :func:`send_deadline`."""
    transport = httpx.HTTPTransport(verify=verify)
    # httpx offers no public way to pass a network backend; the pool's attribute is set
    # before any connection exists. tests/security/test_client_deadlines.py fails if an
    # httpx/httpcore upgrade makes this a no-op (the trickling server would run past it).
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(backend, httpcore.NetworkBackend):
        pool._network_backend = _Backend(backend)  # type: ignore[union-attr]
    return transport
