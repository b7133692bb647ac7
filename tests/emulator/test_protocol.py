"""`_protocol`: writes made in one loop step reach the socket as one write; close flushes."""

from __future__ import annotations

import asyncio

import pytest

from terrateam_emulator.server.protocol import _CoalescingTransport


class RecordingTransport(asyncio.Transport):
    """An asyncio transport that records what is written to it."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False
        self.aborted = False

    def write(self, data: bytes) -> None:  # type: ignore[override]
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed or self.aborted

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True


@pytest.mark.anyio
async def test_writes_in_one_step_are_joined():
    """Head and body written back to back leave as one write after the loop turns."""
    inner = RecordingTransport()
    t = _CoalescingTransport(inner)
    t.write(b"HTTP/1.1 200 OK\r\n\r\n")
    t.write(b"body")
    assert inner.writes == []
    await asyncio.sleep(0)
    assert inner.writes == [b"HTTP/1.1 200 OK\r\n\r\nbody"]


@pytest.mark.anyio
async def test_close_flushes_and_abort_drops():
    """close() sends what is pending first; abort() discards it."""
    inner = RecordingTransport()
    t = _CoalescingTransport(inner)
    t.write(b"last")
    t.close()
    assert (inner.writes, inner.closed) == ([b"last"], True)
    inner2 = RecordingTransport()
    t2 = _CoalescingTransport(inner2)
    t2.write(b"never")
    t2.abort()
    await asyncio.sleep(0)
    assert (inner2.writes, inner2.aborted) == ([], True)


@pytest.mark.anyio
async def test_other_attributes_are_delegated():
    """Everything else (get_extra_info, ...) is the real transport's."""
    inner = RecordingTransport()
    assert _CoalescingTransport(inner).is_closing() is False
