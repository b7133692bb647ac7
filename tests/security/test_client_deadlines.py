"""Every network operation of the sync and async clients ends by its deadline (issue 16).

Hostile servers on loopback hang before or after the headers, trickle a byte at a time
(body or headers), answer garbage or redirect. The per-request timeout is set far above the
total deadline, so only ``total_timeout`` can end the trickles: before the fix the token
exchange had no timeout at all and a trickling response ran past ``total_timeout``.
The time bound asserted is generous: it proves "no hang", not a precise duration.
"""

from __future__ import annotations

import time

import anyio
import pytest
from conftest_client import hostile

from terrateam_core import AsyncTerrateamClient, TerrateamClient
from terrateam_core.errors import APIConnectionError, APIStatusError, APITimeoutError

TOTAL = 1.5  # the total deadline under test (seconds)
PER_REQUEST = 60.0  # far above TOTAL: only the total deadline may end a trickle
NO_HANG = 20.0  # generous bound: a hang would run into PER_REQUEST (or forever)
API_KEY = "hostile-test-api-key-0123456789"

# What each mode must end with.
EXPECTED = {
    "hang_before_headers": APITimeoutError,
    "hang_after_headers": APITimeoutError,
    "trickle": APITimeoutError,
    "trickle_headers": APITimeoutError,
    "garbage": APIConnectionError,
    "redirect": APIStatusError,
}


def _kwargs(url: str, credential: str) -> dict[str, object]:
    cred = {"api_key": API_KEY} if credential == "api_key" else {"access_token": API_KEY}
    return {
        **cred,
        "base_url": url,
        "installation_id": 1,
        "timeout": PER_REQUEST,
        "total_timeout": TOTAL,
    }


def _check(server, exc: BaseException, elapsed: float, mode: str) -> None:
    assert isinstance(exc, EXPECTED[mode]), repr(exc)
    assert elapsed < NO_HANG, f"{mode}: took {elapsed:.1f}s"
    assert server.requests, "the client never reached the server"
    assert API_KEY not in str(exc)
    if mode == "redirect":
        # Redirects are never followed: the credential must not travel to another origin.
        assert server.target.requests == []


@pytest.mark.parametrize("mode", list(EXPECTED))
@pytest.mark.parametrize("credential", ["api_key", "access_token"])
def test_sync_client_ends_within_deadline(mode: str, credential: str) -> None:
    with hostile(mode, interval=0.3) as server:
        client = TerrateamClient(**_kwargs(server.url, credential))  # type: ignore[arg-type]
        started = time.monotonic()
        with pytest.raises((APIConnectionError, APIStatusError)) as info, client:
            client.kv.get("some-key")
        _check(server, info.value, time.monotonic() - started, mode)
        if credential == "api_key":
            assert server.requests[0].startswith(b"POST /api/v1/access-token/refresh")


@pytest.mark.parametrize("mode", list(EXPECTED))
@pytest.mark.parametrize("credential", ["api_key", "access_token"])
def test_async_client_ends_within_deadline(mode: str, credential: str) -> None:
    async def main() -> tuple[BaseException, float]:
        async with AsyncTerrateamClient(**_kwargs(server.url, credential)) as client:  # type: ignore[arg-type]
            started = time.monotonic()
            try:
                await client.kv.get("some-key")
            except Exception as exc:
                return exc, time.monotonic() - started
        raise AssertionError("the hostile server's answer was accepted")

    with hostile(mode, interval=0.3) as server:
        exc, elapsed = anyio.run(main)
        _check(server, exc, elapsed, mode)


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_get_access_token_ends_within_deadline(flavour: str) -> None:
    """``get_access_token()`` (the bare token exchange) is bounded too."""
    with hostile("trickle", interval=0.3) as server:

        def sync() -> None:
            with TerrateamClient(**_kwargs(server.url, "api_key")) as client:  # type: ignore[arg-type]
                client.get_access_token()

        async def main() -> None:
            async with AsyncTerrateamClient(**_kwargs(server.url, "api_key")) as c:  # type: ignore[arg-type]
                await c.get_access_token()

        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            sync() if flavour == "sync" else anyio.run(main)
        assert time.monotonic() - started < NO_HANG


def test_refresh_without_total_deadline_still_times_out() -> None:
    """With no total deadline, the token exchange still has the per-request timeout
    (it used to have none: a silent server hung the caller forever)."""
    with hostile("hang_before_headers") as server:
        client = TerrateamClient(
            api_key=API_KEY,
            base_url=server.url,
            installation_id=1,
            timeout=0.5,
            total_timeout=None,
            max_retries=0,
        )
        started = time.monotonic()
        with pytest.raises(APITimeoutError), client:
            client.kv.get("k")
        assert time.monotonic() - started < NO_HANG


def test_total_timeout_env_sets_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """TERRATEAM_TOTAL_TIMEOUT replaces the default deadline (how the CLI and Ansible get one)."""
    monkeypatch.setenv("TERRATEAM_TOTAL_TIMEOUT", "1.5")
    with hostile("trickle", interval=0.3) as server:
        started = time.monotonic()
        with (
            pytest.raises(APITimeoutError),
            TerrateamClient(
                api_key=API_KEY, base_url=server.url, installation_id=1, timeout=PER_REQUEST
            ) as client,
        ):
            client.kv.get("k")
        assert time.monotonic() - started < NO_HANG


@pytest.mark.parametrize("value", ["0", "-1", "soon", "inf"])
def test_total_timeout_env_rejects_nonsense(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    from terrateam_core.errors import ConfigurationError

    monkeypatch.setenv("TERRATEAM_TOTAL_TIMEOUT", value)
    with pytest.raises(ConfigurationError, match="TERRATEAM_TOTAL_TIMEOUT"):
        TerrateamClient(api_key=API_KEY, base_url="http://127.0.0.1:9", installation_id=1)
