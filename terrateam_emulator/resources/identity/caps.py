"""Capabilities (docs/contract.md §2.1): strict decoding, canonical JSON, masking, containment."""

from __future__ import annotations

from typing import Any

__all__ = [
    "DASHBOARD_CAPS",
    "STRING_CAPS",
    "CapabilityError",
    "contains",
    "decode_caps",
    "installation_cap",
    "mask",
    "vcs_cap",
]

# Declaration order of the upstream variant: it decides the stored order after `mask`.
STRING_CAPS = (
    "access_token_create",
    "access_token_refresh",
    "kv_store_read",
    "kv_store_system_read",
    "kv_store_system_write",
    "kv_store_write",
)
_ORDER = {
    "access_token_create": 0,
    "access_token_refresh": 1,
    "installation_id": 2,
    "kv_store_read": 3,
    "kv_store_system_read": 4,
    "kv_store_system_write": 5,
    "kv_store_write": 6,
    "vcs": 7,
}

# The fixed set of a dashboard (cookie) session, and of a dashboard-created key.
DASHBOARD_CAPS: tuple[str, ...] = ("access_token_create", "kv_store_read", "kv_store_write")

Cap = str | dict[str, str]


class CapabilityError(ValueError):
    """A value that is not a capability list (the server answers 400)."""


def installation_cap(installation_id: int | str) -> dict[str, str]:
    """Return the canonical ``installation_id`` capability object."""
    return {"id": str(installation_id), "name": "installation_id"}


def vcs_cap(vcs: str) -> dict[str, str]:
    """Return the canonical ``vcs`` capability object."""
    return {"name": "vcs", "vcs": vcs}


def _decode_one(value: Any) -> Cap:
    if isinstance(value, str):
        if value in STRING_CAPS:
            return value
        raise CapabilityError("unknown capability")
    if isinstance(value, dict):
        keys = set(value)
        # Object forms are strict: both keys, no extras, string values.
        if keys == {"id", "name"} and value["name"] == "installation_id":
            if isinstance(value["id"], str):
                return installation_cap(value["id"])
        elif keys == {"name", "vcs"} and value["name"] == "vcs" and isinstance(value["vcs"], str):
            return vcs_cap(value["vcs"])
    raise CapabilityError("malformed capability")


def decode_caps(value: Any) -> list[Cap]:
    """Decode a JSON capability array into canonical form, in the given order.

    Raises:
        CapabilityError: the value is not an array of valid capabilities.
    """
    if not isinstance(value, list):
        raise CapabilityError("capabilities must be an array")
    return [_decode_one(v) for v in value]


def _sort_key(cap: Cap) -> tuple[int, str]:
    if isinstance(cap, str):
        return (_ORDER[cap], "")
    if cap["name"] == "installation_id":
        return (_ORDER["installation_id"], cap["id"])
    return (_ORDER["vcs"], cap["vcs"])


def _hashable(cap: Cap) -> tuple[str, ...]:
    return (cap,) if isinstance(cap, str) else tuple(sorted(cap.items()))  # type: ignore[arg-type]


def mask(requested: list[Cap], held: list[Cap], vcs: str) -> list[Cap]:
    """Return what token creation stores: ``vcs`` first, then requested ∩ held, sorted, unique.

    Capabilities the caller lacks are dropped silently (docs/contract.md §3.1).
    """
    held_set = {_hashable(c) for c in held}
    kept: dict[tuple[str, ...], Cap] = {}
    for cap in requested:
        h = _hashable(cap)
        if h in held_set:
            kept[h] = cap
    return [vcs_cap(vcs), *sorted(kept.values(), key=_sort_key)]


def contains(held: list[Any], required: list[Any] | None) -> bool:
    """jsonb ``held @> required`` for capability arrays: ``None`` (SQL NULL) is always satisfied."""
    if required is None:
        return True
    held_set = {_hashable(c) for c in held if isinstance(c, str | dict)}
    return all(isinstance(c, str | dict) and _hashable(c) in held_set for c in required)
