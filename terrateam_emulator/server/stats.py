"""Request counters (``GET /_emulator/stats``): the in-process `Stats` and their protocol.

`terrateam_emulator.server.shared.SharedStats` is the other implementation, kept in the
database so that every worker of ``serve --workers N`` counts into the same totals.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["Stats", "StatsRecorder"]


class StatsRecorder(Protocol):
    """What the app needs of a request counter."""

    def count(self, label: str) -> None:
        """Count one request under ``"<METHOD> <route template>"``."""

    def count_refresh(self) -> None:
        """Count one call of the refresh endpoint."""

    def snapshot(self) -> dict[str, Any]:
        """Return the counters as JSON-ready data."""

    def reset(self) -> None:
        """Zero every counter."""


@dataclass
class Stats:
    """Request counters since the last reset (``GET /_emulator/stats``)."""

    requests: Counter[str] = field(default_factory=Counter)
    refreshes: int = 0
    total: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, label: str) -> None:
        """Count one request under ``"<METHOD> <route template>"``."""
        with self.lock:
            self.requests[label] += 1
            self.total += 1

    def count_refresh(self) -> None:
        """Count one call of the refresh endpoint."""
        with self.lock:
            self.refreshes += 1

    def snapshot(self) -> dict[str, Any]:
        """Return the counters as JSON-ready data."""
        with self.lock:
            return {
                "requests": dict(self.requests),
                "refreshes": self.refreshes,
                "total": self.total,
            }

    def reset(self) -> None:
        """Zero every counter."""
        with self.lock:
            self.requests.clear()
            self.refreshes = 0
            self.total = 0
