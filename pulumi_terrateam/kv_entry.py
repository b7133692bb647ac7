"""``KvEntry``: one Terrateam KV record (key, idx) managed as a Pulumi resource.

Writes are compare-and-set: create inserts only if absent, update writes against the version
recorded in the state, so a change made outside Pulumi is reported, never overwritten.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, Resource, UpdateResult

from pulumi_terrateam._caps import canonical_capabilities
from pulumi_terrateam._checks import (
    check_bool,
    check_int,
    check_string,
    check_vcs,
    is_known,
    normalize_json,
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

__all__ = ["KvEntry", "KvEntryArgs"]

_CAPS = ("read_caps", "write_caps")
_REFRESH_HINT = "run `pulumi refresh` to accept the server's state, then `pulumi up` again"


@dataclass
class KvEntryArgs:
    """Inputs of a :class:`KvEntry`.

    Attributes:
        key: the KV key (without namespace).
        value: any JSON value (stored as a secret in the state).
        installation_id: the installation (default: ``terrateam:installationId``).
        vcs: ``github`` or ``gitlab`` (default: ``terrateam:vcs``, then ``github``).
        idx: the record index (default 0).
        committed: write the record committed (default True).
        read_caps: capabilities a reader must hold (None: anyone).
        write_caps: capabilities a writer must hold (None: anyone).
        adopt: take over an entry that already exists instead of failing.
        connection: the account to use instead of the stack configuration.
    """

    key: pulumi.Input[str] | None = None
    value: pulumi.Input[Any] | None = None
    installation_id: pulumi.Input[int] | None = None
    vcs: pulumi.Input[str] | None = None
    idx: pulumi.Input[int] | None = None
    committed: pulumi.Input[bool] | None = None
    read_caps: pulumi.Input[Sequence[pulumi.Input[str | Mapping[str, str]]]] | None = None
    write_caps: pulumi.Input[Sequence[pulumi.Input[str | Mapping[str, str]]]] | None = None
    adopt: pulumi.Input[bool] | None = None
    connection: Connection | None = None


def _timestamp(value: Any) -> str | None:
    """Render the record's last-write time as the server does (``YYYY-MM-DDTHH:MM:SSZ``)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return str(value.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return str(value)  # already the server's text form


def _entry_id(props: dict[str, Any]) -> str:
    idx = normalize_json(props.get("idx") or 0)
    suffix = f"#{idx}" if idx else ""
    return f"{props['vcs']}/{normalize_json(props['installation_id'])}/{props['key']}{suffix}"


def _identity_from_id(id_: str) -> dict[str, Any]:
    """``vcs``/``installation_id``/``key``/``idx`` from a KvEntry id (``get``)."""
    vcs, _, rest = id_.partition("/")
    installation, _, key = rest.partition("/")
    key, sep, idx = key.rpartition("#") if "#" in key else (key, "", "0")
    if (
        vcs not in ("github", "gitlab")
        or not installation.isdigit()
        or not key
        or not (idx.isdigit())
    ):
        raise TerrateamProviderError(
            f"not a KvEntry id: {id_!r}; expected <vcs>/<installation_id>/<key>[#<idx>], "
            "e.g. github/12345/deploy/config"
        )
    del sep
    return {"vcs": vcs, "installation_id": int(installation), "key": key, "idx": int(idx)}


def _warn(message: str) -> None:
    """A warning the engine shows with the resource (stderr when there is no engine)."""
    pulumi.log.warn(message)


def _hidden_by_read_caps(client: Any, read_caps: Any) -> bool:
    """Whether records with ``read_caps`` are invisible to ``client``'s key.

    The key's capabilities are read from its access token's claims (unverified, used only to
    explain a 404, never to authorise); unreadable claims count as "cannot tell" (hidden).
    """
    if not read_caps:
        return False
    from terrateam_core._jwt import decode_claims

    try:
        claims = decode_claims(client.get_access_token()) or {}
        held = claims.get("terrateam", {}).get("capabilities")
        need = canonical_capabilities(read_caps)
        have = canonical_capabilities(held if isinstance(held, list) else [])
    except (ValueError, TypeError, AttributeError):
        return True
    return not all(cap in have for cap in need)


def _where(props: dict[str, Any]) -> str:
    # State numbers come back as floats (12345.0): render them as the integers they are.
    installation, idx = normalize_json(props["installation_id"]), normalize_json(props["idx"])
    return f"KV entry {props['key']!r} ({props['vcs']}:{installation} idx {idx})"


class _KvEntryProvider(TerrateamProvider):
    """Dynamic provider for :class:`KvEntry` (import path is part of the state format)."""

    INPUTS = (
        "key",
        "value",
        "installation_id",
        "vcs",
        "idx",
        "committed",
        "read_caps",
        "write_caps",
        "adopt",
    )
    REPLACE_ON = ("key", "installation_id", "vcs", "idx")
    CREATE_ONLY = ("adopt",)

    def validate(self, news: dict[str, Any]) -> tuple[dict[str, Any], list[CheckFailure]]:
        """Check every field; fill installation/vcs from config; canonicalise caps."""
        failures: list[CheckFailure] = []
        check_string(news, "key", failures)
        if "value" not in news:
            failures.append(CheckFailure("value", "value is required (any JSON value)"))
        else:
            news["value"] = normalize_json(news["value"])
        check_vcs(news, failures, self.default_vcs(news))
        check_int(
            news,
            "installation_id",
            failures,
            default=self.default_installation_id(news),
            hint=" (or set `terrateam:installationId` / TERRATEAM_INSTALLATION_ID)",
        )
        check_int(news, "idx", failures, default=0)
        check_bool(news, "committed", failures, default=True)
        check_bool(news, "adopt", failures, default=False)
        for name in _CAPS:
            caps = news.get(name)
            if caps is not None and is_known(caps):
                try:
                    news[name] = canonical_capabilities(caps)
                except ValueError as exc:
                    failures.append(CheckFailure(name, str(exc)))
        return news, failures

    def changed_inputs(self, olds: dict[str, Any], news: dict[str, Any]) -> list[str]:
        """Declared inputs that differ; capability lists compare as sets."""
        changed = []
        for name in self.INPUTS:
            if name in self.CREATE_ONLY:
                continue
            old, new = olds.get(name), news.get(name)
            if name in _CAPS and old is not None and new is not None and is_known(new):
                try:
                    if canonical_capabilities(old) == canonical_capabilities(new):
                        continue
                except ValueError:
                    pass
            if not same_value(old, new):
                changed.append(name)
        return changed

    @staticmethod
    def _write_args(props: dict[str, Any]) -> dict[str, Any]:
        return {
            "idx": int(props["idx"]),
            "committed": bool(props["committed"]),
            "read_caps": props.get("read_caps"),
            "write_caps": props.get("write_caps"),
            "installation_id": int(props["installation_id"]),
            "vcs": props["vcs"],
        }

    @staticmethod
    def _record_outputs(props: dict[str, Any], record: Any) -> dict[str, Any]:
        outs = TerrateamProvider.outputs(props)
        outs.update(version=int(record.version), size=int(record.size))
        outs["created_at"] = _timestamp(record.created_at)
        return TerrateamProvider.outputs(outs)

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Insert if absent; with ``adopt`` take over an existing record (CAS on its version)."""
        from terrateam_core.errors import KVConflictError

        props = {**props, "installation_id": int(props["installation_id"])}
        props["idx"] = int(props["idx"])
        key, kw = props["key"], self._write_args(props)
        with self.client(f"create {_where(props)}", props) as client:
            try:
                record = client.kv.cas(key, props["value"], version=None, **kw)
            except KVConflictError:
                existing = client.kv.get_or_none(
                    key,
                    idx=kw["idx"],
                    committed=False,
                    installation_id=kw["installation_id"],
                    vcs=kw["vcs"],
                )
                if existing is None:
                    raise TerrateamProviderError(
                        f"Terrateam refused to create {_where(props)} (400): check read_caps and "
                        "write_caps, or the entry exists but its read_caps hide it from this key"
                    ) from None
                if not props.get("adopt"):
                    raise TerrateamProviderError(
                        f"{_where(props)} already exists (version {existing.version}); set "
                        "adopt=True to manage the existing entry, or choose another key"
                    ) from None
                if self._matches(existing, props):
                    # Already as declared: take it over without a write (version unchanged).
                    return CreateResult(_entry_id(props), self._record_outputs(props, existing))
                try:
                    record = client.kv.cas(key, props["value"], version=existing.version, **kw)
                except KVConflictError:
                    raise TerrateamProviderError(
                        f"{_where(props)} changed while being adopted; run `pulumi up` again"
                    ) from None
        return CreateResult(_entry_id(props), self._record_outputs(props, record))

    def _matches(self, record: Any, props: dict[str, Any]) -> bool:
        """Whether a live record already holds the declared value, state and caps."""
        live = self._live_outputs(record)
        return not self.changed_inputs({**props, **live}, props)

    @staticmethod
    def _live_outputs(record: Any) -> dict[str, Any]:
        live: dict[str, Any] = {
            "value": normalize_json(record.data),
            "committed": record.committed,
        }
        for name in _CAPS:
            caps = getattr(record, name, None)
            live[name] = (
                [c.model_dump(mode="json") if hasattr(c, "model_dump") else c for c in caps]
                if caps is not None
                else None
            )
        return live

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """CAS the new value against the version in the state."""
        from terrateam_core.errors import KVConflictError

        props = self.with_connection({**olds, **self.outputs(news)}, news)
        for dropped in (n for n in _CAPS if n not in news):
            props.pop(dropped, None)  # an input removed from the program clears the caps
        if not self.changed_inputs(olds, news):
            # Only the connection (or a create-only flag) changed: nothing to write.
            return UpdateResult(self.outputs(props))
        version = int(olds["version"])
        key, kw = props["key"], self._write_args(props)
        with self.client(f"update {_where(props)}", props) as client:
            try:
                record = client.kv.cas(key, props["value"], version=version, **kw)
            except KVConflictError:
                live = client.kv.get_or_none(
                    key,
                    idx=kw["idx"],
                    committed=False,
                    installation_id=kw["installation_id"],
                    vcs=kw["vcs"],
                )
                raise TerrateamProviderError(self._conflict_message(props, version, live)) from None
        return UpdateResult(self._record_outputs(props, record))

    @staticmethod
    def _conflict_message(props: dict[str, Any], version: int, live: Any) -> str:
        if live is None:
            return f"{_where(props)} was deleted outside Pulumi — {_REFRESH_HINT}"
        if int(live.version) != version:
            return (
                f"{_where(props)} changed outside Pulumi (state has version {version}, the "
                f"server has {live.version}) — {_REFRESH_HINT}"
            )
        return f"{_where(props)} refused the write: its write_caps exclude this API key"

    def refresh(self, id_: str, props: dict[str, Any]) -> dict[str, Any] | None:
        """Read the record (committed or not); ``None`` only when it is really gone.

        The server answers 404 both for a deleted record and for one whose ``read_caps`` this
        key does not satisfy (docs/contract.md §4.6), and 403 when the key lacks
        ``kv_store_read`` or installation access. Dropping the resource in those cases would
        make the next ``up`` try to create a record that still exists, so the state is kept
        and a warning says why: a 403, or a 404 for a record whose recorded ``read_caps`` the
        key's own capabilities do not contain, is "hidden", not "deleted".
        For ``KvEntry.get`` the identity comes from the id (``vcs/installation/key#idx``).
        """
        from terrateam_core.errors import PermissionDeniedError

        getting = "key" not in props
        if getting:
            props = {**props, **_identity_from_id(id_)}
        with self.client(f"read {_where(props)}", props) as client:
            try:
                record = client.kv.get_or_none(
                    props["key"],
                    idx=int(props["idx"]),
                    committed=False,
                    installation_id=int(props["installation_id"]),
                    vcs=props["vcs"],
                )
            except PermissionDeniedError:
                if getting:
                    raise
                _warn(
                    f"{_where(props)}: this API key may not read it (403: it lacks "
                    "kv_store_read or access to the installation); the state is kept as is"
                )
                return props
            if record is None:
                if not getting and _hidden_by_read_caps(client, props.get("read_caps")):
                    _warn(
                        f"{_where(props)}: not readable with this API key (its read_caps "
                        "require capabilities the key does not hold), so it cannot be told "
                        "from deleted; the state is kept as is"
                    )
                    return props
                return None
        outs = {**props, **self._live_outputs(record)}
        return self._record_outputs(outs, record)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Delete the state's version; an entry already gone counts as deleted."""
        version = int(props["version"])
        kw = {"installation_id": int(props["installation_id"]), "vcs": props["vcs"]}
        with self.client(f"delete {_where(props)}", props) as client:
            idx = int(props["idx"])
            if client.kv.delete(props["key"], idx=idx, version=version, **kw):
                return
            live = client.kv.get_or_none(props["key"], idx=idx, committed=False, **kw)
        if live is not None:
            raise TerrateamProviderError(self._conflict_message(props, version, live))


class KvEntry(Resource, module="terrateam", name="KvEntry"):
    """A Terrateam KV record. ``value`` is a secret output; writes are compare-and-set.

    Example::

        KvEntry("cfg", key="deploy/config", value={"region": "eu"}, installation_id=12345)
    """

    _PROVIDER = _KvEntryProvider
    _SECRET_OUTPUTS = ("value",)

    key: pulumi.Output[str]
    value: pulumi.Output[Any]
    installation_id: pulumi.Output[int]
    vcs: pulumi.Output[str]
    idx: pulumi.Output[int]
    committed: pulumi.Output[bool]
    read_caps: pulumi.Output[list[Any] | None]
    write_caps: pulumi.Output[list[Any] | None]
    adopt: pulumi.Output[bool]
    version: pulumi.Output[int]
    size: pulumi.Output[int]
    created_at: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: KvEntryArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        """Declare a KV entry.

        Args:
            resource_name: the Pulumi resource name.
            args: the inputs (or pass them as keyword arguments).
            opts: resource options; ``value`` is always added to the secret outputs.
            **kwargs: fields of :class:`KvEntryArgs`.
        """
        props = resolve_args(KvEntryArgs, args, kwargs)
        props.update(version=None, size=None, created_at=None)
        props, secret_outputs = with_connection(props, self._SECRET_OUTPUTS)
        super().__init__(
            _KvEntryProvider(),
            resource_name,
            props,
            with_secret_outputs(opts, secret_outputs),
        )

    @staticmethod
    def get(
        resource_name: str,
        id: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
        *,
        connection: Connection | None = None,
    ) -> KvEntry:
        """Bring an existing KV record into the program as a read-only resource.

        ``value`` (secret), ``version``, ``committed``, ``read_caps``… are read; Pulumi never
        writes or deletes it. To manage an existing record instead, declare it with
        ``adopt=True``.

        Args:
            resource_name: the Pulumi resource name.
            id: ``<vcs>/<installation_id>/<key>`` plus ``#<idx>`` for idx > 0, e.g.
                ``github/12345/deploy/config`` (the id a managed ``KvEntry`` gets).
            opts: resource options.
            connection: the account to read it with (default: the stack configuration).
        """
        return KvEntry(resource_name, opts=get_options(opts, id), connection=connection)
