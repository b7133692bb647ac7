"""Identity and API-key models."""

from __future__ import annotations

from pydantic import Field, SecretStr

from terrateam_core.models._base import ResponseModel
from terrateam_core.models.capabilities import Capability

__all__ = ["ApiKey", "CreatedApiKey", "WhoAmI"]


class WhoAmI(ResponseModel):
    """The calling user: id and the VCSes the user has linked."""

    id: str
    vcs: list[str] = Field(default_factory=list)


class ApiKey(ResponseModel):
    """An API key as listed (the key itself is never shown again)."""

    id: str
    name: str
    capabilities: list[Capability] = Field(default_factory=list)


class CreatedApiKey(ResponseModel):
    """A newly created API key; ``refresh_token`` is the key, returned this once.

    ``id`` is ``None`` only if the new key could not be told apart in the listing (same name
    and capabilities created concurrently).
    """

    id: str | None
    name: str
    refresh_token: SecretStr
    capabilities: list[Capability] = Field(default_factory=list)
