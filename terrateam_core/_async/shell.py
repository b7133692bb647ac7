"""What only the async client does differently: sleep on the event loop, stay on one loop.

Hand-written twin of ``_sync/shell.py``; ``AsyncTerrateamClient`` mixes it in, and the
generated ``TerrateamClient`` mixes in ``ClientShell`` instead (see ``scripts/unasync.py``).
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import anyio
import httpx

from terrateam_core._retry import RetryPolicy

__all__ = ["AsyncClientShell"]


class AsyncClientShell:
    """Sleeping, deadline-bounded sends and the event-loop check of
    :class:`AsyncTerrateamClient`."""

    _policy: RetryPolicy
    _http: Any
    _loop: asyncio.AbstractEventLoop | None = None

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` as the retry policy says (the session seam, ``AsyncSession.sleep``)."""
        if self._policy.async_sleep is not None:
            await self._policy.async_sleep(seconds)  # type: ignore[misc]
        else:
            await anyio.sleep(seconds)

    def _check_loop(self) -> None:
        # httpx.AsyncClient and the refresh lock belong to one event loop (httpx#2473).
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not asyncio (e.g. trio): nothing to check
            return
        if self._loop is None:
            self._loop = loop
        elif self._loop is not loop:
            raise RuntimeError(
                "AsyncTerrateamClient is bound to the event loop it was first used on; "
                "create one client per event loop"
            )

    @staticmethod
    def _transport(
        transport: httpx.AsyncBaseTransport | None, verify: bool | ssl.SSLContext
    ) -> httpx.AsyncBaseTransport | None:
        # Cancellation bounds the async sends (see _send); httpx's default transport is fine.
        return transport

    async def _send(self, request: httpx.Request, left: float | None, auth: Any) -> httpx.Response:
        """Send (token exchange included) within ``left`` seconds in total (``None``: no bound).

        httpx's timeouts apply to each read, so a server trickling a byte at a time would never
        trip them; cancelling the whole send is what makes ``total_timeout`` hold.
        """
        if left is None:
            response: httpx.Response = await self._http.send(request, auth=auth)
            return response
        with anyio.move_on_after(left) as scope:
            response = await self._http.send(request, auth=auth)
            return response
        assert scope.cancelled_caught
        raise httpx.ReadTimeout("total deadline exceeded", request=request)
