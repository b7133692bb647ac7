"""Capabilities: the string form (``"kv_store_read"``) and the object forms.

Object forms serialise with the server's key order: ``{"id": "12345", "name": "installation_id"}``
and ``{"name": "vcs", "vcs": "github"}``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Tag, TypeAdapter

from terrateam_core.errors import InvalidArgumentError
from terrateam_core.models._base import ResponseModel

__all__ = [
    "KNOWN_CAPABILITIES",
    "Capability",
    "InstallationIdCapability",
    "VcsCapability",
    "capabilities_to_json",
    "parse_capability",
]

KNOWN_CAPABILITIES = (
    "access_token_create",
    "access_token_refresh",
    "kv_store_read",
    "kv_store_write",
    "kv_store_system_read",
    "kv_store_system_write",
)


class InstallationIdCapability(ResponseModel):
    """Grants access to one installation (a grant, not a restriction, on the real server)."""

    id: str
    name: Literal["installation_id"] = "installation_id"


class VcsCapability(ResponseModel):
    """Names the VCS a key was created for (never enforced by the server)."""

    name: Literal["vcs"] = "vcs"
    vcs: str


def _discriminate(value: Any) -> str:
    if isinstance(value, str):
        return "str"
    name = value.get("name") if isinstance(value, dict) else getattr(value, "name", None)
    return "vcs" if name == "vcs" else "installation_id"


Capability = Annotated[
    Annotated[str, Tag("str")]
    | Annotated[InstallationIdCapability, Tag("installation_id")]
    | Annotated[VcsCapability, Tag("vcs")],
    Discriminator(_discriminate),
]
"""One capability: a known string, or an installation-id / vcs object."""

_CAPS = TypeAdapter(list[Capability])
_CAP = TypeAdapter(Capability)


def _bad(message: str) -> InvalidArgumentError:
    return InvalidArgumentError(message, argument="capabilities")


def parse_capability(value: str | dict[str, Any] | Capability) -> Capability:
    """Parse a capability given as ``"kv_store_read"``, ``"installation_id=12345"``,
    ``"vcs=github"``, a JSON object string, or a dict. Unknown names raise ``ValueError``."""
    if isinstance(value, InstallationIdCapability | VcsCapability):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{"):
            try:
                value = json.loads(text)
            except ValueError:
                raise _bad(f"invalid capability JSON: {text!r}") from None
        elif "=" in text:
            name, _, arg = text.partition("=")
            name, arg = name.strip(), arg.strip()
            if name == "installation_id":
                if not arg.isdigit():
                    raise _bad(f"installation_id capability needs an integer id, got {arg!r}")
                return InstallationIdCapability(id=str(int(arg)))
            if name == "vcs":
                if arg not in ("github", "gitlab"):
                    raise _bad(f"vcs capability must be github or gitlab, got {arg!r}")
                return VcsCapability(vcs=arg)
            raise _bad(f"unknown capability {name!r}")
        else:
            if text not in KNOWN_CAPABILITIES:
                raise _bad(
                    f"unknown capability {text!r}; known: {', '.join(KNOWN_CAPABILITIES)}, "
                    "installation_id=<id>, vcs=<github|gitlab>"
                )
            return text
    if isinstance(value, dict):
        # Same rules as the ``name=arg`` shorthands above, so both spellings agree.
        if set(value) == {"name", "id"} and value["name"] == "installation_id":
            return parse_capability(f"installation_id={value['id']}")
        if set(value) == {"name", "vcs"} and value["name"] == "vcs":
            return parse_capability(f"vcs={value['vcs']}")
        raise _bad(f"unknown capability object: {value!r}")
    raise TypeError(f"cannot parse a capability from {type(value).__name__}")


def capabilities_to_json(caps: list[Capability]) -> list[Any]:
    """Serialise capabilities to the server's JSON encoding."""
    return list(_CAPS.dump_python(caps, mode="json"))
