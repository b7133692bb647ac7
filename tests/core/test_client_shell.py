"""The hand-written parts where the two clients differ: sleeping and the event-loop check."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from terrateam_core import AsyncTerrateamClient, TerrateamClient
from terrateam_core._retry import RetryPolicy


def test_sync_client__usable_from_several_event_loops(emulator: Any) -> None:
    """Only the async client is bound to a loop; the sync one may be called from any."""
    with TerrateamClient(api_key=emulator.api_key, base_url=emulator.url) as client:

        async def use() -> str:
            return client.whoami().id

        assert asyncio.run(use()) == asyncio.run(use())


def test_async_client__second_event_loop_is_refused(emulator: Any) -> None:
    """The async client refuses the second loop with a message that says what to do."""
    client = AsyncTerrateamClient(api_key=emulator.api_key, base_url=emulator.url)

    async def use() -> str:
        return (await client.whoami()).id

    asyncio.run(use())
    with pytest.raises(RuntimeError, match="one client per event loop"):
        asyncio.run(use())


def test_sleep__each_client_uses_its_policy_sleep() -> None:
    """The sync client sleeps with ``policy.sleep``, the async one with ``async_sleep``."""
    slept: list[tuple[str, float]] = []

    async def async_sleep(s: float) -> None:
        slept.append(("async", s))

    policy = RetryPolicy(sleep=lambda s: slept.append(("sync", s)), async_sleep=async_sleep)
    with TerrateamClient("k", base_url="http://x", retry_policy=policy) as client:
        client.sleep(1.5)
    asyncio.run(AsyncTerrateamClient("k", base_url="http://x", retry_policy=policy).sleep(2.5))
    # Without an injected async sleep the async client sleeps on the event loop (anyio).
    asyncio.run(AsyncTerrateamClient("k", base_url="http://x").sleep(0))
    assert slept == [("sync", 1.5), ("async", 2.5)]
