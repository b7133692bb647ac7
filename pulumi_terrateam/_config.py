"""``ProviderConfig``: the settings one provider call or function uses (no Pulumi, no client).

Its own module so the provider base (``_provider``), the client cache (``_clients``) and
connections (``connection``) can all import it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ProviderConfig"]


@dataclass(frozen=True)
class ProviderConfig:
    """Settings from the stack configuration (``terrateam:*``); ``None`` means "not set"."""

    api_key: str | None = None
    base_url: str | None = None
    vcs: str | None = None
    installation_id: int | None = None
    #: True when built from a resource's ``connection`` (not the stack configuration).
    explicit: bool = False

    def __repr__(self) -> str:
        key = "'***'" if self.api_key else "None"
        return (
            f"ProviderConfig(api_key={key}, base_url={self.base_url!r}, vcs={self.vcs!r}, "
            f"installation_id={self.installation_id!r}, explicit={self.explicit!r})"
        )
