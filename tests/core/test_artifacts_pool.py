"""The two hand-written chunk pools (tasks and threads) that the generated transfers rely on."""

from __future__ import annotations

import asyncio
import gc
import io
import threading
from typing import Any

import pytest

from core.test_artifacts import ExplodingSource
from terrateam_core import AsyncTerrateamClient
from terrateam_core._async.artifacts_pool import AsyncChunkPool
from terrateam_core._sync.artifacts_pool import ChunkPool


class Boom(Exception):
    """The caller's failure in the middle of a transfer."""


def test_async_pool__exit_on_error_waits_for_running_writes() -> None:
    """A failing upload leaves no write running: each one started has finished on exit."""
    finished: list[int] = []

    async def write(i: int) -> int:
        await asyncio.sleep(0.01 * i)
        finished.append(i)
        return i

    async def fail() -> None:
        async with AsyncChunkPool(4, "t") as pool:
            for i in range(4):
                pool.submit(write, i)
            raise Boom

    async def main() -> None:
        with pytest.raises(Boom):
            await fail()
        assert sorted(finished) == [0, 1, 2, 3]

    asyncio.run(main())


def test_async_pool__cancel_on_exit_abandons_reads() -> None:
    """A reader that stops early cancels the gets still in flight."""
    finished: list[int] = []

    async def get(i: int) -> int:
        await asyncio.sleep(30)
        finished.append(i)
        return i

    async def main() -> list[bool]:
        async with AsyncChunkPool(2, "t", cancel_on_exit=True) as pool:
            handles = [pool.submit(get, i) for i in range(2)]
            await asyncio.sleep(0)
        return [h.cancelled() for h in handles]

    assert asyncio.run(main()) == [True, True]
    assert finished == []


def test_async_pool__results_in_order_and_errors_raised() -> None:
    """``result`` returns what the call returned and raises what it raised."""

    async def ok(v: int) -> int:
        return v

    async def bad() -> int:
        raise Boom

    async def main() -> None:
        async with AsyncChunkPool(2, "t") as pool:
            assert await pool.result(pool.submit(ok, 7)) == 7
            with pytest.raises(Boom):
                await pool.result(pool.submit(bad))

    asyncio.run(main())


def test_async_pool__an_error_nobody_awaits_is_not_logged() -> None:
    """After a failed transfer, other failed calls do not log "exception never retrieved"."""
    reported: list[dict[str, Any]] = []

    async def bad() -> None:
        raise Boom

    async def main() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda _l, ctx: reported.append(ctx))
        async with AsyncChunkPool(2, "t") as pool:
            pool.submit(bad)
            await asyncio.sleep(0.01)
        gc.collect()
        await asyncio.sleep(0)

    asyncio.run(main())
    assert reported == []


def test_sync_pool__exit_drops_queued_and_waits_for_running() -> None:
    """Threads cannot be cancelled: the running call finishes, the queued one never starts."""
    started, release = threading.Event(), threading.Event()
    ran: list[str] = []

    def slow() -> None:
        started.set()
        release.wait(5)
        ran.append("slow")

    def fail() -> None:
        with ChunkPool(1, "t") as pool:
            pool.submit(slow)
            started.wait(5)
            pool.submit(lambda: ran.append("queued"))
            # Let the running call end only once the pool is shutting down.
            threading.Timer(0.2, release.set).start()
            raise Boom

    with pytest.raises(Boom):
        fail()
    assert ran == ["slow"]


def test_sync_pool__results_and_thread_names() -> None:
    """``result`` returns the call's value; workers carry the transfer's name."""
    with ChunkPool(2, "artifact-test") as pool:
        name = pool.result(pool.submit(lambda: threading.current_thread().name))
    assert name.startswith("artifact-test")


def test_aput_artifact__killed_midway_keeps_old_version(emulator: Any) -> None:
    """An async upload that dies after some chunks leaves the old artifact and no debris."""

    async def main() -> tuple[bytes, int]:
        async with AsyncTerrateamClient(
            api_key=emulator.api_key,
            base_url=emulator.url,
            installation_id=emulator.installation_id,
        ) as ac:
            await ac.kv.put_artifact("art/acrash", b"old version", chunk_size=64)
            with pytest.raises(OSError, match="disk on fire"):
                await ac.kv.put_artifact(
                    "art/acrash", io.BufferedReader(ExplodingSource(640)), chunk_size=64
                )
            buf = io.BytesIO()
            await ac.kv.get_artifact("art/acrash", buf)
            rows = [r async for r in ac.kv.iter("art/acrash/.gen/", prefix=True, committed=False)]
            return buf.getvalue(), len({r.key for r in rows})

    data, generations = asyncio.run(main())
    assert data == b"old version"
    assert generations == 1
