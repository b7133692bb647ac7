"""Typed results of the read functions (``get_*`` and ``get_*_output``).

Frozen dataclasses with attribute access. For programs written against the earlier dict
results, ``result["field"]`` still works, list results iterate and index like lists, and
``to_dict()`` gives the JSON form (e.g. for ``pulumi.export``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, TypeVar

__all__ = [
    "ArtifactInfoResult",
    "DirspaceResult",
    "GetDirspacesResult",
    "GetStacksResult",
    "GetWorkManifestsResult",
    "KvEntryResult",
    "StackResult",
    "WhoAmIResult",
    "WorkManifestResult",
]

R = TypeVar("R", bound="_Result")


@dataclass(frozen=True)
class _Result:
    """Shared behaviour: build from the API's JSON, dict-style access, JSON form.

    A (field-less) dataclass itself, so ``fields`` and ``asdict`` type-check on it.
    """

    @classmethod
    def from_dict(cls: type[R], data: Mapping[str, Any]) -> R:
        """Build from JSON data; unknown fields are ignored, missing ones are ``None``."""
        names = {f.name for f in fields(cls)}
        return cls(**{n: data.get(n) for n in names})

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON-shaped data."""
        return asdict(self)

    def __getitem__(self, name: str) -> Any:
        """``result["data"]``: the field, as with the earlier dict results."""
        if name not in {f.name for f in fields(self)}:
            raise KeyError(name)
        return getattr(self, name)


@dataclass(frozen=True)
class KvEntryResult(_Result):
    """A KV record.

    Attributes:
        key: the key.
        data: the stored JSON value.
        idx: the record index.
        version: the record's version (0 after the first write).
        committed: whether the record is committed.
        size: the stored value's size in bytes.
        created_at: the last write's time (``YYYY-MM-DDTHH:MM:SSZ``).
        read_caps: capabilities a reader must hold (``None``: anyone).
        write_caps: capabilities a writer must hold (``None``: anyone).
    """

    key: str
    data: Any
    idx: int
    version: int
    committed: bool
    size: int | None
    created_at: str | None
    read_caps: list[Any] | None
    write_caps: list[Any] | None


@dataclass(frozen=True)
class ArtifactInfoResult(_Result):
    """An artifact's manifest.

    Attributes:
        key: the artifact's key.
        size: its size in bytes.
        sha256: the content's sha256 (hex).
        chunk_size: bytes per chunk.
        chunks: the number of chunks.
        content_type: the recorded content type.
        generation: the upload generation (``None`` for ttm's layout).
        layout: ``generation`` or ``ttm``.
    """

    key: str
    size: int
    sha256: str | None
    chunk_size: int
    chunks: int
    content_type: str | None
    generation: str | None
    layout: str | None


@dataclass(frozen=True)
class WhoAmIResult(_Result):
    """The user behind the API key.

    Attributes:
        id: the user id.
        vcs: the VCSes the user has linked (``["github", "gitlab"]``).
    """

    id: str
    vcs: list[str]


@dataclass(frozen=True)
class WorkManifestResult(_Result):
    """A work manifest (a run).

    Attributes:
        id: its id.
        state: ``queued``, ``running``, ``completed`` or ``aborted``.
        run_type: ``plan``, ``apply``, ...
        kind: ``drift``, ``index`` or ``{"pull_number": ...}``.
        created_at: when it was created (ISO 8601).
        completed_at: when it completed (ISO 8601), if it did.
        base_branch: the base branch.
        branch: the head branch.
        owner: the repository owner.
        repo: the repository name.
        repo_id: the repository id.
        environment: the environment, if any.
        run_id: the CI run id, if any.
        user: who triggered it.
        dirspaces: the dirspaces it covers (``{"dir", "workspace", ...}`` objects).
    """

    id: str
    state: str
    run_type: str | None
    kind: Any
    created_at: str | None
    completed_at: str | None
    base_branch: str | None
    branch: str | None
    owner: str | None
    repo: str | None
    repo_id: str | None
    environment: str | None
    run_id: str | None
    user: str | None
    dirspaces: list[Any] | None


@dataclass(frozen=True)
class DirspaceResult(_Result):
    """A dirspace run.

    Attributes:
        id: the work manifest's id.
        dir: the directory.
        workspace: the Terraform workspace.
        state: ``success``, ``failure``, ``aborted``, ``queued`` or ``running``.
        run_type: ``plan``, ``apply``, ...
        created_at: when it was created (ISO 8601).
        completed_at: when it completed (ISO 8601), if it did.
        branch: the head branch.
        owner: the repository owner.
        repo: the repository name.
        environment: the environment, if any.
        user: who triggered it.
    """

    id: str
    dir: str
    workspace: str
    state: str
    run_type: str | None
    created_at: str | None
    completed_at: str | None
    branch: str | None
    owner: str | None
    repo: str | None
    environment: str | None
    user: str | None


@dataclass(frozen=True)
class StackResult(_Result):
    """An outer stack of a pull request.

    Attributes:
        name: the stack's name.
        state: its rolled-up state.
        stacks: the inner stacks (``{"name", "state", "dirspaces"...}`` objects).
    """

    name: str
    state: str
    stacks: list[Any] | None


class _ListResult(_Result):
    """A list-valued result: iterates, indexes and measures like the list it holds."""

    _ITEMS = ""

    def _items(self) -> tuple[Any, ...]:
        return tuple(getattr(self, self._ITEMS))

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items())

    def __len__(self) -> int:
        return len(self._items())

    def __getitem__(self, index: Any) -> Any:
        """``result[0]`` indexes the items; ``result["field"]`` reads a field."""
        if isinstance(index, str):
            return super().__getitem__(index)
        return self._items()[index]


@dataclass(frozen=True)
class GetWorkManifestsResult(_ListResult):
    """Work manifests matching a query (newest first).

    Attributes:
        work_manifests: the matching work manifests.
    """

    _ITEMS = "work_manifests"
    work_manifests: tuple[WorkManifestResult, ...]


@dataclass(frozen=True)
class GetDirspacesResult(_ListResult):
    """Dirspaces matching a query.

    Attributes:
        dirspaces: the matching dirspaces.
    """

    _ITEMS = "dirspaces"
    dirspaces: tuple[DirspaceResult, ...]


@dataclass(frozen=True)
class GetStacksResult(_ListResult):
    """The stacks of a pull request.

    Attributes:
        stacks: the outer stacks.
    """

    _ITEMS = "stacks"
    stacks: tuple[StackResult, ...]
