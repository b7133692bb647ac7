"""``ApiToken``: a Terrateam API key (refresh token) managed as a Pulumi resource.

Every input change replaces the key (Terrateam cannot edit one). The refresh token is only
returned at creation, so it lives in the state as a secret output and is never overwritten.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, Resource, UpdateResult

from pulumi_terrateam._caps import (
    canonical_capabilities,
    capability_label,
    vcs_capability,
)
from pulumi_terrateam._checks import (
    check_bool,
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

__all__ = ["ApiToken", "ApiTokenArgs"]


def _jsonable(cap: Any) -> Any:
    return cap.model_dump(mode="json") if hasattr(cap, "model_dump") else cap


def _stored_caps(caps: Any) -> list[Any]:
    """Capabilities as the server stored them, in wire form and server order."""
    return [_jsonable(c) for c in caps or []]


@dataclass
class ApiTokenArgs:
    """Inputs of an :class:`ApiToken`.

    Attributes:
        name: the key's name (Terrateam does not enforce uniqueness; the provider does).
        capabilities: capabilities to grant, e.g. ``["kv_store_read",
            {"name": "installation_id", "id": "12345"}]`` or ``"installation_id=12345"``.
        vcs: ``github`` or ``gitlab`` (default: ``terrateam:vcs``, then ``github``).
        allow_duplicate_name: create even if a key with this name already exists.
        connection: the account to use instead of the stack configuration.
    """

    name: pulumi.Input[str] | None = None
    capabilities: pulumi.Input[Sequence[pulumi.Input[str | Mapping[str, str]]]] | None = None
    vcs: pulumi.Input[str] | None = None
    allow_duplicate_name: pulumi.Input[bool] | None = None
    connection: Connection | None = None


class _ApiTokenProvider(TerrateamProvider):
    """Dynamic provider for :class:`ApiToken` (import path is part of the state format)."""

    INPUTS = ("name", "capabilities", "vcs", "allow_duplicate_name")
    REPLACE_ON = ("name", "capabilities", "vcs")
    CREATE_ONLY = ("allow_duplicate_name",)

    def validate(self, news: dict[str, Any]) -> tuple[dict[str, Any], list[CheckFailure]]:
        """Check the name, vcs and capabilities; sort and de-duplicate capabilities."""
        failures: list[CheckFailure] = []
        check_string(news, "name", failures)
        check_vcs(news, failures, self.default_vcs(news))
        check_bool(news, "allow_duplicate_name", failures, default=False)
        caps = news.get("capabilities")
        if caps is None:
            failures.append(CheckFailure("capabilities", "capabilities is required"))
        elif is_known(caps):
            try:
                news["capabilities"] = canonical_capabilities(caps)
            except ValueError as exc:
                failures.append(CheckFailure("capabilities", str(exc)))
        return news, failures

    def changed_inputs(self, olds: dict[str, Any], news: dict[str, Any]) -> list[str]:
        """Compare capabilities as sets against what the server stored (plus its vcs entry)."""
        changed = [k for k in ("name", "vcs") if not same_value(olds.get(k), news.get(k))]
        wanted, stored = news.get("capabilities"), olds.get("capabilities")
        if not (isinstance(wanted, list) and is_known(wanted) and is_known(news.get("vcs"))):
            return [*changed, "capabilities"]
        try:
            want = canonical_capabilities([*wanted, vcs_capability(news["vcs"])])
            have = canonical_capabilities(stored or [])
        except ValueError:
            return [*changed, "capabilities"]
        return changed if want == have else [*changed, "capabilities"]

    def delete_before_replace(self, olds: dict[str, Any], news: dict[str, Any]) -> bool:
        """Delete first when the name stays, unless duplicate names are allowed.

        Otherwise the duplicate-name guard would refuse the replacement.
        """
        return same_value(olds.get("name"), news.get("name")) and not news.get(
            "allow_duplicate_name"
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Create the key; refuse duplicates; undo and fail if capabilities were dropped."""
        name, vcs = props["name"], props["vcs"]
        requested = canonical_capabilities(props["capabilities"])
        with self.client(f"create API token {name!r}", props) as client:
            if not props.get("allow_duplicate_name"):
                same = [k.id for k in client.access_tokens.list(vcs=vcs) if k.name == name]
                if same:
                    raise TerrateamProviderError(
                        f"an API token named {name!r} already exists (id {', '.join(same)}); "
                        "Terrateam does not keep names unique, so the provider refuses to create "
                        "another. Delete the old one, choose another name, or set "
                        "allow_duplicate_name=True"
                    )
            created = client.access_tokens.create(name, requested, vcs=vcs)
            if created.id is None:
                # The key exists but the listing could not single it out (a concurrent create
                # with the same name, or more than the 100 keys the server lists).
                same = [k.id for k in client.access_tokens.list(vcs=vcs) if k.name == name]
                raise TerrateamProviderError(
                    f"API token {name!r} was created but its id could not be determined; it is "
                    f"one of: {', '.join(same) or '(not listed)'}. Delete the extra key in "
                    "Terrateam, then run `pulumi up` again"
                )
            token_id: str = created.id
            stored = _stored_caps(created.capabilities)
            have = canonical_capabilities(stored)
            missing = [cap for cap in requested if cap not in have]
            if missing:
                client.access_tokens.delete(token_id, vcs=vcs)
                labels = ", ".join(capability_label(c) for c in missing)
                raise TerrateamProviderError(
                    f"Terrateam silently dropped capabilities from API token {name!r}: {labels}. "
                    "The server only grants capabilities the calling API key holds itself; "
                    "the new token was deleted. Use an API key that holds them, or remove them "
                    "from capabilities"
                )
            outs = {
                "name": name,
                "vcs": vcs,
                "allow_duplicate_name": bool(props.get("allow_duplicate_name")),
                "capabilities": stored,
                "token_id": token_id,
                "refresh_token": created.refresh_token.get_secret_value(),
            }
            if props.get("connection") is not None:
                # Kept in the state: refresh and destroy use the key's own account.
                outs["connection"] = props["connection"]
        return CreateResult(token_id, outs)

    def refresh(self, id_: str, props: dict[str, Any]) -> dict[str, Any] | None:
        """Find the key by id; ``None`` when deleted out of band. Keeps the refresh token.

        For ``ApiToken.get`` the props hold no ``vcs`` yet: the connection's or config's is used.
        """
        props = {"vcs": self.default_vcs(props), "token_id": id_, **props}
        with self.client(f"read API token {id_}", props) as client:
            live = next(
                (k for k in client.access_tokens.list(vcs=props.get("vcs")) if k.id == id_), None
            )
        if live is None:
            return None
        return self.outputs(
            {
                **props,
                "name": live.name,
                "capabilities": _stored_caps(live.capabilities),
                "allow_duplicate_name": bool(props.get("allow_duplicate_name")),
            }
        )

    def read(self, id_: str, props: dict[str, Any]) -> Any:
        """Refresh, reporting live capabilities (minus the server's vcs entry) as inputs."""
        result = super().read(id_, props)
        if result.inputs is not None and result.outs:
            vcs_cap = vcs_capability(str(result.outs.get("vcs", "github")))
            try:
                caps = canonical_capabilities(result.outs.get("capabilities") or [])
            except ValueError:
                caps = result.outs.get("capabilities") or []
            # The server prepends the vcs entry; drop one copy so a clean state diffs clean.
            result.inputs["capabilities"] = [c for c in caps if c != vcs_cap]
        return result

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Nothing is editable in place: keep every output, record create-only flags."""
        return UpdateResult(
            self.outputs(
                {
                    **self.with_connection(olds, news),
                    "allow_duplicate_name": news.get("allow_duplicate_name"),
                }
            )
        )

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Delete the key (the server answers 200 whether or not it still exists)."""
        with self.client(f"delete API token {id_}", props) as client:
            client.access_tokens.delete(id_, vcs=props.get("vcs"))


class ApiToken(Resource, module="terrateam", name="ApiToken"):
    """A Terrateam API key. ``refresh_token`` is a secret output stored in the state.

    Example::

        token = ApiToken("ci", name="ci-deploy", capabilities=["kv_store_read"])
        pulumi.export("ci_key", token.refresh_token)
    """

    _PROVIDER = _ApiTokenProvider
    _SECRET_OUTPUTS = ("refresh_token",)

    name: pulumi.Output[str]
    capabilities: pulumi.Output[list[Any]]
    vcs: pulumi.Output[str]
    allow_duplicate_name: pulumi.Output[bool]
    token_id: pulumi.Output[str]
    refresh_token: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: ApiTokenArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        """Declare an API token.

        Args:
            resource_name: the Pulumi resource name.
            args: the inputs (or pass them as keyword arguments).
            opts: resource options; ``refresh_token`` is always added to the secret outputs.
            **kwargs: fields of :class:`ApiTokenArgs`.
        """
        props = resolve_args(ApiTokenArgs, args, kwargs)
        props.update(token_id=None, refresh_token=None)
        props, secret_outputs = with_connection(props, self._SECRET_OUTPUTS)
        super().__init__(
            _ApiTokenProvider(),
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
        vcs: pulumi.Input[str] | None = None,
        connection: Connection | None = None,
    ) -> ApiToken:
        """Bring an existing API key into the program as a read-only resource.

        Its ``name`` and ``capabilities`` are read; ``refresh_token`` stays empty (Terrateam
        shows a key only when it is created). Pulumi never deletes or changes it.

        Args:
            resource_name: the Pulumi resource name.
            id: the key's id (``terrateam api-keys list`` shows it).
            opts: resource options.
            vcs: the key's VCS (default: the connection's or the stack's, then ``github``).
            connection: the account to read it with (default: the stack configuration).
        """
        return ApiToken(resource_name, opts=get_options(opts, id), vcs=vcs, connection=connection)
