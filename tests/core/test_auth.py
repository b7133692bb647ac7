"""TerrateamAuth over a fake server: exchange, cache, expiry, single-flight, 403 retry."""

from __future__ import annotations

import threading
from typing import Any

import anyio
import httpx
import pytest

from core.fakes import API_KEY, BASE, RUN_TOKEN, FakeTerrateam, json_route, make_jwt
from terrateam_core import (
    AsyncTerrateamClient,
    AuthenticationError,
    PermissionDeniedError,
    RetryPolicy,
    RunTokenInactiveError,
    TerrateamClient,
)
from terrateam_core._auth import refresh_margin

WHOAMI = ("GET", "/api/v1/whoami")


class Clock:
    """A settable clock shared by the fake server (wall) and the client (monotonic)."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def _client(fake: FakeTerrateam, clock: Clock | None = None, **kw: Any) -> TerrateamClient:
    fake.routes[WHOAMI] = json_route({"id": "u1", "vcs": ["github"]})
    if clock is not None:
        kw["monotonic"] = clock
    return TerrateamClient(
        API_KEY,
        base_url=BASE,
        transport=fake.transport(),
        retry_policy=RetryPolicy(sleep=lambda _s: None),
        **kw,
    )


def test_token_is_cached_between_calls() -> None:
    """Ten calls inside the token's lifetime cost one exchange."""
    fake = FakeTerrateam()
    with _client(fake) as client:
        for _ in range(10):
            assert client.whoami().id == "u1"
    assert fake.refreshes == 1
    assert client.auth.refresh_count == 1


def test_refresh_ahead_of_expiry_with_margin() -> None:
    """The token is replaced once the monotonic deadline (exp − margin) passes, not before."""
    clock = Clock()
    fake = FakeTerrateam(ttl=60, clock=clock)
    with _client(fake, clock) as client:
        client.whoami()
        clock.now += 60 - refresh_margin(60) - 1
        client.whoami()
        assert fake.refreshes == 1
        clock.now += 2
        client.whoami()
        assert fake.refreshes == 2
    # The refresh always came first: no call was refused.
    assert len(fake.requests) == 5


def test_margin_scales_with_lifetime_and_latency() -> None:
    """min(10 s, life/4), raised to twice the latency, capped at half the life."""
    assert refresh_margin(60) == 10
    assert refresh_margin(3) == 0.75
    assert refresh_margin(60, latency=0.1) == 10
    assert refresh_margin(3, latency=0.6) == 1.2
    assert refresh_margin(3, latency=5) == 1.5
    assert refresh_margin(60, latency=20) == 30


def test_slow_requests_make_the_client_refresh_earlier() -> None:
    """After a 12 s round trip, a 60 s token is renewed ~2×latency before expiry, not 10 s."""
    clock = Clock()
    fake = FakeTerrateam(ttl=60, clock=clock)

    def slow(request: httpx.Request) -> httpx.Response:
        clock.now += 12
        return json_route({"id": "u1", "vcs": []})(request)

    with _client(fake, clock) as client:
        fake.routes[WHOAMI] = slow
        client.whoami()  # token from t=0, the call returns at t=12
        clock.now += 60 - 24 - 12 - 1  # t=35: still inside 60 − 24
        fake.routes[WHOAMI] = json_route({"id": "u1", "vcs": []})
        client.whoami()
        assert fake.refreshes == 1
        clock.now += 4  # t=39: past 60 − 2×10.8 (the latency estimate fades by 10 % a call)
        client.whoami()
        assert fake.refreshes == 2


def test_expired_token_403_refreshes_and_retries_once() -> None:
    """A 403 on a stale token (server clock ahead) triggers one refresh and one retry."""
    clock = Clock()
    fake = FakeTerrateam(ttl=60, clock=clock)
    with _client(fake) as client:
        client.whoami()
        clock.now += 120  # the server's clock jumps; the client's monotonic deadline does not
        assert client.whoami().id == "u1"
    assert fake.refreshes == 2
    paths = [r.url.path for r in fake.requests]
    assert paths.count("/api/v1/whoami") == 3


def test_second_403_is_permission_denied() -> None:
    """When the fresh token is refused too, the call fails with PermissionDeniedError once."""
    fake = FakeTerrateam()
    fake.routes[("GET", "/api/v1/github/access-token")] = lambda _r: httpx.Response(403)
    with _client(fake) as client, pytest.raises(PermissionDeniedError) as info:
        client.access_tokens.list()
    assert info.value.status_code == 403
    assert info.value.path == "/api/v1/github/access-token"
    assert fake.refreshes == 2


def test_revoked_key_is_authentication_error_not_retried() -> None:
    """403 from the refresh endpoint → AuthenticationError ('API key rejected'), one attempt."""
    fake = FakeTerrateam(key_revoked=True)
    with _client(fake) as client, pytest.raises(AuthenticationError) as info:
        client.whoami()
    assert "API key rejected" in str(info.value)
    assert info.value.path == "/api/v1/access-token/refresh"
    assert len(fake.requests) == 1


def test_refresh_503_is_retried_by_the_outer_loop() -> None:
    """A 503 from the refresh endpoint is retried (the call itself was not sent yet)."""
    fake = FakeTerrateam()
    fake.routes[WHOAMI] = json_route({"id": "u1", "vcs": []})
    failures = {"left": 2}

    def flaky(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/refresh") and failures["left"]:
            failures["left"] -= 1
            return httpx.Response(503)
        return fake.handle(request)

    with TerrateamClient(
        API_KEY,
        base_url=BASE,
        transport=httpx.MockTransport(flaky),
        retry_policy=RetryPolicy(sleep=lambda _s: None),
    ) as client:
        assert client.whoami().id == "u1"
    assert fake.refreshes == 1
    assert failures["left"] == 0


def test_refresh_429_honours_retry_after() -> None:
    """A 429 with Retry-After from the refresh endpoint waits that long, then succeeds."""
    fake = FakeTerrateam()
    fake.routes[WHOAMI] = json_route({"id": "u1", "vcs": []})
    throttled = {"left": 1}

    def limited(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/refresh") and throttled["left"]:
            throttled["left"] -= 1
            return httpx.Response(429, headers={"Retry-After": "3"})
        return fake.handle(request)

    sleeps: list[float] = []
    with TerrateamClient(
        API_KEY,
        base_url=BASE,
        transport=httpx.MockTransport(limited),
        retry_policy=RetryPolicy(sleep=sleeps.append),
    ) as client:
        assert client.whoami().id == "u1"
    assert sleeps
    assert sleeps[0] >= 3.0


def test_sixteen_threads_crossing_expiry_refresh_once_each_time() -> None:
    """16 threads hitting an expired token cause exactly one refresh per expiry."""
    clock = Clock()
    fake = FakeTerrateam(ttl=60, clock=clock, refresh_delay=0.05)
    with _client(fake, clock) as client:
        for round_ in range(1, 4):
            barrier = threading.Barrier(16)
            errors: list[BaseException] = []

            def work(barrier: threading.Barrier = barrier, errors: list[Any] = errors) -> None:
                try:
                    barrier.wait()
                    client.whoami()
                except BaseException as exc:  # collected for the assertion below
                    errors.append(exc)

            threads = [threading.Thread(target=work) for _ in range(16)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert errors == []
            assert fake.refreshes == round_
            clock.now += 61


@pytest.mark.anyio
async def test_64_async_calls_crossing_expiry_refresh_once_each_time() -> None:
    """64 concurrent coroutines cause exactly one refresh per expiry."""
    clock = Clock()
    fake = FakeTerrateam(ttl=60, clock=clock)
    fake.routes[WHOAMI] = json_route({"id": "u1", "vcs": []})

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/refresh"):
            await anyio.sleep(0.02)  # let every caller pile up behind the lock
        return fake.handle(request)

    async with AsyncTerrateamClient(
        API_KEY, base_url=BASE, transport=httpx.MockTransport(handler), monotonic=clock
    ) as client:
        for round_ in range(1, 4):
            async with anyio.create_task_group() as tg:
                for _ in range(64):
                    tg.start_soon(client.whoami)
            assert fake.refreshes == round_
            clock.now += 61


@pytest.mark.anyio
async def test_async_403_burst_costs_one_refresh() -> None:
    """Many requests failing with the same stale token trigger one refresh, not one each."""
    clock = Clock()
    fake = FakeTerrateam(ttl=60, clock=clock)
    fake.routes[WHOAMI] = json_route({"id": "u1", "vcs": []})
    async with AsyncTerrateamClient(API_KEY, base_url=BASE, transport=fake.transport()) as client:
        await client.whoami()
        clock.now += 120
        async with anyio.create_task_group() as tg:
            for _ in range(32):
                tg.start_soon(client.whoami)
    assert fake.refreshes == 2


def test_get_access_token_is_cached_and_valid() -> None:
    """get_access_token() returns the cached token the calls use."""
    fake = FakeTerrateam()
    with _client(fake) as client:
        token = client.get_access_token()
        assert token in fake.issued
        assert client.get_access_token() == token
    assert fake.refreshes == 1


def test_ready_access_token_is_used_as_is() -> None:
    """access_token= skips the exchange entirely."""
    fake = FakeTerrateam()
    fake.routes[WHOAMI] = json_route({"id": "sys", "vcs": []})
    with TerrateamClient(access_token=RUN_TOKEN, base_url=BASE, transport=fake.transport()) as c:
        assert c.whoami().id == "sys"
        assert c.get_access_token() == RUN_TOKEN
    assert fake.refreshes == 0


def test_run_token_after_run_finished_is_clear_error() -> None:
    """Once the run ends, a run token's 403 becomes RunTokenInactiveError saying so."""
    fake = FakeTerrateam()
    fake.routes[WHOAMI] = json_route({"id": "sys", "vcs": []})
    fake.routes[("GET", "/api/v1/github/kv/1/key/k")] = json_route(
        {"key": "k", "idx": 0, "data": 1, "committed": True, "size": 1, "version": 0}
    )
    with TerrateamClient(
        access_token=RUN_TOKEN, base_url=BASE, installation_id=1, transport=fake.transport()
    ) as client:
        assert client.kv.get("k").data == 1
        fake.run_active = False
        with pytest.raises(RunTokenInactiveError) as info:
            client.kv.get("k")
    assert "no longer queued or running" in str(info.value)
    assert isinstance(info.value, AuthenticationError)


@pytest.mark.anyio
async def test_async_run_token_after_run_finished_is_clear_error() -> None:
    """The async client reports a finished run's token the same way."""
    fake = FakeTerrateam(run_active=False)
    async with AsyncTerrateamClient(
        access_token=RUN_TOKEN, base_url=BASE, transport=fake.transport()
    ) as client:
        with pytest.raises(RunTokenInactiveError):
            await client.whoami()


def test_run_token_missing_capability_is_permission_denied() -> None:
    """A live run token refused for a capability is PermissionDeniedError, not 'inactive'."""
    fake = FakeTerrateam()
    fake.routes[WHOAMI] = json_route({"id": "sys", "vcs": []})
    fake.routes[("GET", "/api/v1/github/access-token")] = lambda _r: httpx.Response(403)
    with (
        TerrateamClient(
            access_token=RUN_TOKEN, base_url=BASE, transport=fake.transport()
        ) as client,
        pytest.raises(PermissionDeniedError) as info,
    ):
        client.access_tokens.list()
    assert not isinstance(info.value, RunTokenInactiveError)


def test_expired_ready_access_token_says_so() -> None:
    """A passed-in access token past its exp gives an AuthenticationError explaining why."""
    old = make_jwt({"exp": 1000, "terrateam": {"capabilities": []}})
    fake = FakeTerrateam()
    with (
        TerrateamClient(access_token=old, base_url=BASE, transport=fake.transport()) as client,
        pytest.raises(AuthenticationError, match="expired"),
    ):
        client.whoami()


def test_auth_repr_hides_key() -> None:
    """The auth object's repr never contains the key or the token."""
    fake = FakeTerrateam()
    with _client(fake) as client:
        client.whoami()
        assert API_KEY not in repr(client.auth)
        assert client.get_access_token() not in repr(client.auth)


def test_async_client_refuses_a_second_event_loop() -> None:
    """Using one async client from two event loops fails with a clear message."""
    import asyncio

    fake = FakeTerrateam()
    fake.routes[WHOAMI] = json_route({"id": "u1", "vcs": []})
    client = AsyncTerrateamClient(API_KEY, base_url=BASE, transport=fake.transport())
    asyncio.run(client.whoami())
    with pytest.raises(RuntimeError, match="one client per event loop"):
        asyncio.run(client.whoami())
