"""The seam between the client and its namespaces: what a namespace may ask of its client.

A namespace (``client.kv``, ``client.repos`` …) builds I/O-free calls (``terrateam_core._calls``)
and hands them to the :class:`AsyncSession` it was created with; it never reads a private
attribute of the client. ``AsyncTerrateamClient`` implements the protocol; a test double may
too. Artifacts build on the KV namespace rather than on raw calls, so the few KV operations they
use are a protocol of their own (:class:`AsyncKVStore`), which keeps the artifact modules free of
imports of the client and of the KV namespace.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, Protocol, TypeVar

from terrateam_core._call import Call
from terrateam_core._calls.kv import CapsArg, KeyArg
from terrateam_core._namespace import namespace_repr
from terrateam_core._retry import RetryPolicy
from terrateam_core.models import KVCount, KVKeyRef, KVRecord

__all__ = ["AsyncKVOwner", "AsyncKVStore", "AsyncNamespaceBase", "AsyncSession"]

T = TypeVar("T")
Scope = int | str | None


class AsyncSession(Protocol):
    """Sending, scoping, waiting and time, as the namespaces see their client."""

    @property
    def policy(self) -> RetryPolicy:
        """The retry policy (also what paces a namespace's own retries)."""
        ...

    def clock(self) -> float:
        """Monotonic seconds (injectable, so waiting loops can be tested without waiting)."""
        ...

    def scope(self, vcs: str | None, installation_id: Scope) -> tuple[str, int]:
        """The VCS and installation of a per-installation call (the client's by default)."""
        ...

    def scope_vcs(self, vcs: str | None) -> str:
        """The VCS of a call that is not per installation."""
        ...

    async def execute(self, call: Call[T]) -> T:
        """Send ``call`` with retries within the total deadline; its parsed result or error."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait as the retry policy says (an injected sleep in tests)."""
        ...


class AsyncKVStore(Protocol):
    """The KV operations artifacts are written in (``AsyncKV`` implements them)."""

    async def get(
        self,
        key: str,
        *,
        idx: int = 0,
        committed: bool = True,
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> KVRecord: ...

    async def get_or_none(
        self,
        key: str,
        *,
        idx: int = 0,
        committed: bool = True,
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> KVRecord | None: ...

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
    ) -> KVRecord: ...

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
    ) -> KVRecord: ...

    async def delete(
        self,
        key: str,
        *,
        idx: int | None = None,
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> bool: ...

    async def count(
        self,
        key: str,
        *,
        committed: bool = True,
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> KVCount: ...

    def iter(
        self,
        key: str = "",
        *,
        prefix: bool = False,
        idx: int | None = None,
        inclusive: bool = True,
        committed: bool = True,
        page_size: int = 100,
        limit: int | None = None,
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> AsyncIterator[KVRecord]: ...

    async def commit(
        self,
        keys: Sequence[KeyArg],
        *,
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> list[KVKeyRef]: ...


class AsyncKVOwner(Protocol):
    """What the artifact functions receive: anything with a KV store (the client does)."""

    @property
    def kv(self) -> AsyncKVStore:
        """The KV namespace the artifact is stored in."""
        ...


class AsyncNamespaceBase:
    """Base of the namespaces: the session they send through, and a REPL-friendly repr."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def __repr__(self) -> str:
        return namespace_repr(self, self._session)
