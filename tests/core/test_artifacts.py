"""Artifacts through the core client against the emulator on a real loopback socket."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from terrateam_core import AsyncTerrateamClient, TerrateamClient
from terrateam_core._calls.artifacts_format import generation_key
from terrateam_core.errors import (
    ArtifactError,
    ChecksumMismatchError,
    KVConflictError,
    KVNotFoundError,
)

MIB = 1024 * 1024


@pytest.fixture
def client(emulator: Any) -> Iterator[TerrateamClient]:
    """A sync client for the demo installation of a freshly reset emulator."""
    with TerrateamClient(
        api_key=emulator.api_key, base_url=emulator.url, installation_id=emulator.installation_id
    ) as c:
        yield c


def ttm_records(data: bytes, chunk: int = 102_400) -> list[dict[str, str]]:
    """The records `ttm kv cp` writes, built by hand from ttm-cli.md §5.3."""
    out = []
    for start in range(0, len(data), chunk):
        text = base64.b64encode(data[start : start + chunk]).decode()
        out.append({"chk": "sha256:" + hashlib.sha256(text.encode()).hexdigest(), "data": text})
    return out


def gen_rows(client: TerrateamClient, key: str) -> list[Any]:
    """Every row (committed or not) under the key's generation prefix."""
    return list(client.kv.iter(f"{key}/.gen/", prefix=True, committed=False))


@pytest.mark.parametrize("size", [0, 1, MIB], ids=["empty", "one-byte", "exactly-one-chunk"])
def test_put_get_artifact__round_trip_small(
    client: TerrateamClient, tmp_path: Path, size: int
) -> None:
    """0 B, 1 B and exactly one default chunk come back byte for byte."""
    data = os.urandom(size)
    info = client.kv.put_artifact("art/small", data, content_type="application/octet-stream")
    assert (info.size, info.chunks, info.layout) == (size, 1 if size else 0, "generation")
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    dest = tmp_path / "out.bin"
    got = client.kv.get_artifact("art/small", dest)
    assert dest.read_bytes() == data
    assert got.sha256 == info.sha256
    assert client.kv.artifact_info("art/small").content_type == "application/octet-stream"


def test_put_get_artifact__20_mib_from_and_to_files(
    client: TerrateamClient, tmp_path: Path
) -> None:
    """A 20 MiB file streams up and down with its sha256 checked and progress reported."""
    src = tmp_path / "big.bin"
    src.write_bytes(os.urandom(20 * MIB))
    seen: list[tuple[int, int | None]] = []
    info = client.kv.put_artifact("art/big", src, progress=lambda d, t: seen.append((d, t)))
    assert info.chunks == 20
    assert seen[-1] == (20 * MIB, 20 * MIB)
    dest = tmp_path / "back.bin"
    client.kv.get_artifact("art/big", dest)
    assert hashlib.sha256(dest.read_bytes()).hexdigest() == info.sha256
    assert info.sha256 == hashlib.sha256(src.read_bytes()).hexdigest()


def test_put_artifact__replace_deletes_old_generation(client: TerrateamClient) -> None:
    """After a successful publish only the new generation's chunks remain."""
    first = client.kv.put_artifact("art/rep", b"a" * 300, chunk_size=100)
    second = client.kv.put_artifact("art/rep", b"b" * 250, chunk_size=100)
    rows = gen_rows(client, "art/rep")
    assert {r.key for r in rows} == {generation_key("art/rep", str(second.generation))}
    assert len(rows) == 3
    assert all(r.committed for r in rows)
    assert first.generation != second.generation
    buf = io.BytesIO()
    client.kv.get_artifact("art/rep", buf)
    assert buf.getvalue() == b"b" * 250


class ExplodingSource(io.RawIOBase):
    """A source stream that fails after handing out ``good`` bytes (a crash mid-upload)."""

    def __init__(self, good: int) -> None:
        self._left = good

    def readable(self) -> bool:
        return True

    def readinto(self, buf: Any) -> int:
        if self._left <= 0:
            raise OSError("disk on fire")
        n = min(len(buf), self._left)
        buf[:n] = b"x" * n
        self._left -= n
        return n


def test_put_artifact__killed_midway_keeps_old_version(client: TerrateamClient) -> None:
    """An upload that dies after some chunks leaves the old artifact readable and no debris."""
    client.kv.put_artifact("art/crash", b"old version", chunk_size=64)
    with pytest.raises(OSError, match="disk on fire"):
        client.kv.put_artifact("art/crash", io.BufferedReader(ExplodingSource(640)), chunk_size=64)
    buf = io.BytesIO()
    client.kv.get_artifact("art/crash", buf)
    assert buf.getvalue() == b"old version"
    assert len(gen_rows(client, "art/crash")) == 1


def test_get_artifact__reader_sees_only_whole_versions(client: TerrateamClient) -> None:
    """A reader looping while a writer replaces the artifact only ever gets a whole version."""
    versions = [bytes([65 + i]) * (40 * 256 + i) for i in range(6)]
    client.kv.put_artifact("art/race", versions[0], chunk_size=256)
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for data in versions[1:]:
                client.kv.put_artifact("art/race", data, chunk_size=256)
        except BaseException as exc:
            errors.append(exc)
        finally:
            stop.set()

    thread = threading.Thread(target=writer)
    thread.start()
    reads = []
    while not stop.is_set() or not reads:
        buf = io.BytesIO()
        client.kv.get_artifact("art/race", buf, concurrency=2)
        reads.append(buf.getvalue())
    thread.join()
    assert not errors
    assert all(r in versions for r in reads)


def test_put_artifact__concurrent_writers_one_conflicts(client: TerrateamClient) -> None:
    """Two writers racing from the same version: one publishes, the other gets a conflict."""
    client.kv.put_artifact("art/cw", b"base")
    barrier = threading.Barrier(2, timeout=30)
    results: dict[str, Any] = {}

    def write(name: str) -> None:
        try:
            results[name] = client.kv.put_artifact(
                "art/cw", name.encode() * 10, progress=lambda d, t: barrier.wait()
            )
        except KVConflictError as exc:
            results[name] = exc

    threads = [threading.Thread(target=write, args=(n,)) for n in ("one", "two")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    conflicts = [v for v in results.values() if isinstance(v, KVConflictError)]
    assert len(conflicts) == 1
    assert conflicts[0].status_code == 400
    winner = next(k for k, v in results.items() if not isinstance(v, KVConflictError))
    buf = io.BytesIO()
    client.kv.get_artifact("art/cw", buf)
    assert buf.getvalue() == winner.encode() * 10
    assert len(gen_rows(client, "art/cw")) == 1


def test_get_artifact__reads_ttm_written_records(client: TerrateamClient, tmp_path: Path) -> None:
    """A key holding records built exactly as `ttm kv cp` writes them reads back intact."""
    data = os.urandom(250_000)
    for idx, record in enumerate(ttm_records(data)):
        client.kv.cas("tfmigrate.history.org%2Frepo.dir", record, idx=idx)
    dest = tmp_path / "history"
    info = client.kv.get_artifact("tfmigrate.history.org%2Frepo.dir", dest)
    assert dest.read_bytes() == data
    assert (info.layout, info.chunks, info.size) == ("ttm", 3, 250_000)
    assert client.kv.artifact_info("tfmigrate.history.org%2Frepo.dir").sha256 == info.sha256


def test_put_artifact__ttm_layout_is_ttm_records(client: TerrateamClient) -> None:
    """`layout="ttm"` writes §5.3 records: 102,400-byte chunks at idx 0..n-1, nothing at n."""
    data = os.urandom(102_400 * 2 + 7)
    info = client.kv.put_artifact("plan.bin", data, layout="ttm")
    assert (info.chunks, info.chunk_size, info.generation) == (3, 102_400, None)
    raw = [client.kv.get("plan.bin", idx=i).data for i in range(3)]
    assert raw == ttm_records(data)
    assert set(raw[0]) == {"chk", "data"}
    assert client.kv.get_or_none("plan.bin", idx=3) is None


def test_put_artifact__ttm_layout_empty_file_writes_no_rows(client: TerrateamClient) -> None:
    """An empty file in the ttm layout is zero rows, as ttm writes it."""
    client.kv.set("empty.log", {"stale": True})
    client.kv.put_artifact("empty.log", b"", layout="ttm")
    assert client.kv.count("empty.log", committed=False).count == 0


def test_put_artifact__ttm_layout_draft_is_invisible_until_commit(client: TerrateamClient) -> None:
    """`committed=False` (ttm's -d) writes draft chunks that a plain read cannot see."""
    client.kv.put_artifact("draft.log", b"hello", layout="ttm", committed=False)
    with pytest.raises(KVNotFoundError):
        client.kv.get_artifact("draft.log", io.BytesIO())
    buf = io.BytesIO()
    client.kv.get_artifact("draft.log", buf, committed=False)
    assert buf.getvalue() == b"hello"


def test_get_artifact__checksum_mismatch_leaves_dest(
    client: TerrateamClient, tmp_path: Path
) -> None:
    """A corrupted chunk raises ChecksumMismatchError and leaves dest as it was."""
    info = client.kv.put_artifact("art/bad", b"0123456789" * 20, chunk_size=50)
    chunk_key = generation_key("art/bad", str(info.generation))
    record = client.kv.get(chunk_key, idx=1).data
    record["data"] = base64.b64encode(b"X" * 50).decode()
    client.kv.set(chunk_key, record, idx=1)
    dest = tmp_path / "keep.txt"
    dest.write_text("previous")
    with pytest.raises(ChecksumMismatchError) as caught:
        client.kv.get_artifact("art/bad", dest)
    assert "idx 1" in str(caught.value)
    assert record["data"] not in str(caught.value) + repr(caught.value)  # no content in errors
    assert dest.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_get_artifact__not_an_artifact(client: TerrateamClient) -> None:
    """A key holding ordinary JSON is an ArtifactError; a missing key is KVNotFoundError."""
    client.kv.set("plain", {"a": 1})
    with pytest.raises(ArtifactError):
        client.kv.get_artifact("plain", io.BytesIO())
    with pytest.raises(KVNotFoundError):
        client.kv.get_artifact("absent", io.BytesIO())


def test_put_artifact__over_ttm_layout_cleans_old_chunks(client: TerrateamClient) -> None:
    """Publishing over a ttm-layout key removes its chunks at idx 1..n."""
    client.kv.put_artifact("mixed", os.urandom(300_000), layout="ttm")
    client.kv.put_artifact("mixed", b"new")
    assert client.kv.count("mixed", committed=False).count == 1
    buf = io.BytesIO()
    client.kv.get_artifact("mixed", buf)
    assert buf.getvalue() == b"new"


def test_delete_artifact__removes_pointer_and_chunks(client: TerrateamClient) -> None:
    """Deleting removes the manifest and every chunk; deleting again reports False."""
    client.kv.put_artifact("art/del", b"z" * 1000, chunk_size=100)
    assert client.kv.delete_artifact("art/del") is True
    assert client.kv.get_or_none("art/del", committed=False) is None
    assert gen_rows(client, "art/del") == []
    assert client.kv.delete_artifact("art/del") is False


def test_aput_aget_artifact__async_round_trip(emulator: Any, tmp_path: Path) -> None:
    """The async client moves a multi-chunk artifact concurrently and reads ttm layout too."""
    data = os.urandom(3 * MIB + 5)

    async def main() -> tuple[Any, Any]:
        async with AsyncTerrateamClient(
            api_key=emulator.api_key,
            base_url=emulator.url,
            installation_id=emulator.installation_id,
        ) as ac:
            info = await ac.kv.put_artifact("art/async", data, chunk_size=256 * 1024)
            await ac.kv.get_artifact("art/async", tmp_path / "a.bin")
            await ac.kv.put_artifact("art/async-ttm", data, layout="ttm")
            ttm = await ac.kv.get_artifact("art/async-ttm", tmp_path / "b.bin")
            assert await ac.kv.delete_artifact("art/async") is True
            return info, ttm

    info, ttm = asyncio.run(main())
    assert (tmp_path / "a.bin").read_bytes() == data == (tmp_path / "b.bin").read_bytes()
    assert info.chunks == 13
    assert ttm.layout == "ttm"
    assert ttm.sha256 == info.sha256


class CountingTransport(httpx.AsyncBaseTransport):
    """A real loopback transport that records how many chunk writes are in flight at once."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.active = 0
        self.peak = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        counted = request.method == "PUT" and "/cas/key/" in request.url.path
        if counted:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            return await self.inner.handle_async_request(request)
        finally:
            if counted:
                self.active -= 1

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_aput_artifact__bounded_concurrency(emulator: Any) -> None:
    """The async client keeps several chunk writes in flight, never more than asked."""
    transport = CountingTransport()

    async def main() -> None:
        async with AsyncTerrateamClient(
            api_key=emulator.api_key,
            base_url=emulator.url,
            installation_id=emulator.installation_id,
            transport=transport,
        ) as ac:
            await ac.kv.put_artifact(
                "art/bounded", os.urandom(40 * 1024), chunk_size=1024, concurrency=4
            )

    asyncio.run(main())
    assert 1 < transport.peak <= 4


def test_artifacts__debug_log_has_no_key_or_data(
    client: TerrateamClient, emulator: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """At DEBUG the request log carries neither the API key nor the chunk contents."""
    caplog.set_level(logging.DEBUG, logger="terrateam_core")
    payload = b"TOP-SECRET-PAYLOAD " * 20
    client.kv.put_artifact("art/log", payload, chunk_size=64)
    client.kv.get_artifact("art/log", io.BytesIO())
    assert caplog.records
    assert emulator.api_key not in caplog.text
    assert base64.b64encode(payload[:63]).decode()[:40] not in caplog.text


def test_put_artifact__ttm_layout_over_generation_drops_its_chunks(
    client: TerrateamClient,
) -> None:
    """Rewriting a generation-layout key in the ttm layout leaves no orphaned generation."""
    client.kv.put_artifact("swap", b"g" * 500, chunk_size=100)
    client.kv.put_artifact("swap", b"t" * 10, layout="ttm")
    assert gen_rows(client, "swap") == []
    buf = io.BytesIO()
    assert client.kv.get_artifact("swap", buf).layout == "ttm"
    assert buf.getvalue() == b"t" * 10


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.binary(max_size=3000), chunk=st.integers(min_value=16, max_value=700))
def test_put_get_artifact__property_any_size_any_chunking(
    client: TerrateamClient, data: bytes, chunk: int
) -> None:
    """Any bytes with any chunk size come back identical, with the right chunk count."""
    info = client.kv.put_artifact("art/prop", data, chunk_size=chunk)
    assert info.chunks == -(-len(data) // chunk)
    buf = io.BytesIO()
    client.kv.get_artifact("art/prop", buf)
    assert buf.getvalue() == data


def test_aget_artifact__async_reader_sees_only_whole_versions(
    client: TerrateamClient, emulator: Any
) -> None:
    """The async reader also restarts on a replaced generation and returns whole versions."""
    versions = [bytes([97 + i]) * (30 * 200 + i) for i in range(5)]
    client.kv.put_artifact("art/arace", versions[0], chunk_size=200)
    done = threading.Event()

    def writer() -> None:
        try:
            for data in versions[1:]:
                client.kv.put_artifact("art/arace", data, chunk_size=200)
        finally:
            done.set()

    async def reader() -> list[bytes]:
        reads: list[bytes] = []
        async with AsyncTerrateamClient(
            api_key=emulator.api_key,
            base_url=emulator.url,
            installation_id=emulator.installation_id,
        ) as ac:
            while not done.is_set() or not reads:
                buf = io.BytesIO()
                await ac.kv.get_artifact("art/arace", buf, concurrency=3)
                reads.append(buf.getvalue())
            corrupt = await ac.kv.artifact_info("art/arace")
            chunk_key = generation_key("art/arace", str(corrupt.generation))
            record = client.kv.get(chunk_key, idx=0).data
            record["chk"] = "sha256:" + "0" * 64
            client.kv.set(chunk_key, record, idx=0)
            with pytest.raises(ChecksumMismatchError):
                await ac.kv.get_artifact("art/arace", io.BytesIO())
        return reads

    thread = threading.Thread(target=writer)
    thread.start()
    reads = asyncio.run(reader())
    thread.join()
    assert all(r in versions for r in reads)


def test_get_artifact__restarts_when_replaced_mid_read(
    client: TerrateamClient, emulator: Any
) -> None:
    """A replacement published between two chunk reads makes sync and async readers restart."""
    old, new = b"o" * 1000, b"n" * 700

    def replace_once(state: dict[str, bool]) -> Any:
        def progress(done: int, total: int | None) -> None:
            if not state.get("replaced"):
                state["replaced"] = True
                client.kv.put_artifact("art/mid", new, chunk_size=100)

        return progress

    client.kv.put_artifact("art/mid", old, chunk_size=100)
    buf = io.BytesIO()
    info = client.kv.get_artifact("art/mid", buf, concurrency=1, progress=replace_once({}))
    assert buf.getvalue() == new
    assert info.size == 700

    client.kv.put_artifact("art/mid", old, chunk_size=100)

    async def main() -> bytes:
        async with AsyncTerrateamClient(
            api_key=emulator.api_key,
            base_url=emulator.url,
            installation_id=emulator.installation_id,
        ) as ac:
            out = io.BytesIO()
            await ac.kv.get_artifact("art/mid", out, concurrency=1, progress=replace_once({}))
            return out.getvalue()

    assert asyncio.run(main()) == new


def _dead_upload(client: TerrateamClient, key: str, name: str) -> str:
    """Leave two uncommitted chunks under a generation key, as an upload killed midway does."""
    chunk_key = generation_key(key, name)
    for idx, record in enumerate(ttm_records(os.urandom(2 * 1024), chunk=1024)):
        client.kv.set(chunk_key, record, idx=idx, committed=False)
    return chunk_key


def test_put_artifact__next_publish_drops_idle_orphaned_generation(
    client: TerrateamClient, emulator: Any
) -> None:
    """A dead upload's generation survives while young and goes with the next publish once idle."""
    client.kv.put_artifact("app/orphans", b"v1")
    orphan = _dead_upload(client, "app/orphans", "dead")

    client.kv.put_artifact("app/orphans", b"v2")  # young: maybe a writer still uploading
    assert {r.key for r in gen_rows(client, "app/orphans")} >= {orphan}

    emulator.admin.advance_clock(11 * 60)
    client.kv.put_artifact("app/orphans", b"v3")
    keys = {r.key for r in gen_rows(client, "app/orphans")}
    assert orphan not in keys
    assert len(keys) == 1  # only v3's generation is left
    out = io.BytesIO()
    client.kv.get_artifact("app/orphans", out)
    assert out.getvalue() == b"v3"
