"""What only the sync client does differently: sleep in the calling thread, any thread.

Hand-written twin of ``_client_shell_async.py``; the generated ``TerrateamClient`` mixes it in.
"""

from __future__ import annotations

from terrateam_core._retry import RetryPolicy

__all__ = ["ClientShell"]


class ClientShell:
    """Sleeping of :class:`TerrateamClient` (which may be shared between threads)."""

    _policy: RetryPolicy

    def _sleep(self, seconds: float) -> None:
        self._policy.sleep(seconds)

    def _check_loop(self) -> None:
        """Nothing to check: unlike the async client, this one is not bound to an event loop."""
