"""What only the sync client does differently: sleep in the calling thread, any thread.

Hand-written twin of ``_async/shell.py``; the generated ``TerrateamClient`` mixes it in.
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx

from terrateam_core._deadline import deadline_transport, send_deadline
from terrateam_core._retry import RetryPolicy

__all__ = ["ClientShell"]


class ClientShell:
    """Sleeping and deadline-bounded sends of :class:`TerrateamClient` (shareable by threads)."""

    _policy: RetryPolicy
    _http: Any

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` as the retry policy says (the session seam, ``Session.sleep``)."""
        self._policy.sleep(seconds)

    def _check_loop(self) -> None:
        """Nothing to check: unlike the async client, this one is not bound to an event loop."""

    @staticmethod
    def _transport(
        transport: httpx.BaseTransport | None, verify: bool | ssl.SSLContext
    ) -> httpx.BaseTransport:
        # Ours bounds every socket read by the call's total deadline (see _deadline.py).
        return transport if transport is not None else deadline_transport(verify)

    def _send(self, request: httpx.Request, left: float | None, auth: Any) -> httpx.Response:
        """Send (token exchange included) within ``left`` seconds in total (``None``: no bound)."""
        with send_deadline(left):
            response: httpx.Response = self._http.send(request, auth=auth)
            return response
