"""Artifacts: binary files in the KV store, in ttm's chunk format.

``AsyncArtifacts.put`` writes the chunks uncommitted under a fresh generation key, commits them in
one call and only then publishes a manifest at ``<key>`` with a compare-and-swap, so readers
never see a half-written artifact and two concurrent writers cannot silently overwrite each
other. ``AsyncArtifacts.get`` follows the manifest (or reads a key written by ``ttm kv cp``
directly), checks every chunk, the size and the SHA-256, and replaces ``dest`` only when
everything matched.
The chunk transfers are in ``artifacts_transfer.py``; the format is in ``docs/artifacts.md``
(and ``terrateam_core/_calls/artifacts_format.py``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from terrateam_core._async.artifacts_transfer import read, upload_chunks
from terrateam_core._async.session import (
    AsyncKVOwner,
    AsyncKVStore,
    AsyncNamespaceBase,
    AsyncSession,
)
from terrateam_core._calls.artifacts_format import (
    MAX_CHUNKS,
    UPLOAD_MARKER_FORMAT,
    ArtifactDest,
    ArtifactSource,
    Layout,
    Manifest,
    Progress,
    Sink,
    check_args,
    generation_key,
    info,
    is_chunk,
    is_manifest,
    manifest_info,
    open_source,
    upload_marker,
    upload_marker_key,
)
from terrateam_core.errors import (
    ArtifactError,
    IncompleteArtifactError,
    KVNotFoundError,
    TerrateamError,
)

if TYPE_CHECKING:
    from terrateam_core.models import ArtifactInfo, KVRecord

__all__ = ["AsyncArtifacts"]

logger = logging.getLogger("terrateam_core.artifacts")

DEFAULT_CONCURRENCY = 8

# A generation nobody has written to for this long belongs to an upload that died (a crash,
# SIGKILL, a lost machine): the next publish of the key deletes it. A younger one may still
# be uploading, and deleting its chunks would let it publish a broken artifact.
ORPHAN_GRACE = timedelta(minutes=10)


async def _put_generation(
    client: AsyncKVOwner,
    key: str,
    stream: Any,
    chunk_size: int,
    content_type: str | None,
    caps: dict[str, Any],
    scope: dict[str, Any],
    concurrency: int,
    progress: Progress | None,
    total: int | None,
) -> ArtifactInfo:
    current = await client.kv.get_or_none(key, idx=0, committed=False, **scope)
    generation = uuid.uuid4().hex
    chunk_key = generation_key(key, generation)
    try:
        size, digest, chunks = await upload_chunks(
            client, chunk_key, stream, chunk_size, False, caps, scope, concurrency, progress, total
        )
        if chunks:
            await client.kv.commit([(chunk_key, None)], **scope)
        manifest = Manifest(size, digest, chunk_size, chunks, content_type, generation)
        # The publish: the only write readers can see. A lost race is a KVConflictError.
        version = current.version if current is not None else None
        published = await client.kv.cas(
            key, manifest.to_json(), version=version, idx=0, **caps, **scope
        )
    except BaseException:
        await _quietly(lambda: client.kv.delete(chunk_key, **scope), "drop unpublished generation")
        raise
    await _cleanup_previous(client, key, current, scope)
    if current is None or is_chunk(current.data):
        # The key held nothing or ttm chunks: drop the flag an interrupted ttm upload left.
        marker = upload_marker_key(key)
        await _quietly(lambda: client.kv.delete(marker, **scope), "drop upload marker")
    await _quietly(
        lambda: _drop_orphans(client, key, chunk_key, published.created_at, scope),
        "drop orphaned generations",
    )
    return manifest_info(key, manifest)


async def _drop_orphans(
    client: AsyncKVOwner,
    key: str,
    keep: str,
    now: datetime | None,
    scope: dict[str, Any],
) -> None:
    """Delete the generations of ``key`` that dead uploads left behind (idle > ORPHAN_GRACE).

    ``now`` is the server's time of the publish, so the two clocks never get compared. Each
    generation costs a few single-record requests: the server's ``select`` cannot be relied on
    to leave the chunk data out.
    """
    if now is None:
        return
    prefix = generation_key(key, "")
    record = await _first_record(client, prefix, None, scope)
    while record is not None and record.key.startswith(prefix):
        if record.key != keep:
            newest = await _newest_write(client, record, scope)
            if newest is not None and newest < now - ORPHAN_GRACE:
                await client.kv.delete(record.key, **scope)
        # The next generation key: past every idx of this one.
        record = await _first_record(client, record.key, MAX_CHUNKS - 1, scope)


async def _first_record(
    client: AsyncKVOwner, start: str, after_idx: int | None, scope: dict[str, Any]
) -> KVRecord | None:
    if after_idx is None:
        pages = client.kv.iter(start, prefix=True, committed=False, page_size=1, limit=1, **scope)
    else:
        pages = client.kv.iter(
            start, idx=after_idx, inclusive=False, committed=False, page_size=1, limit=1, **scope
        )
    async for record in pages:
        return record
    return None


async def _newest_write(
    client: AsyncKVOwner, first: KVRecord, scope: dict[str, Any]
) -> datetime | None:
    count = await client.kv.count(first.key, committed=False, **scope)
    last = first
    if count.max_idx:
        last = (
            await client.kv.get_or_none(first.key, idx=count.max_idx, committed=False, **scope)
            or first
        )
    stamps = [r.created_at for r in (first, last) if r.created_at is not None]
    return max(stamps) if stamps else None


async def _cleanup_previous(
    client: AsyncKVOwner, key: str, previous: Any, scope: dict[str, Any]
) -> None:
    """Delete what the replaced artifact left behind (best effort: the publish already won)."""
    if previous is None:
        return
    if is_manifest(previous.data):
        try:
            old = Manifest.from_json(previous.data, key=key).generation
        except ArtifactError:
            return
        await _quietly(
            lambda: client.kv.delete(generation_key(key, old), **scope), "drop old chunks"
        )
    elif is_chunk(previous.data):
        # A ttm-layout key: chunks 1..n still sit next to the new manifest at idx 0.
        async def drop_tail() -> None:
            count = await client.kv.count(key, committed=False, **scope)
            for idx in range(1, (count.max_idx or 0) + 1):
                await client.kv.delete(key, idx=idx, **scope)

        await _quietly(drop_tail, "drop old ttm chunks")


async def _quietly(action: Callable[[], Awaitable[object]], what: str) -> None:
    try:
        await action()
    except TerrateamError as exc:
        logger.warning("artifact cleanup failed (%s): %s", what, type(exc).__name__)


async def _check_complete(client: AsyncKVOwner, key: str, scope: dict[str, Any]) -> None:
    """Raise when a ttm-layout upload of ``key`` was interrupted or is still running."""
    marker = await client.kv.get_or_none(upload_marker_key(key), idx=0, **scope)
    data = marker.data if marker is not None else None
    if isinstance(data, dict) and data.get("format") == UPLOAD_MARKER_FORMAT:
        raise IncompleteArtifactError(
            f"artifact {key!r} is incomplete: an upload to it was interrupted or is still "
            f"running ({upload_marker_key(key)!r} is set); upload it again"
        )


class AsyncArtifacts(AsyncNamespaceBase):
    """Binary artifacts in the KV store (``client.artifacts``); see docs/artifacts.md.

    ``client.kv.put_artifact`` / ``get_artifact`` / ``artifact_info`` / ``delete_artifact`` are
    the same operations under their older names.
    """

    def __init__(self, session: AsyncSession, kv: AsyncKVStore) -> None:
        super().__init__(session)
        self._kv = kv

    @property
    def kv(self) -> AsyncKVStore:
        """The KV namespace the artifacts are stored in."""
        return self._kv

    async def put(
        self,
        key: str,
        source: ArtifactSource,
        *,
        chunk_size: int | None = None,
        content_type: str | None = None,
        layout: Layout = "generation",
        progress: Progress | None = None,
        committed: bool = True,
        read_caps: Sequence[Any] | None = None,
        write_caps: Sequence[Any] | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        installation_id: int | str | None = None,
        vcs: str | None = None,
    ) -> ArtifactInfo:
        """Upload bytes, a file path or a binary stream as an artifact at ``key``.

        Args:
            key: The artifact's KV key.
            source: Bytes, a path, or a binary file object (read from its current position).
            chunk_size: Raw bytes per chunk; default 1 MiB (102,400 for ``layout="ttm"``).
            content_type: Free-form media type recorded in the manifest.
            layout: ``"generation"`` (atomic, the default) or ``"ttm"`` (ttm's in-place layout:
                delete the key, then insert chunks idx 0..n-1; readable by ``ttm kv cp``).
            progress: Called as ``progress(done_bytes, total_bytes_or_None)`` after each chunk.
            committed: ``False`` writes draft rows (``ttm kv cp -d``); only with ``layout="ttm"``.
            read_caps: Capabilities a reader must hold, set on every record written.
            write_caps: Capabilities a writer must hold, set on every record written.
            concurrency: Chunk writes in flight.
            installation_id: Overrides the client's installation.
            vcs: Overrides the client's VCS.

        Returns:
            The published artifact's description.

        Raises:
            KVConflictError: Another writer published first (generation layout), or a chunk slot
                was already taken (ttm layout).
        """
        size_hint = check_args(chunk_size, layout, concurrency)
        if not committed and layout != "ttm":
            raise ValueError("draft (committed=False) artifacts need layout='ttm'")
        scope: dict[str, Any] = {"installation_id": installation_id, "vcs": vcs}
        caps: dict[str, Any] = {"read_caps": read_caps, "write_caps": write_caps}
        stream, total, owned = open_source(source)
        try:
            if layout == "ttm":
                previous = await self.kv.get_or_none(key, idx=0, committed=False, **scope)
                # ttm's layout cannot be replaced atomically: flag the key as being written, so a
                # reader of an interrupted upload fails instead of returning a prefix. The flag is
                # a separate key: ttm's own reading of <key> is unchanged (docs/ttm-compat.md).
                marker = upload_marker_key(key)
                await self.kv.set(marker, upload_marker(), idx=0, **caps, **scope)
                await self.kv.delete(key, **scope)
                if previous is not None and is_manifest(previous.data):
                    await _cleanup_previous(self, key, previous, scope)  # its generation's chunks
                size, digest, chunks = await upload_chunks(
                    self,
                    key,
                    stream,
                    size_hint,
                    committed,
                    caps,
                    scope,
                    concurrency,
                    progress,
                    total,
                )
                await self.kv.delete(marker, **scope)  # left in place on any failure above
                return info(
                    key,
                    "ttm",
                    size=size,
                    sha256=digest,
                    chunk_size=size_hint,
                    chunks=chunks,
                    content_type=None,
                    generation=None,
                )
            return await _put_generation(
                self,
                key,
                stream,
                size_hint,
                content_type,
                caps,
                scope,
                concurrency,
                progress,
                total,
            )
        finally:
            if owned:
                stream.close()

    async def get(
        self,
        key: str,
        dest: ArtifactDest,
        *,
        progress: Progress | None = None,
        committed: bool = True,
        concurrency: int = DEFAULT_CONCURRENCY,
        installation_id: int | str | None = None,
        vcs: str | None = None,
    ) -> ArtifactInfo:
        """Download the artifact at ``key`` into ``dest`` (a path, replaced atomically, or a file).

        Reads both layouts: a manifest at idx 0 (generation layout) or ttm chunks from idx 0 until
        the first missing idx. ``dest`` is only written once every check passed.

        Raises:
            KVNotFoundError: Nothing at ``key`` (ttm would write an empty file instead).
            ChecksumMismatchError: A chunk, the size or the SHA-256 does not match.
            ArtifactError: ``key`` holds something else, or the artifact is incomplete.
        """
        check_args(None, "generation", concurrency)
        scope: dict[str, Any] = {"installation_id": installation_id, "vcs": vcs}
        sink = Sink(dest)
        try:
            try:
                result = await read(
                    self, key, sink.file.write, sink.reset, committed, concurrency, progress, scope
                )
            except KVNotFoundError:
                await _check_complete(self, key, scope)  # an upload died after its delete?
                raise
            if result.layout == "ttm":
                # Checked after reading: an upload that started meanwhile is caught as well.
                await _check_complete(self, key, scope)
            sink.commit()
        except BaseException:
            sink.abort()
            raise
        return result

    async def info(
        self,
        key: str,
        *,
        committed: bool = True,
        installation_id: int | str | None = None,
        vcs: str | None = None,
    ) -> ArtifactInfo:
        """Describe the artifact at ``key`` (a ttm-layout key is read through to measure it)."""
        scope: dict[str, Any] = {"installation_id": installation_id, "vcs": vcs}
        first = await self.kv.get(key, idx=0, committed=committed, **scope)
        if is_manifest(first.data):
            return manifest_info(key, Manifest.from_json(first.data, key=key))
        result = await read(
            self,
            key,
            lambda _b: None,
            lambda: None,
            committed,
            DEFAULT_CONCURRENCY,
            None,
            scope,
            first=first,
        )
        await _check_complete(self, key, scope)
        return result

    async def delete(
        self,
        key: str,
        *,
        installation_id: int | str | None = None,
        vcs: str | None = None,
    ) -> bool:
        """Delete the artifact at ``key`` (pointer first, then its chunks); ``False`` if absent."""
        scope: dict[str, Any] = {"installation_id": installation_id, "vcs": vcs}
        first = await self.kv.get_or_none(key, idx=0, committed=False, **scope)
        deleted = bool(await self.kv.delete(key, **scope))
        if first is not None and is_manifest(first.data):
            try:
                generation = Manifest.from_json(first.data, key=key).generation
            except ArtifactError:
                return deleted
            deleted = (
                bool(await self.kv.delete(generation_key(key, generation), **scope)) or deleted
            )
        return deleted
