"""``Connection``: which Terrateam account a resource or function talks to.

A dynamic provider has no per-instance ``Provider`` resource (the engine sees one default
``pulumi-python`` provider), so the toolkit carries the connection as an ordinary input named
``connection`` instead: ``{base_url, api_key, vcs, installation_id}``. The API key travels as a
secret input, and the resource marks the ``connection`` output secret, so the key is encrypted
in the state; the pickled provider (``__provider``) never sees it. ``refresh`` and ``destroy``
(which do not run the program) use the connection stored in the state, as the engine does with
an explicit provider's configuration.

Like an explicit Pulumi provider, a connection does not read the stack's ``terrateam:*``
configuration: what it leaves unset comes from the ``TERRATEAM_*`` environment, the profile file
and the defaults (``https://app.terrateam.io``, ``github``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pulumi

from pulumi_terrateam._config import ProviderConfig

__all__ = ["CONNECTION_KEY", "Connection", "config_from_connection"]

#: The resource input (and output) that carries a connection.
CONNECTION_KEY = "connection"
_FIELDS = ("base_url", "api_key", "vcs", "installation_id")


@dataclass(frozen=True)
class Connection:
    """A Terrateam account/server for the resources and functions given it (``connection=``).

    Several connections may be used in one program (two accounts, two installations); each
    overrides the stack configuration for the resources that use it.

    Attributes:
        base_url: the server, e.g. ``https://app.terrateam.io``.
        api_key: the API key; made a secret input (pass ``config.require_secret(...)``).
        vcs: ``github`` or ``gitlab``: the default for resources that do not name one.
        installation_id: the default installation for resources that do not name one.

    Example::

        prod = Connection(base_url="https://app.terrateam.io",
                          api_key=cfg.require_secret("prodKey"), installation_id=12345)
        KvEntry("flag", key="flags/x", value=True, connection=prod)
    """

    base_url: pulumi.Input[str] | None = None
    api_key: pulumi.Input[str] | None = None
    vcs: pulumi.Input[str] | None = None
    installation_id: pulumi.Input[int] | None = None

    def __repr__(self) -> str:
        key = "'***'" if self.api_key is not None else "None"
        return (
            f"Connection(base_url={self.base_url!r}, api_key={key}, vcs={self.vcs!r}, "
            f"installation_id={self.installation_id!r})"
        )

    def as_input(self) -> dict[str, Any]:
        """The ``connection`` input value: set fields only, the API key as a secret."""
        value: dict[str, Any] = {}
        for name in _FIELDS:
            field = getattr(self, name)
            if field is None:
                continue
            value[name] = pulumi.Output.secret(field) if name == "api_key" else field
        return value

    def resolve(self) -> pulumi.Output[ProviderConfig]:
        """The connection as a :class:`ProviderConfig` Output (secret when the key is set)."""
        values = [getattr(self, name) for name in _FIELDS]
        return pulumi.Output.all(*values).apply(
            lambda v: config_from_connection(dict(zip(_FIELDS, v, strict=True)))
        )


def config_from_connection(value: Any) -> ProviderConfig:
    """Build the provider settings from a ``connection`` input as the provider receives it.

    Raises:
        ValueError: a field has the wrong type (the message names it).
    """
    if not isinstance(value, dict):
        raise ValueError(f"connection must be an object, got {type(value).__name__}")
    unknown = sorted(set(value) - set(_FIELDS))
    if unknown:
        raise ValueError(f"connection has unknown field(s) {', '.join(unknown)}")
    strings = {}
    for name in ("base_url", "api_key", "vcs"):
        raw = value.get(name)
        if raw is not None and not isinstance(raw, str):
            raise ValueError(f"connection.{name} must be a string")
        strings[name] = raw or None
    if strings["vcs"] not in (None, "github", "gitlab"):
        raise ValueError(f"connection.vcs must be github or gitlab, got {strings['vcs']!r}")
    installation = value.get("installation_id")
    if isinstance(installation, float) and math.isfinite(installation):
        installation = int(installation)  # the engine sends numbers as floats
    if isinstance(installation, str) and installation.isdigit():
        installation = int(installation)
    if installation is not None and (
        isinstance(installation, bool) or not isinstance(installation, int)
    ):
        raise ValueError("connection.installation_id must be an integer")
    return ProviderConfig(
        api_key=strings["api_key"],
        base_url=strings["base_url"],
        vcs=strings["vcs"],
        installation_id=installation,
        explicit=True,
    )
