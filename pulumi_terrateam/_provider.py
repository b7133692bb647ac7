"""The base of every Terrateam dynamic provider: configuration, clients, checks and diffs.

Providers are pickled by reference into the Pulumi state (``__provider``), so they hold no
client, lock or credential on ``self``. Stack configuration received by ``configure()`` is
kept in a module-level weak map keyed by the provider instance (never pickled); each CRUD
call resolves its settings from it, falling back to the ``TERRATEAM_*`` environment read at
call time, and uses the per-process client for those settings (``_clients``).
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import UNKNOWN

from pulumi_terrateam._checks import is_known, same_value
from pulumi_terrateam._clients import client_for
from pulumi_terrateam._config import ProviderConfig
from pulumi_terrateam.connection import CONNECTION_KEY, config_from_connection

if TYPE_CHECKING:
    from terrateam_core import TerrateamClient

__all__ = ["ProviderConfig", "TerrateamProvider", "TerrateamProviderError", "describe_error"]

#: Stack configuration keys read by ``configure()`` (the ``terrateam`` namespace).
CONFIG_KEYS = {
    "api_key": "terrateam:apiKey",
    "base_url": "terrateam:baseUrl",
    "vcs": "terrateam:vcs",
    "installation_id": "terrateam:installationId",
}

_CONFIGS: weakref.WeakKeyDictionary[TerrateamProvider, ProviderConfig] = weakref.WeakKeyDictionary()
_CONFIGS_LOCK = threading.Lock()


class TerrateamProviderError(Exception):
    """A provider operation failed; the message says what the user should do."""


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value else None


class TerrateamProvider(ResourceProvider):
    """Shared behaviour of the Terrateam dynamic providers.

    Subclasses set ``INPUTS`` (the declared input names), ``REPLACE_ON`` (inputs whose change
    forces a replacement), implement ``validate()``, ``create()``, ``refresh()``, ``update()``
    and ``delete()``, and inherit ``check()``, ``diff()`` and ``read()``.
    """

    # The pickled provider captures nothing secret (tested), so it need not be a secret.
    serialize_as_secret_always = False

    INPUTS: tuple[str, ...] = ()
    REPLACE_ON: tuple[str, ...] = ()
    #: Inputs that only matter at create time and never cause a diff.
    CREATE_ONLY: tuple[str, ...] = ()

    # -- configuration -----------------------------------------------------------------

    def configure(self, req: ConfigureRequest) -> None:
        """Remember the stack's ``terrateam:*`` settings for this provider instance."""
        values = {attr: req.config.get(key) for attr, key in CONFIG_KEYS.items()}
        installation = values["installation_id"]
        try:
            installation_id = int(installation) if installation not in (None, "") else None
        except (TypeError, ValueError):
            raise TerrateamProviderError(
                f"terrateam:installationId must be an integer, got {installation!r}"
            ) from None
        config = ProviderConfig(
            api_key=str(values["api_key"]) if values["api_key"] else None,
            base_url=str(values["base_url"]) if values["base_url"] else None,
            vcs=str(values["vcs"]) if values["vcs"] else None,
            installation_id=installation_id,
        )
        with _CONFIGS_LOCK:
            _CONFIGS[self] = config

    @property
    def config(self) -> ProviderConfig:
        """The stack configuration given to ``configure()`` (empty when never configured)."""
        with _CONFIGS_LOCK:
            return _CONFIGS.get(self) or ProviderConfig()

    def settings(self, props: dict[str, Any] | None = None) -> ProviderConfig:
        """The settings for a resource: its ``connection`` when it has one, else the stack's.

        A connection that is not known yet (preview) or malformed (``check`` reports it) falls
        back to the stack configuration here.
        """
        value = (props or {}).get(CONNECTION_KEY)
        if value is not None and is_known(value):
            try:
                return config_from_connection(value)
            except ValueError:
                pass
        return self.config

    def default_vcs(self, props: dict[str, Any] | None = None) -> str:
        """The VCS used when a resource does not name one: connection or config, env, ``github``."""
        return self.settings(props).vcs or _env("TERRATEAM_VCS") or "github"

    def default_installation_id(self, props: dict[str, Any] | None = None) -> int | None:
        """The installation used when a resource does not name one: connection or config, env."""
        settings = self.settings(props)
        if settings.installation_id is not None:
            return settings.installation_id
        raw = _env("TERRATEAM_INSTALLATION_ID")
        try:
            return int(raw) if raw else None
        except ValueError:
            return None

    @contextmanager
    def client(self, action: str, props: dict[str, Any] | None = None) -> Iterator[TerrateamClient]:
        """Yield the client for this call; translate core errors into user-facing ones.

        Settings are resolved now (the resource's ``connection``, else the stack config; then
        ``TERRATEAM_*``, then the profile); the client itself is shared per process per
        settings digest (see ``_clients``), never stored on ``self``.

        Args:
            action: what is being done, for error messages ("create API token 'ci'").
            props: the resource's inputs or outputs (for its ``connection``).
        """
        from terrateam_core.errors import TerrateamError

        try:
            yield client_for(self.settings(props))
        except TerrateamError as exc:
            raise TerrateamProviderError(f"cannot {action}: {describe_error(exc)}") from None

    # -- check / diff / read -----------------------------------------------------------

    def validate(self, news: dict[str, Any]) -> tuple[dict[str, Any], list[CheckFailure]]:
        """Normalise known inputs and report invalid ones (subclasses override)."""
        return news, []

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate and normalise the inputs; unknown (preview) values are left alone."""
        connection_failures = []
        news = dict(news)
        value = news.get(CONNECTION_KEY)
        if value is not None and is_known(value):
            try:
                config_from_connection(value)
            except ValueError as exc:
                connection_failures.append(CheckFailure(CONNECTION_KEY, str(exc)))
        elif value is not None:
            # Preview with a connection not known yet (e.g. a key another resource creates):
            # its defaults are unknown too, rather than the stack's or a "required" failure.
            for name in ("vcs", "installation_id"):
                if name in self.INPUTS and news.get(name) is None:
                    news[name] = UNKNOWN  # the singleton: Unknown() is an untyped call
        inputs, failures = self.validate(news)
        return CheckResult(inputs, connection_failures + failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Compare declared inputs against the old *outputs*; list the replacing ones.

        A changed ``connection`` (a rotated key, a new URL for the same server) is an in-place
        update that records the new connection in the state, never a replacement.
        """
        changed = self.changed_inputs(olds, news)
        if self.connection_changed(olds, news):
            changed.append("connection")
        replaces = [k for k in changed if k in self.REPLACE_ON]
        return DiffResult(
            changes=bool(changed),
            replaces=replaces,
            delete_before_replace=self.delete_before_replace(olds, news) if replaces else None,
        )

    def changed_inputs(self, olds: dict[str, Any], news: dict[str, Any]) -> list[str]:
        """Names of declared inputs whose new value differs from the old output."""
        return [
            k
            for k in self.INPUTS
            if k not in self.CREATE_ONLY and not same_value(olds.get(k), news.get(k))
        ]

    @staticmethod
    def connection_changed(olds: dict[str, Any], news: dict[str, Any]) -> bool:
        """Whether the resource's ``connection`` differs from the one in the state."""
        return not same_value(olds.get(CONNECTION_KEY), news.get(CONNECTION_KEY))

    @staticmethod
    def with_connection(olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        """``olds`` with the connection taken from ``news`` (or dropped when it has none)."""
        out = {k: v for k, v in olds.items() if k != CONNECTION_KEY}
        if news.get(CONNECTION_KEY) is not None:
            out[CONNECTION_KEY] = news[CONNECTION_KEY]
        return out

    def delete_before_replace(self, _olds: dict[str, Any], _news: dict[str, Any]) -> bool:
        """Whether a replacement must delete the old object first (default: no)."""
        return False

    def refresh(self, id_: str, props: dict[str, Any]) -> dict[str, Any] | None:
        """Return the live outputs for ``props`` (old outputs), or ``None`` when gone."""
        return props

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh: drop the resource when it is gone, else return live outputs and inputs."""
        outs = self.refresh(id_, props)
        if outs is None:
            return ReadResult(None, {})
        names = (*self.INPUTS, "connection")
        inputs = {k: outs[k] for k in names if k in outs and outs[k] is not None}
        return ReadResult(id_, outs, inputs)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Keep every old output and take the new inputs (never drop outputs)."""
        return UpdateResult(self.outputs({**olds, **news}))

    @staticmethod
    def outputs(values: dict[str, Any]) -> dict[str, Any]:
        """Strip the engine's ``__provider`` (the server re-adds it) and ``None`` values."""
        return {k: v for k, v in values.items() if k != "__provider" and v is not None}


def describe_error(exc: BaseException) -> str:
    """Explain a ``terrateam_core`` error in words a Pulumi user can act on."""
    from terrateam_core import errors

    name = type(exc).__name__
    if isinstance(exc, errors.ConfigurationError):
        return (
            f"{exc}. Set the API key with `pulumi config set --secret terrateam:apiKey <key>` "
            "or the TERRATEAM_API_KEY environment variable"
        )
    if isinstance(exc, errors.AuthenticationError):
        return (
            f"Terrateam rejected the credentials ({name}): check terrateam:apiKey / "
            "TERRATEAM_API_KEY and terrateam:baseUrl"
        )
    if isinstance(exc, errors.PermissionDeniedError):
        return (
            f"permission denied ({name}): the API key lacks a capability this operation needs "
            "or has no access to the installation"
        )
    return f"{exc} ({name})"
