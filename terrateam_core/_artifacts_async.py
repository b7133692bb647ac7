"""Artifacts for the async client: the same format and steps as ``_artifacts.py``.

Chunks are transferred concurrently (``concurrency`` requests in flight); file reads and writes
stay synchronous because each is one local, bounded chunk.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from terrateam_core._artifacts_format import (
    DEFAULT_CHUNK_SIZE,
    MAX_CHUNKS,
    TTM_CHUNK_SIZE,
    ArtifactDest,
    ArtifactSource,
    Layout,
    Manifest,
    Sink,
    decode_chunk,
    encode_chunk,
    generation_key,
    is_chunk,
    is_manifest,
    iter_source_chunks,
    open_source,
)
from terrateam_core.errors import ArtifactError, ChecksumMismatchError, TerrateamError

if TYPE_CHECKING:
    from terrateam_core._async_client import AsyncTerrateamClient
    from terrateam_core.models import ArtifactInfo

__all__ = ["artifact_info", "delete_artifact", "get_artifact", "put_artifact"]

logger = logging.getLogger("terrateam_core.artifacts")

_CONCURRENCY = 8
_MAX_RESTARTS = 10
_Progress = Callable[[int, "int | None"], None]


def _info(key: str, layout: Layout, **fields: Any) -> ArtifactInfo:
    from terrateam_core.models import ArtifactInfo

    return ArtifactInfo(key=key, layout=layout, **fields)


def _manifest_info(key: str, m: Manifest) -> ArtifactInfo:
    return _info(
        key,
        "generation",
        size=m.size,
        sha256=m.sha256,
        chunk_size=m.chunk_size,
        chunks=m.chunks,
        content_type=m.content_type,
        generation=m.generation,
    )


async def put_artifact(
    client: AsyncTerrateamClient,
    key: str,
    source: ArtifactSource,
    *,
    chunk_size: int | None = None,
    content_type: str | None = None,
    layout: Layout = "generation",
    progress: _Progress | None = None,
    committed: bool = True,
    read_caps: Sequence[Any] | None = None,
    write_caps: Sequence[Any] | None = None,
    concurrency: int = _CONCURRENCY,
    installation_id: int | str | None = None,
    vcs: str | None = None,
) -> ArtifactInfo:
    """Upload an artifact; the async twin of ``put_artifact`` (same arguments and errors)."""
    if layout not in ("generation", "ttm"):
        raise ValueError(f"layout must be 'generation' or 'ttm', not {layout!r}")
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    if not committed and layout != "ttm":
        raise ValueError("draft (committed=False) artifacts need layout='ttm'")
    size_hint = chunk_size or (TTM_CHUNK_SIZE if layout == "ttm" else DEFAULT_CHUNK_SIZE)
    if size_hint < 1:
        raise ValueError("chunk_size must be positive")
    scope: dict[str, Any] = {"installation_id": installation_id, "vcs": vcs}
    caps: dict[str, Any] = {"read_caps": read_caps, "write_caps": write_caps}
    stream, total, owned = open_source(source)

    async def upload(chunk_key: str, chunk_committed: bool) -> tuple[int, str, int]:
        hasher = hashlib.sha256()
        size = done = count = 0
        inflight: deque[tuple[asyncio.Task[Any], int]] = deque()
        try:
            for idx, raw in enumerate(iter_source_chunks(stream, size_hint)):
                if idx >= MAX_CHUNKS:
                    raise ArtifactError(f"artifact needs more than {MAX_CHUNKS} chunks")
                hasher.update(raw)
                size += len(raw)
                count += 1
                coro = client.kv.cas(
                    chunk_key,
                    encode_chunk(raw),
                    idx=idx,
                    committed=chunk_committed,
                    **caps,
                    **scope,
                )
                inflight.append((asyncio.ensure_future(coro), len(raw)))
                while len(inflight) >= concurrency or (inflight and inflight[0][0].done()):
                    task, n = inflight.popleft()
                    await task
                    done += n
                    if progress is not None:
                        progress(done, total)
            while inflight:
                task, n = inflight.popleft()
                await task
                done += n
                if progress is not None:
                    progress(done, total)
        except BaseException:
            # Let writes already sent finish, so none lands after the caller's cleanup.
            await asyncio.gather(*(t for t, _ in inflight), return_exceptions=True)
            raise
        return size, hasher.hexdigest(), count

    try:
        if layout == "ttm":
            previous = await client.kv.get_or_none(key, idx=0, committed=False, **scope)
            await client.kv.delete(key, **scope)
            if previous is not None and is_manifest(previous.data):
                await _cleanup_previous(client, key, previous, scope)  # its generation's chunks
            size, digest, chunks = await upload(key, committed)
            return _info(
                key,
                "ttm",
                size=size,
                sha256=digest,
                chunk_size=size_hint,
                chunks=chunks,
                content_type=None,
                generation=None,
            )
        current = await client.kv.get_or_none(key, idx=0, committed=False, **scope)
        generation = uuid.uuid4().hex
        chunk_key = generation_key(key, generation)
        try:
            size, digest, chunks = await upload(chunk_key, False)
            if chunks:
                await client.kv.commit([(chunk_key, None)], **scope)
            manifest = Manifest(size, digest, size_hint, chunks, content_type, generation)
            version = current.version if current is not None else None
            await client.kv.cas(key, manifest.to_json(), version=version, idx=0, **caps, **scope)
        except BaseException:
            await _quietly(client.kv.delete(chunk_key, **scope), "drop unpublished generation")
            raise
        await _cleanup_previous(client, key, current, scope)
        return _manifest_info(key, manifest)
    finally:
        if owned:
            stream.close()


async def _quietly(action: Awaitable[object], what: str) -> None:
    try:
        await action
    except TerrateamError as exc:
        logger.warning("artifact cleanup failed (%s): %s", what, type(exc).__name__)


async def _cleanup_previous(
    client: AsyncTerrateamClient, key: str, previous: Any, scope: dict[str, Any]
) -> None:
    if previous is None:
        return
    if is_manifest(previous.data):
        try:
            old = Manifest.from_json(previous.data, key=key).generation
        except ArtifactError:
            return
        await _quietly(client.kv.delete(generation_key(key, old), **scope), "drop old chunks")
    elif is_chunk(previous.data):

        async def drop_tail() -> None:
            count = await client.kv.count(key, committed=False, **scope)
            for idx in range(1, (count.max_idx or 0) + 1):
                await client.kv.delete(key, idx=idx, **scope)

        await _quietly(drop_tail(), "drop old ttm chunks")


async def get_artifact(
    client: AsyncTerrateamClient,
    key: str,
    dest: ArtifactDest,
    *,
    progress: _Progress | None = None,
    committed: bool = True,
    concurrency: int = _CONCURRENCY,
    installation_id: int | str | None = None,
    vcs: str | None = None,
) -> ArtifactInfo:
    """Download an artifact into ``dest``; the async twin of ``get_artifact``."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    scope: dict[str, Any] = {"installation_id": installation_id, "vcs": vcs}
    sink = Sink(dest)
    try:
        info = await _read(
            client, key, sink.file.write, sink.reset, committed, concurrency, progress, scope
        )
        sink.commit()
    except BaseException:
        sink.abort()
        raise
    return info


async def artifact_info(
    client: AsyncTerrateamClient,
    key: str,
    *,
    committed: bool = True,
    installation_id: int | str | None = None,
    vcs: str | None = None,
) -> ArtifactInfo:
    """Describe the artifact at ``key``; the async twin of ``artifact_info``."""
    scope: dict[str, Any] = {"installation_id": installation_id, "vcs": vcs}
    first = await client.kv.get(key, idx=0, committed=committed, **scope)
    if is_manifest(first.data):
        return _manifest_info(key, Manifest.from_json(first.data, key=key))
    return await _read(
        client,
        key,
        lambda _b: None,
        lambda: None,
        committed,
        _CONCURRENCY,
        None,
        scope,
        first=first,
    )


async def delete_artifact(
    client: AsyncTerrateamClient,
    key: str,
    *,
    installation_id: int | str | None = None,
    vcs: str | None = None,
) -> bool:
    """Delete the artifact at ``key``; the async twin of ``delete_artifact``."""
    scope: dict[str, Any] = {"installation_id": installation_id, "vcs": vcs}
    first = await client.kv.get_or_none(key, idx=0, committed=False, **scope)
    deleted = bool(await client.kv.delete(key, **scope))
    if first is not None and is_manifest(first.data):
        try:
            generation = Manifest.from_json(first.data, key=key).generation
        except ArtifactError:
            return deleted
        deleted = bool(await client.kv.delete(generation_key(key, generation), **scope)) or deleted
    return deleted


async def _ordered_gets(
    client: AsyncTerrateamClient,
    key: str,
    start: int,
    stop: int,
    committed: bool,
    concurrency: int,
    scope: dict[str, Any],
) -> AsyncIterator[Any]:
    """Yield the records at idx start..stop-1 in order (``None`` when missing)."""
    pending: deque[asyncio.Task[Any]] = deque()
    nxt = start
    try:
        while True:
            while nxt < stop and len(pending) < concurrency:
                coro = client.kv.get_or_none(key, idx=nxt, committed=committed, **scope)
                pending.append(asyncio.ensure_future(coro))
                nxt += 1
            if not pending:
                return
            yield await pending.popleft()
    finally:
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


async def _read(
    client: AsyncTerrateamClient,
    key: str,
    write: Callable[[bytes], object],
    reset: Callable[[], None],
    committed: bool,
    concurrency: int,
    progress: _Progress | None,
    scope: dict[str, Any],
    *,
    first: Any = None,
) -> ArtifactInfo:
    for _ in range(_MAX_RESTARTS):
        if first is None:
            first = await client.kv.get(key, idx=0, committed=committed, **scope)
        if is_chunk(first.data):
            return await _read_ttm(
                client, key, first, write, committed, concurrency, progress, scope
            )
        if not is_manifest(first.data):
            raise ArtifactError(f"{key!r} holds neither an artifact manifest nor ttm chunks")
        m = Manifest.from_json(first.data, key=key)
        chunk_key = generation_key(key, m.generation)
        hasher = hashlib.sha256()
        size = 0
        complete = True
        records = _ordered_gets(client, chunk_key, 0, m.chunks, True, concurrency, scope)
        try:
            idx = 0
            async for record in records:
                if record is None:
                    complete = False
                    break
                raw = decode_chunk(record.data, key=chunk_key, idx=idx)
                idx += 1
                hasher.update(raw)
                size += len(raw)
                write(raw)
                if progress is not None:
                    progress(size, m.size)
        finally:
            await records.aclose()  # type: ignore[attr-defined]
        if complete:
            if size != m.size or hasher.hexdigest() != m.sha256:
                raise ChecksumMismatchError(
                    f"artifact {key!r}: size or sha256 does not match its manifest"
                )
            return _manifest_info(key, m)
        reset()  # a writer replaced the artifact meanwhile and dropped these chunks
        first = await client.kv.get(key, idx=0, committed=committed, **scope)
        if is_manifest(first.data) and first.data.get("generation") == m.generation:
            raise ArtifactError(f"artifact {key!r} is incomplete: a chunk is missing")
    raise ArtifactError(f"artifact {key!r} kept changing while it was read")


async def _read_ttm(
    client: AsyncTerrateamClient,
    key: str,
    first: Any,
    write: Callable[[bytes], object],
    committed: bool,
    concurrency: int,
    progress: _Progress | None,
    scope: dict[str, Any],
) -> ArtifactInfo:
    raw = decode_chunk(first.data, key=key, idx=0)
    hasher = hashlib.sha256(raw)
    size, chunks, chunk_size = len(raw), 1, len(raw)
    write(raw)
    if progress is not None:
        progress(size, None)
    records = _ordered_gets(client, key, 1, MAX_CHUNKS, committed, concurrency, scope)
    try:
        async for record in records:
            if record is None:  # ttm's end of file: the first missing idx
                break
            raw = decode_chunk(record.data, key=key, idx=chunks)
            hasher.update(raw)
            size += len(raw)
            chunks += 1
            write(raw)
            if progress is not None:
                progress(size, None)
    finally:
        await records.aclose()  # type: ignore[attr-defined]
    return _info(
        key,
        "ttm",
        size=size,
        sha256=hasher.hexdigest(),
        chunk_size=chunk_size,
        chunks=chunks,
        content_type=None,
        generation=None,
    )
