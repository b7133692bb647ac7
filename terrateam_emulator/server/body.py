"""Typed field access on decoded JSON bodies with upstream's decoder rules (docs/contract.md §0.2).

Unknown fields are ignored, ``null`` is "absent" for optional fields, ``int`` fields need a
JSON integer in OCaml's 63-bit range and ``bool`` fields a JSON boolean. Every violation is a
route mismatch (404), never a 400.
"""

from __future__ import annotations

from typing import Any

from terrateam_emulator.server.http import RouteMismatch

__all__ = ["MISSING", "field_bool", "field_int", "field_str", "require_object"]

MISSING: Any = object()
_MAX_INT = 2**62 - 1


def require_object(value: Any) -> dict[str, Any]:
    """Return the body if it is a JSON object, else `RouteMismatch`."""
    if not isinstance(value, dict):
        raise RouteMismatch
    return value


def _get(obj: dict[str, Any], name: str, *, required: bool) -> Any:
    value = obj.get(name, MISSING)
    if value is MISSING or (value is None and not required):
        if required:
            raise RouteMismatch
        return MISSING
    return value


def field_int(obj: dict[str, Any], name: str, *, required: bool = False) -> Any:
    """Return an int field (or `MISSING`)."""
    value = _get(obj, name, required=required)
    if value is MISSING:
        return value
    if type(value) is not int or not -_MAX_INT - 1 <= value <= _MAX_INT:
        raise RouteMismatch
    return value


def field_bool(obj: dict[str, Any], name: str, *, required: bool = False) -> Any:
    """Return a bool field (or `MISSING`)."""
    value = _get(obj, name, required=required)
    if value is not MISSING and not isinstance(value, bool):
        raise RouteMismatch
    return value


def field_str(obj: dict[str, Any], name: str, *, required: bool = False) -> Any:
    """Return a string field (or `MISSING`)."""
    value = _get(obj, name, required=required)
    if value is not MISSING and not isinstance(value, str):
        raise RouteMismatch
    return value
