"""``KvArtifact``: a local file uploaded to the Terrateam KV store in the core's artifact format.

The diff is on the local file's sha256, so an unchanged file is never uploaded again.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from typing import Any, BinaryIO

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, Resource, UpdateResult

from pulumi_terrateam._checks import (
    check_int,
    check_string,
    check_vcs,
    is_known,
    same_value,
)
from pulumi_terrateam._provider import TerrateamProvider, TerrateamProviderError
from pulumi_terrateam._resource import (
    get_options,
    resolve_args,
    with_connection,
    with_secret_outputs,
)
from pulumi_terrateam.connection import Connection

__all__ = ["KvArtifact", "KvArtifactArgs"]


@dataclass
class KvArtifactArgs:
    """Inputs of a :class:`KvArtifact`.

    Attributes:
        key: the KV key the artifact is stored under.
        source: a file path or a ``pulumi.FileAsset`` (``pulumi.StringAsset`` also works).
        installation_id: the installation (default: ``terrateam:installationId``).
        vcs: ``github`` or ``gitlab`` (default: ``terrateam:vcs``, then ``github``).
        content_type: recorded in the artifact manifest (e.g. ``application/zip``).
        connection: the account to use instead of the stack configuration.
    """

    key: pulumi.Input[str] | None = None
    source: pulumi.Input[str | pulumi.Asset] | None = None
    installation_id: pulumi.Input[int] | None = None
    vcs: pulumi.Input[str] | None = None
    content_type: pulumi.Input[str] | None = None
    connection: Connection | None = None


def _source_path(source: Any) -> str | None:
    if isinstance(source, str):
        return source
    path = getattr(source, "path", None)
    return path if isinstance(path, str) else None


def _open_source(source: Any) -> BinaryIO:
    """Open a path, ``FileAsset`` or ``StringAsset`` for reading bytes."""
    path = _source_path(source)
    if path is not None:
        return open(path, "rb")  # the caller closes it
    text = getattr(source, "text", None)
    if isinstance(text, str):
        return io.BytesIO(text.encode())
    raise ValueError("source must be a file path, a pulumi.FileAsset or a pulumi.StringAsset")


def source_sha256(source: Any) -> str:
    """Return the sha256 (hex) of the source's bytes, reading it in 1 MiB blocks."""
    digest = hashlib.sha256()
    with _open_source(source) as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _KvArtifactProvider(TerrateamProvider):
    """Dynamic provider for :class:`KvArtifact` (import path is part of the state format)."""

    INPUTS = ("key", "source", "installation_id", "vcs", "content_type")
    REPLACE_ON = ("key", "installation_id", "vcs")

    def validate(self, news: dict[str, Any]) -> tuple[dict[str, Any], list[CheckFailure]]:
        """Check the key and source (the file must exist); fill installation and vcs."""
        failures: list[CheckFailure] = []
        check_string(news, "key", failures)
        check_string(news, "content_type", failures, required=False)
        check_vcs(news, failures, self.default_vcs(news))
        check_int(
            news,
            "installation_id",
            failures,
            default=self.default_installation_id(news),
            hint=" (or set `terrateam:installationId` / TERRATEAM_INSTALLATION_ID)",
        )
        source = news.get("source")
        if source is None:
            failures.append(CheckFailure("source", "source is required (a path or FileAsset)"))
        elif is_known(source):
            path = _source_path(source)
            if path is None and not isinstance(getattr(source, "text", None), str):
                failures.append(
                    CheckFailure("source", "source must be a file path or a pulumi.FileAsset")
                )
            elif path is not None and not os.path.isfile(path):
                failures.append(CheckFailure("source", f"source file not found: {path}"))
        return news, failures

    def changed_inputs(self, olds: dict[str, Any], news: dict[str, Any]) -> list[str]:
        """Compare the local file's sha256 with the uploaded one, plus the plain inputs."""
        changed = [
            k
            for k in ("key", "installation_id", "vcs", "content_type")
            if not same_value(olds.get(k), news.get(k))
        ]
        source = news.get("source")
        if not is_known(source):
            return [*changed, "source"]
        try:
            if source_sha256(source) != olds.get("sha256"):
                changed.append("source")
        except (OSError, ValueError):
            changed.append("source")
        return changed

    def _upload(self, props: dict[str, Any]) -> dict[str, Any]:
        key = props["key"]
        where = f"artifact {key!r} ({props['vcs']}:{int(props['installation_id'])})"
        with (
            self.client(f"upload {where}", props) as client,
            _open_source(props["source"]) as stream,
        ):
            info = client.kv.put_artifact(
                key,
                stream,
                content_type=props.get("content_type"),
                installation_id=int(props["installation_id"]),
                vcs=props["vcs"],
            )
        return self._info_outputs(props, info)

    def _info_outputs(self, props: dict[str, Any], info: Any) -> dict[str, Any]:
        outs = self.outputs(props)
        outs.update(sha256=info.sha256, size=int(info.size), generation=info.generation)
        return self.outputs(outs)

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Upload the file (chunked, committed atomically by the core)."""
        props = {**props, "installation_id": int(props["installation_id"])}
        ident = f"{props['vcs']}/{props['installation_id']}/{props['key']}"
        return CreateResult(ident, self._upload(props))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Upload again only when the file or content type changed; else keep outputs."""
        props = self.with_connection({**olds, **self.outputs(news)}, news)
        if "content_type" not in news:
            props.pop("content_type", None)
        if set(self.changed_inputs(olds, news)) & {"source", "content_type"}:
            return UpdateResult(self._upload(props))
        return UpdateResult(self.outputs(props))

    def refresh(self, id_: str, props: dict[str, Any]) -> dict[str, Any] | None:
        """Read the artifact manifest; ``None`` when it is gone (or, for ``get``, absent)."""
        from terrateam_core.errors import NotFoundError

        if "key" not in props:  # KvArtifact.get: the identity is in the id
            props = {**props, **_identity_from_id(id_)}
        key = props["key"]
        with self.client(f"read artifact {key!r}", props) as client:
            try:
                info = client.kv.artifact_info(
                    key, installation_id=int(props["installation_id"]), vcs=props["vcs"]
                )
            except NotFoundError:
                return None
        return self._info_outputs(props, info)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Delete the artifact's records; already gone counts as deleted."""
        key = props["key"]
        with self.client(f"delete artifact {key!r}", props) as client:
            client.kv.delete_artifact(
                key, installation_id=int(props["installation_id"]), vcs=props["vcs"]
            )


def _identity_from_id(id_: str) -> dict[str, Any]:
    """``vcs``/``installation_id``/``key`` from an id ``vcs/installation/key`` (for ``get``)."""
    vcs, _, rest = id_.partition("/")
    installation, _, key = rest.partition("/")
    if vcs not in ("github", "gitlab") or not installation.isdigit() or not key:
        raise TerrateamProviderError(
            f"not a KvArtifact id: {id_!r}; expected <vcs>/<installation_id>/<key>, "
            "e.g. github/12345/artifacts/plan.zip"
        )
    return {"vcs": vcs, "installation_id": int(installation), "key": key}


class KvArtifact(Resource, module="terrateam", name="KvArtifact"):
    """A file stored as a Terrateam KV artifact; outputs ``sha256``, ``size``, ``generation``.

    Example::

        KvArtifact("plan", key="artifacts/plan.zip", source=pulumi.FileAsset("plan.zip"))
    """

    _PROVIDER = _KvArtifactProvider
    _SECRET_OUTPUTS: tuple[str, ...] = ()

    key: pulumi.Output[str]
    source: pulumi.Output[Any]
    installation_id: pulumi.Output[int]
    vcs: pulumi.Output[str]
    content_type: pulumi.Output[str | None]
    sha256: pulumi.Output[str]
    size: pulumi.Output[int]
    generation: pulumi.Output[Any]

    def __init__(
        self,
        resource_name: str,
        args: KvArtifactArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        """Declare an artifact.

        Args:
            resource_name: the Pulumi resource name.
            args: the inputs (or pass them as keyword arguments).
            opts: resource options.
            **kwargs: fields of :class:`KvArtifactArgs`.
        """
        props = resolve_args(KvArtifactArgs, args, kwargs)
        props.update(sha256=None, size=None, generation=None)
        props, secret_outputs = with_connection(props, self._SECRET_OUTPUTS)
        if secret_outputs:
            opts = with_secret_outputs(opts, secret_outputs)
        super().__init__(_KvArtifactProvider(), resource_name, props, opts)

    @staticmethod
    def get(
        resource_name: str,
        id: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
        *,
        connection: Connection | None = None,
    ) -> KvArtifact:
        """Bring an existing artifact into the program as a read-only resource.

        Its manifest (``sha256``, ``size``, ``generation``) is read; Pulumi never uploads or
        deletes it.

        Args:
            resource_name: the Pulumi resource name.
            id: ``<vcs>/<installation_id>/<key>``, e.g. ``github/12345/artifacts/plan.zip``.
            opts: resource options.
            connection: the account to read it with (default: the stack configuration).
        """
        return KvArtifact(resource_name, opts=get_options(opts, id), connection=connection)
