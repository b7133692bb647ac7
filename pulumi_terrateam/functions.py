"""Read-only look-ups for Pulumi programs, returning ``Output``s.

Dynamic providers cannot serve invokes, so these run in the program process: credentials
come from the stack configuration (``terrateam:apiKey`` …) and fall back to the
``TERRATEAM_*`` environment. Each has a plain ``fetch_*`` twin that takes a
:class:`~pulumi_terrateam._provider.ProviderConfig`, used by the Output wrapper and by tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pulumi

from pulumi_terrateam._provider import ProviderConfig

if TYPE_CHECKING:
    from terrateam_core import TerrateamClient

__all__ = [
    "fetch_artifact_info",
    "fetch_dirspaces",
    "fetch_kv_entry",
    "fetch_stacks",
    "fetch_whoami",
    "fetch_work_manifests",
    "get_artifact_info",
    "get_dirspaces",
    "get_kv_entry",
    "get_stacks",
    "get_work_manifests",
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
    installation = cfg.get("installationId")

    def build(api_key: str | None) -> ProviderConfig:
        return ProviderConfig(
            api_key=api_key or None,
            base_url=cfg.get("baseUrl"),
            vcs=cfg.get("vcs"),
            installation_id=int(installation) if installation else None,
        )

    return pulumi.Output.from_input(cfg.get_secret("apiKey")).apply(build)


def _invoke(
    fetch: Callable[..., Any], *args: Any, secret: bool = False, **kwargs: Any
) -> pulumi.Output[Any]:
    def call(values: list[Any]) -> Any:
        config, call_args, call_kwargs = values
        return fetch(config, *call_args, **call_kwargs)

    result = pulumi.Output.all(_stack_config(), list(args), dict(kwargs)).apply(call)
    return pulumi.Output.secret(result) if secret else pulumi.Output.unsecret(result)


def get_kv_entry(
    key: pulumi.Input[str],
    *,
    idx: pulumi.Input[int] = 0,
    committed: pulumi.Input[bool] = True,
    installation_id: pulumi.Input[int] | None = None,
    vcs: pulumi.Input[str] | None = None,
) -> pulumi.Output[dict[str, Any] | None]:
    """Look up a KV record; the result (``None`` when absent) is a secret Output."""
    return _invoke(
        fetch_kv_entry,
        key,
        idx=idx,
        committed=committed,
        installation_id=installation_id,
        vcs=vcs,
        secret=True,
    )


def get_artifact_info(
    key: pulumi.Input[str],
    *,
    installation_id: pulumi.Input[int] | None = None,
    vcs: pulumi.Input[str] | None = None,
) -> pulumi.Output[dict[str, Any] | None]:
    """Look up an artifact's manifest (``None`` when absent)."""
    return _invoke(fetch_artifact_info, key, installation_id=installation_id, vcs=vcs)


def get_work_manifests(
    *,
    q: pulumi.Input[str] | None = None,
    limit: pulumi.Input[int] | None = 100,
    installation_id: pulumi.Input[int] | None = None,
    vcs: pulumi.Input[str] | None = None,
) -> pulumi.Output[list[dict[str, Any]]]:
    """List work manifests matching the ``q`` query."""
    return _invoke(fetch_work_manifests, q=q, limit=limit, installation_id=installation_id, vcs=vcs)


def get_dirspaces(
    *,
    q: pulumi.Input[str] | None = None,
    limit: pulumi.Input[int] | None = 100,
    installation_id: pulumi.Input[int] | None = None,
    vcs: pulumi.Input[str] | None = None,
) -> pulumi.Output[list[dict[str, Any]]]:
    """List dirspaces matching the ``q`` query."""
    return _invoke(fetch_dirspaces, q=q, limit=limit, installation_id=installation_id, vcs=vcs)


def get_stacks(
    repo_id: pulumi.Input[int],
    pull_number: pulumi.Input[int],
    *,
    installation_id: pulumi.Input[int] | None = None,
    vcs: pulumi.Input[str] | None = None,
) -> pulumi.Output[list[dict[str, Any]]]:
    """List the stacks of a pull request."""
    return _invoke(fetch_stacks, repo_id, pull_number, installation_id=installation_id, vcs=vcs)


def whoami() -> pulumi.Output[dict[str, Any]]:
    """Return the identity behind the configured API key."""
    return _invoke(fetch_whoami)
