"""Fixtures for the Pulumi provider tests: a configured provider server and a core client."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from pulumi.runtime import settings

from pulumi_terrateam.testing import Engine


def stack_config(server: Any) -> dict[str, str]:
    """The stack configuration a user would set for the emulator's demo key."""
    return {
        "terrateam:apiKey": server.api_key,
        "terrateam:baseUrl": server.url,
        "terrateam:installationId": str(server.installation_id),
    }


@pytest.fixture(autouse=True)
def _current_event_loop() -> Iterator[None]:
    """Give each test a current event loop.

    ``pulumi.runtime.test`` and ``set_mocks`` call ``asyncio.get_event_loop()``, which raises
    once an earlier ``asyncio.run()`` in the same worker process has cleared the loop. The
    order tests land on a worker is not fixed, so each one also starts without a root stack.
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield
    # A test that calls set_mocks outside pulumi.runtime.test leaves the root stack's
    # registration pending: run it here, not never (it would warn at garbage collection).
    pending = asyncio.all_tasks(loop)
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    # The root stack lives in a process-wide context variable and its URN future belongs to
    # this loop; left set, the next test's resources would await it from a closed loop.
    settings.set_root_resource(None)  # type: ignore[arg-type]
    asyncio.set_event_loop(None)
    loop.close()


@pytest.fixture(scope="module")
def engine(terrateam_emulator: Any) -> Iterator[Engine]:
    """One provider server (python -m pulumi.dynamic) per module, configured for the emulator."""
    with Engine(config=stack_config(terrateam_emulator), project="tests") as running:
        yield running


@pytest.fixture
def client(emulator: Any) -> Iterator[Any]:
    """A core client on the freshly reset emulator (for out-of-band changes and checks)."""
    from terrateam_core import TerrateamClient

    tc = TerrateamClient(
        api_key=emulator.api_key,
        base_url=emulator.url,
        installation_id=emulator.installation_id,
    )
    try:
        yield tc
    finally:
        tc.close()
