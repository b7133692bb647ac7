"""Capability lists in one canonical, comparable form (strings and objects, sorted, unique).

The server stores capabilities in its own order and prepends a ``{"name": "vcs"}`` entry,
so the provider compares capability *sets* in this canonical form, never raw lists.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["canonical_capabilities", "capability_label", "vcs_capability"]


def _one(cap: Any) -> str | dict[str, str]:
    """Return one capability in wire form or raise ``ValueError`` naming the problem."""
    from terrateam_core.models import parse_capability

    if hasattr(cap, "model_dump"):  # a terrateam_core Capability model
        cap = cap.model_dump(mode="json")
    if isinstance(cap, dict) and isinstance(cap.get("id"), float) and cap["id"].is_integer():
        cap = {**cap, "id": int(cap["id"])}  # numbers come back from the engine as floats
    if not isinstance(cap, str | dict):
        raise ValueError(f"a capability must be a string or an object, got {type(cap).__name__}")
    parsed = parse_capability(cap)  # the core's one parser: names, shorthands, objects
    return parsed if isinstance(parsed, str) else parsed.model_dump(mode="json")


def _sort_key(cap: str | dict[str, str]) -> str:
    return cap if isinstance(cap, str) else json.dumps(cap, sort_keys=True)


def canonical_capabilities(caps: Any) -> list[str | dict[str, str]]:
    """Return ``caps`` validated, de-duplicated and sorted.

    Accepts the wire forms (``"kv_store_read"``, ``{"name": "installation_id", "id": "1"}``,
    ``{"name": "vcs", "vcs": "github"}``) and the shorthands ``"installation_id=1"`` and
    ``"vcs=github"``.

    Raises:
        ValueError: an element is not a capability Terrateam knows.
    """
    if not isinstance(caps, list | tuple):
        raise ValueError("capabilities must be a list")
    unique = {_sort_key(c): c for c in (_one(cap) for cap in caps)}
    return [unique[k] for k in sorted(unique)]


def capability_label(cap: str | dict[str, str]) -> str:
    """Render a capability for messages (``installation_id=12345``)."""
    if isinstance(cap, str):
        return cap
    return f"{cap['name']}={cap.get('id', cap.get('vcs'))}"


def vcs_capability(vcs: str) -> dict[str, str]:
    """The entry the server prepends to every stored capability list."""
    return {"name": "vcs", "vcs": vcs}
