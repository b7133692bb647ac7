"""The ``kv`` namespace: typed get/set/cas/delete/count/size/iter/commit, the CAS ``update`` loop,
and artifacts (delegated to ``terrateam_core._artifacts``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from terrateam_core.errors import KVConflictError, KVNotFoundError, ServerError
from terrateam_core.models import ArtifactInfo, KVCount, KVKeyRef, KVRecord
from terrateam_core.resources._kv_calls import CapsArg, KeyArg, KVCalls, SelectArg, in_scope

if TYPE_CHECKING:
    from terrateam_core._client import TerrateamClient

__all__ = ["KV", "check_page_size", "same_value"]

Scope = int | str | None


def check_page_size(page_size: int) -> None:
    if page_size < 1:
        raise ValueError("page_size must be at least 1 (the server answers 500 otherwise)")


def same_value(found: KVRecord | None, data: Any, version: int | None) -> bool:
    """A CAS retried after a lost response finds its own write: data equal at version+1."""
    if found is None:
        return False
    expected = 0 if version is None else version + 1
    return found.version == expected and found.data == data


class KV:
    """KV store of one installation (``client.kv``); every call may override vcs/installation."""

    def __init__(self, client: TerrateamClient) -> None:
        self._client = client

    def _calls(self, vcs: str | None, installation_id: Scope) -> KVCalls:
        v, i = self._client._scope(vcs, installation_id)
        return KVCalls(v, i)

    def get(
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
        return self._client._execute(call)

    def get_or_none(
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
            return self.get(
                key,
                idx=idx,
                committed=committed,
                select=select,
                installation_id=installation_id,
                vcs=vcs,
            )
        except KVNotFoundError:
            return None

    def set(
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
        return self._client._execute(call)

    def cas(
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
        return self._client._execute(call)

    def delete(
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
        return self._client._execute(call)

    def count(
        self,
        key: str,
        *,
        committed: bool = True,
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> KVCount:
        """Count the idx rows of exactly this key; ``KVCount(0, None)`` when there are none."""
        return self._client._execute(
            self._calls(vcs, installation_id).count(key, committed=committed)
        )

    def size(
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
            return self._client._execute(calls.size(key, idx=idx, committed=committed))
        except ServerError as exc:
            # The server answers a bare 500 when no row matches; tell that apart from a real 500.
            if exc.status_code != 500:
                raise
            scope: dict[str, Any] = {"installation_id": installation_id, "vcs": vcs}
            if idx is not None:
                if self.get_or_none(key, idx=idx, committed=committed, **scope) is None:
                    return 0
            elif self.count(key, committed=committed, **scope).count == 0:
                return 0
            raise

    def iter(
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
    ) -> Iterator[KVRecord]:
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
            page = self._client._execute(call)
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

    def commit(
        self,
        keys: Sequence[KeyArg],
        *,
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> list[KVKeyRef]:
        """Commit uncommitted rows (``key`` or ``(key, idx)``); returns the rows flipped."""
        return self._client._execute(self._calls(vcs, installation_id).commit(keys))

    def update(
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
            current = self.get_or_none(key, idx=idx, committed=False, **scope)
            version = None if current is None else current.version
            new = fn(None if current is None else current.data)
            try:
                return self.cas(
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
                found = self.get_or_none(key, idx=idx, committed=False, **scope)
                if exc.attempts > 1 and same_value(found, new, version):
                    assert found is not None
                    return found
        raise KVConflictError(
            f"kv.update gave up after {max_attempts} conflicting attempts on {key!r}",
            status_code=400,
            method="PUT",
            path="(kv update)",
        )

    # Artifacts: implemented in terrateam_core._artifacts (the artifacts engineer's module).

    def put_artifact(self, key: str, source: Any, **kwargs: Any) -> ArtifactInfo:
        """Upload bytes, a path or a binary stream as an artifact (see docs/artifacts.md)."""
        from terrateam_core import _artifacts

        return _artifacts.put_artifact(self._client, key, source, **kwargs)

    def get_artifact(self, key: str, dest: Any, **kwargs: Any) -> ArtifactInfo:
        """Download an artifact into a path or binary file, verifying every checksum."""
        from terrateam_core import _artifacts

        return _artifacts.get_artifact(self._client, key, dest, **kwargs)

    def artifact_info(self, key: str, **kwargs: Any) -> ArtifactInfo:
        """Describe a stored artifact without downloading it."""
        from terrateam_core import _artifacts

        return _artifacts.artifact_info(self._client, key, **kwargs)

    def delete_artifact(self, key: str, **kwargs: Any) -> bool:
        """Delete an artifact (its pointer and chunks); True if anything was deleted."""
        from terrateam_core import _artifacts

        return _artifacts.delete_artifact(self._client, key, **kwargs)
