"""The emulator's clock: every expiry and timestamp comes from here, so tests can move time."""

from __future__ import annotations

import threading
import time
from typing import Protocol

__all__ = ["Clock", "ClockLike"]


class ClockLike(Protocol):
    """Anything with ``now() -> float``: what the seed and the backends read time from."""

    def now(self) -> float: ...


class Clock:
    """Wall-clock time plus an offset that `advance` moves forward."""

    def __init__(self, *, offset: float = 0.0) -> None:
        self._offset = offset
        self._lock = threading.Lock()

    def now(self) -> float:
        """Return the emulated current time in seconds since the epoch."""
        return time.time() + self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` and return the new `now`."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds
        return self.now()
