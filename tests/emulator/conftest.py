"""Shared helpers for the emulator tests: an authenticated httpx client on the live fixture."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from emu_helpers import bearer, refresh


@pytest.fixture
def http(emulator: Any) -> Iterator[httpx.Client]:
    """An unauthenticated client on the (reset) live emulator."""
    with httpx.Client(base_url=emulator.url, timeout=30) as client:
        yield client


@pytest.fixture
def api(emulator: Any) -> Iterator[httpx.Client]:
    """A client carrying a fresh access token of the demo key (dashboard caps + vcs)."""
    token = refresh(emulator.url, emulator.api_key)
    with httpx.Client(base_url=emulator.url, headers=bearer(token), timeout=30) as client:
        yield client


@pytest.fixture
def token_for(emulator: Any) -> Any:
    """Return a function ``caps -> access token`` minting a key with those caps and refreshing."""

    def make(caps: list[Any], user_id: str | None = None) -> str:
        key = emulator.admin.mint_api_key("test", caps, user_id=user_id)
        return refresh(emulator.url, key.refresh_token)

    return make
