"""uvicorn's h11 protocol with coalesced writes: one ``send()`` per response.

Starlette sends a response as two ASGI messages (start, body) and uvicorn writes each to the
socket at once, so every response costs two syscalls and two wake-ups of the client. Writes
made in the same event-loop step are joined here and flushed by ``call_soon``: still one
response on the wire, in one segment. Everything else is delegated to the real transport.
"""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["coalescing_h11_protocol"]


class _CoalescingTransport:
    """A transport proxy that batches ``write`` calls made in one loop iteration."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._buffer: list[bytes] = []
        self._loop = asyncio.get_running_loop()

    def write(self, data: bytes) -> None:
        if not self._buffer:
            self._loop.call_soon(self._flush)
        self._buffer.append(bytes(data))

    def _flush(self) -> None:
        if self._buffer:
            data = b"".join(self._buffer)
            self._buffer.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def abort(self) -> None:
        self._buffer.clear()
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def coalescing_h11_protocol() -> type:
    """Return an `H11Protocol` subclass whose transport coalesces writes (imports uvicorn)."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class CoalescingH11Protocol(H11Protocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(_CoalescingTransport(transport))  # type: ignore[arg-type]

    return CoalescingH11Protocol
