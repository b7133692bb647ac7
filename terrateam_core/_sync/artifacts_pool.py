"""Concurrent chunk calls for the sync artifact functions: a bounded thread pool.

Hand-written twin of ``_async/artifacts_pool.py`` (tasks); the generated sync transfer code uses
this one.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, TypeAlias, TypeVar

__all__ = ["ChunkPool", "Handle"]

P = ParamSpec("P")
T = TypeVar("T")
Handle: TypeAlias = Future  # what ``submit`` returns: ``.done()``, then ``result(handle)``


class ChunkPool:
    """Runs the chunk calls of one transfer on ``size`` threads named ``name``.

    On exit calls not started yet are dropped and running ones waited for (a thread cannot be
    cancelled), so no write lands after the caller's cleanup. ``cancel_on_exit`` is for the
    async twin's signature: queued calls are always dropped here.
    """

    def __init__(self, size: int, name: str, *, cancel_on_exit: bool = False) -> None:
        """Start an executor of ``size`` threads."""
        self._pool = ThreadPoolExecutor(size, thread_name_prefix=name)

    def __enter__(self) -> ChunkPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Queue ``fn(*args, **kwargs)`` for a worker thread."""
        return self._pool.submit(fn, *args, **kwargs)

    def result(self, handle: Future[T]) -> T:
        """Wait for a call and return its result (or raise its error)."""
        return handle.result()
