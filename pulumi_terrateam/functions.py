"""Read-only look-ups for Pulumi programs, with typed results.

Each look-up comes in the two forms native Pulumi providers use:

* ``get_x(...)`` takes plain values and returns a typed result (see ``results``) at once;
* ``get_x_output(...)`` takes Inputs and returns an ``Output`` of that result.

Dynamic providers cannot serve invokes, so these run in the program process: credentials
come from ``connection=`` (a :class:`~pulumi_terrateam.Connection`) when given, else the stack
configuration (``terrateam:apiKey`` …), and fall back to the ``TERRATEAM_*`` environment.
The plain ``fetch_*`` twins take a :class:`~pulumi_terrateam._provider.ProviderConfig` and
return JSON-shaped dicts (used by both forms and by tests).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pulumi

from pulumi_terrateam._config import ProviderConfig
from pulumi_terrateam.connection import Connection, config_from_connection
from pulumi_terrateam.results import (
    ArtifactInfoResult,
    DirspaceResult,
    GetDirspacesResult,
    GetStacksResult,
    GetWorkManifestsResult,
    KvEntryResult,
    StackResult,
    WhoAmIResult,
    WorkManifestResult,
)

if TYPE_CHECKING:
    from terrateam_core import TerrateamClient

# The public forms, re-exported by the package; the fetch_* twins are importable by name.
__all__ = [
    "get_artifact_info",
    "get_artifact_info_output",
    "get_dirspaces",
    "get_dirspaces_output",
    "get_kv_entry",
    "get_kv_entry_output",
    "get_stacks",
    "get_stacks_output",
    "get_whoami",
    "get_whoami_output",
    "get_work_manifests",
    "get_work_manifests_output",
    "whoami",
]


def _dump(model: Any) -> Any:
    return model.model_dump(mode="json") if hasattr(model, "model_dump") else model


@contextmanager
def _client(config: ProviderConfig) -> Iterator[TerrateamClient]:
    from pulumi_terrateam._clients import client_for

    yield client_for(config)


def fetch_kv_entry(
    config: ProviderConfig,
    key: str,
    *,
    idx: int = 0,
    committed: bool = True,
    installation_id: int | None = None,
    vcs: str | None = None,
) -> dict[str, Any] | None:
    """Return the KV record as a dict (``data``, ``version``, …), or ``None`` when absent."""
    with _client(config) as client:
        record = client.kv.get_or_none(
            key, idx=int(idx), committed=committed, installation_id=installation_id, vcs=vcs
        )
    return dict(_dump(record)) if record is not None else None


def fetch_artifact_info(
    config: ProviderConfig,
    key: str,
    *,
    installation_id: int | None = None,
    vcs: str | None = None,
) -> dict[str, Any] | None:
    """Return an artifact's manifest (size, sha256, generation, …), or ``None`` when absent."""
    from terrateam_core.errors import NotFoundError

    with _client(config) as client:
        try:
            info = client.kv.artifact_info(key, installation_id=installation_id, vcs=vcs)
        except NotFoundError:
            return None
    return dict(_dump(info))


def fetch_work_manifests(
    config: ProviderConfig,
    *,
    q: str | None = None,
    limit: int | None = 100,
    installation_id: int | None = None,
    vcs: str | None = None,
) -> list[dict[str, Any]]:
    """Return work manifests matching the ``q`` query (newest first, at most ``limit``)."""
    with _client(config) as client:
        pages = client.work_manifests.list(
            q=q, limit=limit, installation_id=installation_id, vcs=vcs
        )
        return [_dump(wm) for wm in _take(pages, limit)]


def fetch_dirspaces(
    config: ProviderConfig,
    *,
    q: str | None = None,
    limit: int | None = 100,
    installation_id: int | None = None,
    vcs: str | None = None,
) -> list[dict[str, Any]]:
    """Return dirspaces matching the ``q`` query (at most ``limit``)."""
    with _client(config) as client:
        pages = client.dirspaces.list(q=q, limit=limit, installation_id=installation_id, vcs=vcs)
        return [_dump(d) for d in _take(pages, limit)]


def fetch_stacks(
    config: ProviderConfig,
    repo_id: int | str,
    pull_number: int,
    *,
    installation_id: int | None = None,
    vcs: str | None = None,
) -> list[dict[str, Any]]:
    """Return the stacks of a pull request (an error when the PR has none)."""
    with _client(config) as client:
        stacks = client.stacks.get(
            repo_id, int(pull_number), installation_id=installation_id, vcs=vcs
        )
    return [_dump(s) for s in stacks]


def fetch_whoami(config: ProviderConfig) -> dict[str, Any]:
    """Return the caller's identity (``id`` and linked ``vcs`` list)."""
    with _client(config) as client:
        return dict(_dump(client.whoami()))


def _take(items: Any, limit: int | None) -> Iterator[Any]:
    for n, item in enumerate(items):
        if limit is not None and n >= limit:
            return
        yield item


def _stack_config() -> pulumi.Output[ProviderConfig]:
    """The ``terrateam:*`` stack configuration as an Output (secret when the key is)."""
    cfg = pulumi.Config("terrateam")

    def build(api_key: str | None) -> ProviderConfig:
        return _stack_config_now(api_key)

    return pulumi.Output.from_input(cfg.get_secret("apiKey")).apply(build)


def _stack_config_now(api_key: str | None = None) -> ProviderConfig:
    cfg = pulumi.Config("terrateam")
    installation = cfg.get("installationId")
    try:
        installation_id = int(installation) if installation else None
    except ValueError:
        raise ValueError(
            f"terrateam:installationId must be an integer, got {installation!r}"
        ) from None
    return ProviderConfig(
        api_key=api_key or cfg.get("apiKey") or None,
        base_url=cfg.get("baseUrl"),
        vcs=cfg.get("vcs"),
        installation_id=installation_id,
    )


def _config_now(connection: Connection | None, function: str) -> ProviderConfig:
    """Settings for a plain ``get_x`` call: the connection's (plain values) or the stack's."""
    if connection is None:
        return _stack_config_now()
    values = {
        name: getattr(connection, name)
        for name in ("base_url", "api_key", "vcs", "installation_id")
        if getattr(connection, name) is not None
    }
    if any(isinstance(v, pulumi.Output) for v in values.values()):
        raise TypeError(
            f"{function}() needs plain connection values; the connection holds Outputs, so "
            f"use {function}_output() instead"
        )
    return config_from_connection(values)


def _plain(function: str, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if isinstance(value, pulumi.Output):
            raise TypeError(
                f"{function}(): {name} is an Output; use {function}_output() for Inputs"
            )


def _invoke(
    fetch: Callable[..., Any],
    convert: Callable[[Any], Any],
    *args: Any,
    connection: Connection | None = None,
    secret: bool = False,
    **kwargs: Any,
) -> pulumi.Output[Any]:
    def call(values: list[Any]) -> Any:
        config, call_args, call_kwargs = values
        return convert(fetch(config, *call_args, **call_kwargs))

    config = connection.resolve() if connection is not None else _stack_config()
    result = pulumi.Output.all(config, list(args), dict(kwargs)).apply(call)
    return pulumi.Output.secret(result) if secret else pulumi.Output.unsecret(result)


def _kv_entry(data: dict[str, Any] | None) -> KvEntryResult | None:
    return KvEntryResult.from_dict(data) if data is not None else None


def _artifact(data: dict[str, Any] | None) -> ArtifactInfoResult | None:
    return ArtifactInfoResult.from_dict(data) if data is not None else None


def _manifests(items: list[dict[str, Any]]) -> GetWorkManifestsResult:
    return GetWorkManifestsResult(tuple(WorkManifestResult.from_dict(i) for i in items))


def _dirspaces(items: list[dict[str, Any]]) -> GetDirspacesResult:
    return GetDirspacesResult(tuple(DirspaceResult.from_dict(i) for i in items))


def _stacks(items: list[dict[str, Any]]) -> GetStacksResult:
    return GetStacksResult(tuple(StackResult.from_dict(i) for i in items))


def _whoami(data: dict[str, Any]) -> WhoAmIResult:
    return WhoAmIResult.from_dict(data)


# -- KV entry ------------------------------------------------------------------------------


def get_kv_entry(
    key: str,
    *,
    idx: int = 0,
    committed: bool = True,
    installation_id: int | None = None,
    vcs: str | None = None,
    connection: Connection | None = None,
) -> KvEntryResult | None:
    """Read a KV record now; ``None`` when absent (or hidden from this key by ``read_caps``).

    The value is returned in clear to the program: use :func:`get_kv_entry_output` to keep it
    a secret Output.

    Args:
        key: the KV key.
        idx: the record index.
        committed: read the committed record (``False``: the latest, committed or not).
        installation_id: the installation (default: the connection's or the stack's).
        vcs: ``github`` or ``gitlab`` (default: the connection's or the stack's).
        connection: the account to read with (default: the stack configuration).
    """
    _plain("get_kv_entry", {"key": key, "idx": idx, "installation_id": installation_id})
    config = _config_now(connection, "get_kv_entry")
    return _kv_entry(
        fetch_kv_entry(
            config,
            key,
            idx=idx,
            committed=committed,
            installation_id=installation_id,
            vcs=vcs,
        )
    )


def get_kv_entry_output(
    key: pulumi.Input[str],
    *,
    idx: pulumi.Input[int] = 0,
    committed: pulumi.Input[bool] = True,
    installation_id: pulumi.Input[int] | None = None,
    vcs: pulumi.Input[str] | None = None,
    connection: Connection | None = None,
) -> pulumi.Output[KvEntryResult | None]:
    """Like :func:`get_kv_entry`, from Inputs; the result is a secret Output."""
    return _invoke(
        fetch_kv_entry,
        _kv_entry,
        key,
        idx=idx,
        committed=committed,
        installation_id=installation_id,
        vcs=vcs,
        connection=connection,
        secret=True,
    )


# -- artifact ------------------------------------------------------------------------------


def get_artifact_info(
    key: str,
    *,
    installation_id: int | None = None,
    vcs: str | None = None,
    connection: Connection | None = None,
) -> ArtifactInfoResult | None:
    """Read an artifact's manifest now; ``None`` when absent.

    Args:
        key: the artifact's key.
        installation_id: the installation (default: the connection's or the stack's).
        vcs: ``github`` or ``gitlab`` (default: the connection's or the stack's).
        connection: the account to read with (default: the stack configuration).
    """
    _plain("get_artifact_info", {"key": key, "installation_id": installation_id})
    config = _config_now(connection, "get_artifact_info")
    return _artifact(fetch_artifact_info(config, key, installation_id=installation_id, vcs=vcs))


def get_artifact_info_output(
    key: pulumi.Input[str],
    *,
    installation_id: pulumi.Input[int] | None = None,
    vcs: pulumi.Input[str] | None = None,
    connection: Connection | None = None,
) -> pulumi.Output[ArtifactInfoResult | None]:
    """Like :func:`get_artifact_info`, from Inputs."""
    return _invoke(
        fetch_artifact_info,
        _artifact,
        key,
        installation_id=installation_id,
        vcs=vcs,
        connection=connection,
    )


# -- work manifests, dirspaces, stacks -----------------------------------------------------


def get_work_manifests(
    *,
    q: str | None = None,
    limit: int | None = 100,
    installation_id: int | None = None,
    vcs: str | None = None,
    connection: Connection | None = None,
) -> GetWorkManifestsResult:
    """List work manifests matching the ``q`` query (newest first, at most ``limit``).

    Args:
        q: the Terrateam query (e.g. ``state:completed``).
        limit: the most to return.
        installation_id: the installation (default: the connection's or the stack's).
        vcs: ``github`` or ``gitlab`` (default: the connection's or the stack's).
        connection: the account to read with (default: the stack configuration).
    """
    _plain("get_work_manifests", {"q": q, "limit": limit, "installation_id": installation_id})
    config = _config_now(connection, "get_work_manifests")
    return _manifests(
        fetch_work_manifests(config, q=q, limit=limit, installation_id=installation_id, vcs=vcs)
    )


def get_work_manifests_output(
    *,
    q: pulumi.Input[str] | None = None,
    limit: pulumi.Input[int] | None = 100,
    installation_id: pulumi.Input[int] | None = None,
    vcs: pulumi.Input[str] | None = None,
    connection: Connection | None = None,
) -> pulumi.Output[GetWorkManifestsResult]:
    """Like :func:`get_work_manifests`, from Inputs."""
    return _invoke(
        fetch_work_manifests,
        _manifests,
        q=q,
        limit=limit,
        installation_id=installation_id,
        vcs=vcs,
        connection=connection,
    )


def get_dirspaces(
    *,
    q: str | None = None,
    limit: int | None = 100,
    installation_id: int | None = None,
    vcs: str | None = None,
    connection: Connection | None = None,
) -> GetDirspacesResult:
    """List dirspaces matching the ``q`` query (at most ``limit``).

    Args:
        q: the Terrateam query (e.g. ``dir:network``).
        limit: the most to return.
        installation_id: the installation (default: the connection's or the stack's).
        vcs: ``github`` or ``gitlab`` (default: the connection's or the stack's).
        connection: the account to read with (default: the stack configuration).
    """
    _plain("get_dirspaces", {"q": q, "limit": limit, "installation_id": installation_id})
    config = _config_now(connection, "get_dirspaces")
    return _dirspaces(
        fetch_dirspaces(config, q=q, limit=limit, installation_id=installation_id, vcs=vcs)
    )


def get_dirspaces_output(
    *,
    q: pulumi.Input[str] | None = None,
    limit: pulumi.Input[int] | None = 100,
    installation_id: pulumi.Input[int] | None = None,
    vcs: pulumi.Input[str] | None = None,
    connection: Connection | None = None,
) -> pulumi.Output[GetDirspacesResult]:
    """Like :func:`get_dirspaces`, from Inputs."""
    return _invoke(
        fetch_dirspaces,
        _dirspaces,
        q=q,
        limit=limit,
        installation_id=installation_id,
        vcs=vcs,
        connection=connection,
    )


def get_stacks(
    repo_id: int | str,
    pull_number: int,
    *,
    installation_id: int | None = None,
    vcs: str | None = None,
    connection: Connection | None = None,
) -> GetStacksResult:
    """List the stacks of a pull request (an error when the PR has none).

    Args:
        repo_id: the repository id.
        pull_number: the pull request number.
        installation_id: the installation (default: the connection's or the stack's).
        vcs: ``github`` or ``gitlab`` (default: the connection's or the stack's).
        connection: the account to read with (default: the stack configuration).
    """
    _plain("get_stacks", {"repo_id": repo_id, "pull_number": pull_number})
    config = _config_now(connection, "get_stacks")
    return _stacks(
        fetch_stacks(config, repo_id, pull_number, installation_id=installation_id, vcs=vcs)
    )


def get_stacks_output(
    repo_id: pulumi.Input[int],
    pull_number: pulumi.Input[int],
    *,
    installation_id: pulumi.Input[int] | None = None,
    vcs: pulumi.Input[str] | None = None,
    connection: Connection | None = None,
) -> pulumi.Output[GetStacksResult]:
    """Like :func:`get_stacks`, from Inputs."""
    return _invoke(
        fetch_stacks,
        _stacks,
        repo_id,
        pull_number,
        installation_id=installation_id,
        vcs=vcs,
        connection=connection,
    )


# -- identity ------------------------------------------------------------------------------


def get_whoami(*, connection: Connection | None = None) -> WhoAmIResult:
    """Return the user behind the API key (``id`` and linked ``vcs`` list).

    Args:
        connection: the account to ask about (default: the stack configuration).
    """
    return _whoami(fetch_whoami(_config_now(connection, "get_whoami")))


def get_whoami_output(*, connection: Connection | None = None) -> pulumi.Output[WhoAmIResult]:
    """Like :func:`get_whoami`, as an Output."""
    return _invoke(fetch_whoami, _whoami, connection=connection)


def whoami(*, connection: Connection | None = None) -> pulumi.Output[WhoAmIResult]:
    """The earlier name of :func:`get_whoami_output` (kept; ``who["id"]`` still works)."""
    return get_whoami_output(connection=connection)
