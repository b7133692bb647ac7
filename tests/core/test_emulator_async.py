"""The async client against an in-process emulator app through ``httpx.ASGITransport``."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import pytest

from terrateam_core import (
    AsyncTerrateamClient,
    KVConflictError,
    RetryPolicy,
    RunTokenInactiveError,
)

pytestmark = pytest.mark.anyio

INSTALLATION = 12345


async def _no_sleep(_s: float) -> None:
    return None


class Monotonic:
    """A monotonic clock the test moves forward together with the emulator's clock."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset


class Dev:
    """The emulator's developer API over the same in-process transport."""

    def __init__(self, app: Any) -> None:
        self.app = app
        # A loopback Host and JSON: the developer API answers nothing else (its owner only).
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://localhost",
            headers={"content-type": "application/json"},
        )

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        r = await self.http.request(method, f"/_emulator{path}", json=body)
        assert r.status_code < 400, r.text
        return r.json() if r.content else None

    async def refreshes(self) -> int:
        return int((await self.call("GET", "/stats"))["refreshes"])

    def advance(self, seconds: float) -> None:
        self.app.state.clock.advance(seconds)


@pytest.fixture
async def dev(emulator_app: Any) -> AsyncIterator[Dev]:
    """Developer-API helper bound to the fresh in-process app."""
    d = Dev(emulator_app)
    yield d
    await d.http.aclose()


def _client(app: Any, **kw: Any) -> AsyncTerrateamClient:
    kw.setdefault("retry_policy", RetryPolicy(async_sleep=_no_sleep))
    return AsyncTerrateamClient(
        app.state.emulator.demo_api_key,
        base_url="http://emu",
        installation_id=INSTALLATION,
        transport=httpx.ASGITransport(app=app),
        **kw,
    )


async def test_64_concurrent_calls_crossing_expiry_refresh_once_each_time(
    emulator_app: Any, dev: Dev
) -> None:
    """64 coroutines, three token lifetimes: exactly one refresh per lifetime."""
    mono = Monotonic()
    async with _client(emulator_app, monotonic=mono) as client:
        await client.kv.set("async/k", 1)
        await dev.call("POST", "/stats/reset")
        for round_ in range(1, 4):
            dev.advance(61)
            mono.offset += 61
            async with anyio.create_task_group() as tg:
                for _ in range(64):
                    tg.start_soon(client.kv.get, "async/k")
            assert await dev.refreshes() == round_


async def test_403_burst_on_stale_token_costs_one_refresh(emulator_app: Any, dev: Dev) -> None:
    """Server clock past exp, client unaware: 64 calls get 403 once each, one refresh in all."""
    async with _client(emulator_app) as client:
        await client.kv.set("async/k", 1)
        await dev.call("POST", "/stats/reset")
        dev.advance(61)
        async with anyio.create_task_group() as tg:
            for _ in range(64):
                tg.start_soon(client.kv.get, "async/k")
        assert await dev.refreshes() == 1


async def test_faults_recovered(emulator_app: Any, dev: Dev) -> None:
    """429 and 503 faults on KV reads are retried to success."""
    async with _client(emulator_app) as client:
        await client.kv.set("async/f", "v")
        await dev.call("POST", "/faults", {"kind": "status", "status": 429, "retry_after": 1})
        await dev.call("POST", "/faults", {"kind": "status", "status": 503, "count": 2})
        assert (await client.kv.get("async/f")).data == "v"


async def test_lists_paged_to_the_end(emulator_app: Any) -> None:
    """Async paginators read every work manifest, dirspace and repo."""
    async with _client(emulator_app) as client:
        small = [w.id async for w in client.work_manifests.list(limit=9)]
        big = [w.id async for w in client.work_manifests.list(limit=100)]
        assert small == big
        assert len(big) >= 150
        assert [d.id async for d in client.dirspaces.list(limit=11)] == [
            d.id async for d in client.dirspaces.list(limit=100)
        ]
        assert len([r async for r in client.repos.list(limit=1)]) == 4


async def test_kv_iter_update_and_cas(emulator_app: Any) -> None:
    """iter pages past one page; update increments; a stale CAS conflicts."""
    async with _client(emulator_app) as client:
        for i in range(12):
            await client.kv.set(f"p/{i:02d}", i)
        keys = [r.key async for r in client.kv.iter("p/", prefix=True, page_size=5)]
        assert keys == [f"p/{i:02d}" for i in range(12)]
        async with anyio.create_task_group() as tg:
            for _ in range(10):
                tg.start_soon(client.kv.update, "n", lambda v: (v or 0) + 1)
        assert (await client.kv.get("n")).data == 10
        with pytest.raises(KVConflictError):
            await client.kv.cas("n", 0, version=0)


async def test_run_token_lifecycle(emulator_app: Any, dev: Dev) -> None:
    """The run token works while its manifest runs and fails clearly once it completes."""
    wm = await dev.call(
        "POST",
        "/work-manifests",
        {
            "installation_id": INSTALLATION,
            "repo": "infrastructure",
            "run_type": "plan",
            "state": "running",
        },
    )
    token = (await dev.call("GET", f"/work-manifests/{wm['id']}/token"))["token"]
    async with AsyncTerrateamClient(
        access_token=token,
        base_url="http://emu",
        installation_id=INSTALLATION,
        transport=httpx.ASGITransport(app=emulator_app),
    ) as run:
        await run.kv.set("plan", "ok")
        assert (await run.kv.get("plan")).data == "ok"
        await dev.call("POST", f"/work-manifests/{wm['id']}/state", {"state": "completed"})
        with pytest.raises(RunTokenInactiveError):
            await run.kv.get("plan")


async def test_access_tokens_and_tasks(emulator_app: Any, dev: Dev) -> None:
    """create finds the new id; repos.refresh → tasks.wait."""
    async with _client(emulator_app) as client:
        created = await client.access_tokens.create("async-ci", ["kv_store_read"])
        assert created.id in {k.id for k in await client.access_tokens.list()}
        task_id = await client.repos.refresh()
        await dev.call("POST", f"/tasks/{task_id}/state", {"state": "completed"})
        task = await client.tasks.wait(task_id, timeout=5, poll_interval=0.01)
        assert task.state == "completed"
        assert (await client.whoami()).vcs == ["github", "gitlab"]
        assert await client.get_access_token()
