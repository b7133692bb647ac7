"""Concurrent chunk calls for the async artifact functions: asyncio tasks.

Hand-written twin of ``_sync/artifacts_pool.py`` (threads); the transfer code is written once
against this interface and its sync form is generated (see ``scripts/unasync.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeAlias, TypeVar

__all__ = ["AsyncChunkPool", "Handle"]

P = ParamSpec("P")
T = TypeVar("T")
Handle: TypeAlias = asyncio.Task  # what ``submit`` returns: ``.done()``, then ``result(handle)``


class AsyncChunkPool:
    """Runs the chunk calls of one transfer as tasks; the caller bounds how many are in flight.

    On exit every call still running is waited for, so no write lands after the caller's
    cleanup; with ``cancel_on_exit`` (reads) they are cancelled first.
    """

    def __init__(self, size: int, name: str, *, cancel_on_exit: bool = False) -> None:
        """``size`` and ``name`` size and name the sync twin's threads; tasks need neither."""
        self._running: set[asyncio.Task[Any]] = set()
        self._cancel_on_exit = cancel_on_exit

    async def __aenter__(self) -> AsyncChunkPool:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._cancel_on_exit:
            for task in self._running:
                task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)

    def submit(
        self, fn: Callable[P, Coroutine[Any, Any, T]], /, *args: P.args, **kwargs: P.kwargs
    ) -> asyncio.Task[T]:
        """Start ``fn(*args, **kwargs)`` now."""
        task = asyncio.ensure_future(fn(*args, **kwargs))
        self._running.add(task)
        task.add_done_callback(self._forget)
        return task

    async def result(self, handle: asyncio.Task[T]) -> T:
        """Wait for a call and return its result (or raise its error)."""
        return await handle

    def _forget(self, task: asyncio.Task[Any]) -> None:
        # Drop finished tasks (a download's results are chunks: do not keep them all). An
        # error nobody awaits any more (the transfer already failed) must not be logged.
        self._running.discard(task)
        if not task.cancelled():
            task.exception()
