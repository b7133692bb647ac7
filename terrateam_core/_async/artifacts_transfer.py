"""Chunk transfers of the artifact functions: bounded concurrent writes, ordered reads.

Split from the artifact functions to keep modules small; nothing here is public. The concurrency
itself (tasks or threads) is in the chunk pool.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from typing import TYPE_CHECKING, Any

from terrateam_core._async.artifacts_pool import AsyncChunkPool, Handle
from terrateam_core._calls.artifacts_format import (
    MAX_CHUNKS,
    Manifest,
    Progress,
    decode_chunk,
    generation_key,
    info,
    is_chunk,
    is_manifest,
    iter_source_chunks,
    manifest_info,
)
from terrateam_core._codec import chunk_json
from terrateam_core.errors import ArtifactError, ChecksumMismatchError

if TYPE_CHECKING:
    # Anything with a ``kv`` store: the artifacts namespace passes itself (no client import).
    from terrateam_core._async.session import AsyncKVOwner as AsyncTerrateamClient
    from terrateam_core.models import ArtifactInfo

__all__ = ["read", "upload_chunks"]

MAX_RESTARTS = 10  # a reader restarts when the artifact is replaced under it


async def upload_chunks(
    client: AsyncTerrateamClient,
    chunk_key: str,
    stream: Any,
    chunk_size: int,
    committed: bool,
    caps: dict[str, Any],
    scope: dict[str, Any],
    concurrency: int,
    progress: Progress | None,
    total: int | None,
) -> tuple[int, str, int]:
    """Insert the chunks at idx 0..n-1 of ``chunk_key``; return (size, sha256, chunk count)."""
    hasher = hashlib.sha256()
    size = done = count = 0
    inflight: deque[tuple[Handle[Any], int]] = deque()
    async with AsyncChunkPool(concurrency, "artifact-put") as pool:
        for idx, raw in enumerate(iter_source_chunks(stream, chunk_size)):
            if idx >= MAX_CHUNKS:
                raise ArtifactError(f"artifact needs more than {MAX_CHUNKS} chunks")
            hasher.update(raw)
            size += len(raw)
            count += 1
            record = chunk_json(raw)  # the JSON body's bytes, no dict: see _codec
            handle = pool.submit(
                client.kv.cas, chunk_key, record, idx=idx, committed=committed, **caps, **scope
            )
            inflight.append((handle, len(raw)))
            while len(inflight) >= concurrency or (inflight and inflight[0][0].done()):
                first, n = inflight.popleft()
                await pool.result(first)
                done += n
                if progress is not None:
                    progress(done, total)
        while inflight:
            first, n = inflight.popleft()
            await pool.result(first)
            done += n
            if progress is not None:
                progress(done, total)
    return size, hasher.hexdigest(), count


async def read(
    client: AsyncTerrateamClient,
    key: str,
    write: Callable[[bytes], object],
    reset: Callable[[], None],
    committed: bool,
    concurrency: int,
    progress: Progress | None,
    scope: dict[str, Any],
    *,
    first: Any = None,
) -> ArtifactInfo:
    """Stream the artifact at ``key`` (either layout) into ``write``, verifying everything.

    ``reset`` is called before starting over when a writer replaced the artifact mid-read.
    """
    for _ in range(MAX_RESTARTS):
        if first is None:
            first = await client.kv.get(key, idx=0, committed=committed, **scope)
        if is_chunk(first.data):
            return await _read_ttm(
                client, key, first, write, committed, concurrency, progress, scope
            )
        if not is_manifest(first.data):
            raise ArtifactError(f"{key!r} holds neither an artifact manifest nor ttm chunks")
        m = Manifest.from_json(first.data, key=key)
        if await _read_generation(client, key, m, write, concurrency, progress, scope):
            return manifest_info(key, m)
        # A chunk vanished: a writer replaced the artifact (and dropped these chunks) meanwhile.
        reset()
        first = await client.kv.get(key, idx=0, committed=committed, **scope)
        if is_manifest(first.data) and first.data.get("generation") == m.generation:
            raise ArtifactError(f"artifact {key!r} is incomplete: a chunk is missing")
    raise ArtifactError(f"artifact {key!r} kept changing while it was read")


async def _ordered_gets(
    pool: AsyncChunkPool,
    client: AsyncTerrateamClient,
    key: str,
    start: int,
    stop: int,
    committed: bool,
    concurrency: int,
    scope: dict[str, Any],
) -> AsyncGenerator[Any, None]:
    """Yield the records at idx start..stop-1 in order (``None`` when missing), ``concurrency`` in
    flight; the caller stops iterating at the first ``None`` when it reads until a gap."""
    pending: deque[Handle[Any]] = deque()
    nxt = start
    while True:
        while nxt < stop and len(pending) < concurrency:
            pending.append(
                pool.submit(client.kv.get_or_none, key, idx=nxt, committed=committed, **scope)
            )
            nxt += 1
        if not pending:
            return
        yield await pool.result(pending.popleft())


async def _read_generation(
    client: AsyncTerrateamClient,
    key: str,
    m: Manifest,
    write: Callable[[bytes], object],
    concurrency: int,
    progress: Progress | None,
    scope: dict[str, Any],
) -> bool:
    chunk_key = generation_key(key, m.generation)
    hasher = hashlib.sha256()
    size = idx = 0
    async with (
        AsyncChunkPool(concurrency, "artifact-get", cancel_on_exit=True) as pool,
        aclosing(
            _ordered_gets(pool, client, chunk_key, 0, m.chunks, True, concurrency, scope)
        ) as records,
    ):
        async for record in records:
            if record is None:
                return False
            raw = decode_chunk(record.data, key=chunk_key, idx=idx)
            if len(raw) != m.chunk_length(idx):
                # Checked as each chunk arrives, not after the last one: a lying manifest
                # fails at once.
                raise ChecksumMismatchError(
                    f"artifact {key!r}: chunk {idx} holds {len(raw)} bytes, its manifest says "
                    f"{m.chunk_length(idx)}"
                )
            idx += 1
            hasher.update(raw)
            size += len(raw)
            write(raw)
            if progress is not None:
                progress(size, m.size)
    if size != m.size or hasher.hexdigest() != m.sha256:
        raise ChecksumMismatchError(f"artifact {key!r}: size or sha256 does not match its manifest")
    return True


async def _read_ttm(
    client: AsyncTerrateamClient,
    key: str,
    first: Any,
    write: Callable[[bytes], object],
    committed: bool,
    concurrency: int,
    progress: Progress | None,
    scope: dict[str, Any],
) -> ArtifactInfo:
    raw = decode_chunk(first.data, key=key, idx=0)
    hasher = hashlib.sha256(raw)
    size, chunks, chunk_size = len(raw), 1, len(raw)
    write(raw)
    if progress is not None:
        progress(size, None)
    async with (
        AsyncChunkPool(concurrency, "artifact-get", cancel_on_exit=True) as pool,
        aclosing(
            _ordered_gets(pool, client, key, 1, MAX_CHUNKS, committed, concurrency, scope)
        ) as records,
    ):
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
    return info(
        key,
        "ttm",
        size=size,
        sha256=hasher.hexdigest(),
        chunk_size=chunk_size,
        chunks=chunks,
        content_type=None,
        generation=None,
    )
