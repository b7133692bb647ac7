"""The kv family: ``client.kv`` (typed get/set/cas/delete/count/size/iter/commit, the CAS
``update`` loop) and ``client.artifacts`` (binary files stored in KV, ``artifacts.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from terrateam_core._async.artifacts import DEFAULT_CONCURRENCY, AsyncArtifacts
from terrateam_core._async.session import AsyncNamespaceBase, AsyncSession, Scope
from terrateam_core._calls.artifacts_format import ArtifactDest, ArtifactSource, Layout, Progress
from terrateam_core._calls.kv import (
    CapsArg,
    KeyArg,
    KVCalls,
    SelectArg,
    check_page_size,
    in_scope,
    same_value,
)
from terrateam_core._namespace import namespace
from terrateam_core.errors import KVConflictError, KVNotFoundError, ServerError
from terrateam_core.models import ArtifactInfo, KVCount, KVKeyRef, KVRecord

__all__ = ["AsyncKV"]


class AsyncKV(AsyncNamespaceBase):
    """KV store of one installation (``client.kv``); every call may override vcs/installation."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self._artifacts = AsyncArtifacts(session, self)

    def _calls(self, vcs: str | None, installation_id: Scope) -> KVCalls:
        v, i = self._session.scope(vcs, installation_id)
        return KVCalls(v, i)

    async def get(
        self,
        key: str,
        *,
        idx: int = 0,
        committed: bool = True,
        select: SelectArg = None,
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> KVRecord:
        """Read one record. Raises :class:`KVNotFoundError` when absent, uncommitted or hidden."""
        call = self._calls(vcs, installation_id).get(
            key, idx=idx, committed=committed, select=select
        )
        return await self._session.execute(call)

    async def get_or_none(
        self,
        key: str,
        *,
        idx: int = 0,
        committed: bool = True,
        select: SelectArg = None,
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> KVRecord | None:
        """Like :meth:`get`, but ``None`` instead of :class:`KVNotFoundError`."""
        try:
            return await self.get(
                key,
                idx=idx,
                committed=committed,
                select=select,
                installation_id=installation_id,
                vcs=vcs,
            )
        except KVNotFoundError:
            return None

    async def set(
        self,
        key: str,
        data: Any,
        *,
        idx: int = 0,
        committed: bool = True,
        read_caps: CapsArg = None,
        write_caps: CapsArg = None,
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> KVRecord:
        """Upsert a record (replaces data, committed and caps; bumps version). ``data`` → None."""
        call = self._calls(vcs, installation_id).write(
            key,
            data,
            idx=idx,
            committed=committed,
            read_caps=read_caps,
            write_caps=write_caps,
            cas=False,
            version=None,
        )
        return await self._session.execute(call)

    async def cas(
        self,
        key: str,
        data: Any,
        *,
        version: int | None = None,
        idx: int = 0,
        committed: bool = True,
        read_caps: CapsArg = None,
        write_caps: CapsArg = None,
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> KVRecord:
        """Compare-and-swap: insert if absent (``version=None``) or update at ``version``.

        Raises:
            KVConflictError: the key exists (insert), or its version moved (update).
        """
        call = self._calls(vcs, installation_id).write(
            key,
            data,
            idx=idx,
            committed=committed,
            read_caps=read_caps,
            write_caps=write_caps,
            cas=True,
            version=version,
        )
        return await self._session.execute(call)

    async def delete(
        self,
        key: str,
        *,
        idx: int | None = None,
        version: int | None = None,
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> bool:
        """Delete the key (every idx unless ``idx``); True if a row was deleted."""
        call = self._calls(vcs, installation_id).delete(key, idx=idx, version=version)
        return await self._session.execute(call)

    async def count(
        self,
        key: str,
        *,
        committed: bool = True,
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> KVCount:
        """Count the idx rows of exactly this key; ``KVCount(0, None)`` when there are none."""
        call = self._calls(vcs, installation_id).count(key, committed=committed)
        return await self._session.execute(call)

    async def size(
        self,
        key: str,
        *,
        idx: int | None = None,
        committed: bool = True,
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> int:
        """Characters of the stored JSON text over the key's rows; 0 when nothing matches."""
        calls = self._calls(vcs, installation_id)
        try:
            return await self._session.execute(calls.size(key, idx=idx, committed=committed))
        except ServerError as exc:
            if exc.status_code != 500:
                raise
            # The server answers a bare 500 when no row matches; tell that apart from a real 500.
            scope: dict[str, Any] = {"installation_id": installation_id, "vcs": vcs}
            if idx is not None:
                if await self.get_or_none(key, idx=idx, committed=committed, **scope) is None:
                    return 0
            else:
                counted = await self.count(key, committed=committed, **scope)
                if counted.count == 0:
                    return 0
            raise

    async def iter(
        self,
        key: str = "",
        *,
        prefix: bool = False,
        idx: int | None = None,
        inclusive: bool = True,
        committed: bool = True,
        select: SelectArg = None,
        page_size: int = 100,
        limit: int | None = None,
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> AsyncIterator[KVRecord]:
        """Iterate records from ``key`` in key/idx order, paging past the server's one page.

        With ``prefix=True`` only keys starting with ``key``; ``limit`` caps the total.
        """
        check_page_size(page_size)
        calls = self._calls(vcs, installation_id)
        exact = idx is not None and inclusive
        cur_key, cur_idx, cur_incl, cur_prefix = key, idx, inclusive, prefix
        remaining = limit
        first = True
        while remaining is None or remaining > 0:
            n = page_size if remaining is None else min(page_size, remaining)
            call = calls.iter_page(
                cur_key,
                prefix=cur_prefix,
                idx=cur_idx,
                inclusive=cur_incl,
                committed=committed,
                select=select,
                limit=n,
            )
            page = await self._session.execute(call)
            for record in page:
                if not first and not in_scope(
                    record, start_key=key, prefix=prefix, exact_key=exact
                ):
                    return
                yield record
                if remaining is not None:
                    remaining -= 1
            if len(page) < n:
                return
            cur_key, cur_idx, cur_incl, cur_prefix = page[-1].key, page[-1].idx, False, False
            first = False

    async def commit(
        self,
        keys: Sequence[KeyArg],
        *,
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> list[KVKeyRef]:
        """Commit uncommitted rows (``key`` or ``(key, idx)``); returns the rows flipped."""
        return await self._session.execute(self._calls(vcs, installation_id).commit(keys))

    async def update(
        self,
        key: str,
        fn: Callable[[Any], Any],
        *,
        idx: int = 0,
        max_attempts: int = 10,
        committed: bool = True,
        read_caps: CapsArg = None,
        write_caps: CapsArg = None,
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> KVRecord:
        """Read, apply ``fn(data)`` (``None`` when absent), CAS; re-read and retry on conflict.

        A CAS that was sent more than once (its first response lost) and then conflicts is a
        success if the stored value is already ours at the next version. Raises
        :class:`KVConflictError` after ``max_attempts``.
        """
        scope: dict[str, Any] = {"installation_id": installation_id, "vcs": vcs}
        for _ in range(max_attempts):
            current = await self.get_or_none(key, idx=idx, committed=False, **scope)
            version = None if current is None else current.version
            new = fn(None if current is None else current.data)
            try:
                return await self.cas(
                    key,
                    new,
                    version=version,
                    idx=idx,
                    committed=committed,
                    read_caps=read_caps,
                    write_caps=write_caps,
                    **scope,
                )
            except KVConflictError as exc:
                # Only a retried CAS can have been applied already (P19): a first-attempt
                # conflict may also find an equal value written by someone else.
                found = await self.get_or_none(key, idx=idx, committed=False, **scope)
                if exc.attempts > 1 and same_value(found, new, version):
                    assert found is not None
                    return found
        raise KVConflictError(
            f"kv.update gave up after {max_attempts} conflicting attempts on {key!r}",
            status_code=400,
            method="PUT",
            path="(kv update)",
        )

    # Artifacts under their older names: the same operations as ``client.artifacts``.

    async def put_artifact(
        self,
        key: str,
        source: ArtifactSource,
        *,
        chunk_size: int | None = None,
        content_type: str | None = None,
        layout: Layout = "generation",
        progress: Progress | None = None,
        committed: bool = True,
        read_caps: CapsArg = None,
        write_caps: CapsArg = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> ArtifactInfo:
        """Upload bytes, a path or a binary stream as an artifact: :meth:`AsyncArtifacts.put`."""
        return await self._artifacts.put(
            key,
            source,
            chunk_size=chunk_size,
            content_type=content_type,
            layout=layout,
            progress=progress,
            committed=committed,
            read_caps=read_caps,
            write_caps=write_caps,
            concurrency=concurrency,
            installation_id=installation_id,
            vcs=vcs,
        )

    async def get_artifact(
        self,
        key: str,
        dest: ArtifactDest,
        *,
        progress: Progress | None = None,
        committed: bool = True,
        concurrency: int = DEFAULT_CONCURRENCY,
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> ArtifactInfo:
        """Download an artifact, verifying every checksum: :meth:`AsyncArtifacts.get`."""
        return await self._artifacts.get(
            key,
            dest,
            progress=progress,
            committed=committed,
            concurrency=concurrency,
            installation_id=installation_id,
            vcs=vcs,
        )

    async def artifact_info(
        self,
        key: str,
        *,
        committed: bool = True,
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> ArtifactInfo:
        """Describe a stored artifact without downloading it: :meth:`AsyncArtifacts.info`."""
        return await self._artifacts.info(
            key, committed=committed, installation_id=installation_id, vcs=vcs
        )

    async def delete_artifact(
        self, key: str, *, installation_id: Scope = None, vcs: str | None = None
    ) -> bool:
        """Delete an artifact (pointer and chunks): :meth:`AsyncArtifacts.delete`."""
        return await self._artifacts.delete(key, installation_id=installation_id, vcs=vcs)


class AsyncKVNamespaces:
    """The kv family's namespaces, inherited by the client (see ``_namespace.namespace``)."""

    kv: AsyncKV = namespace(AsyncKV)
    artifacts: AsyncArtifacts = namespace(lambda c: AsyncArtifacts(c, c.kv))
