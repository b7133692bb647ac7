"""Input checking shared by the providers: unknowns, JSON normalisation, field checks.

Checks skip preview-time unknowns (``pulumi.output.Unknown``) and report problems as
``CheckFailure``s naming the field, never by raising.
"""

from __future__ import annotations

import json
from typing import Any

from pulumi.dynamic import CheckFailure
from pulumi.output import Unknown

__all__ = [
    "check_bool",
    "check_int",
    "check_string",
    "check_vcs",
    "is_known",
    "normalize_json",
    "same_value",
]


def is_known(value: Any) -> bool:
    """Return False for preview-time unknowns (``pulumi.output.Unknown``), also nested."""
    if isinstance(value, Unknown):
        return False
    if isinstance(value, dict):
        return all(is_known(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(is_known(v) for v in value)
    return True


def normalize_json(value: Any) -> Any:
    """Return ``value`` with integral floats turned into ints (the wire turns 7 into 7.0)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: normalize_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalize_json(v) for v in value]
    return value


def same_value(a: Any, b: Any) -> bool:
    """Compare two JSON-shaped values the way a diff should (7 == 7.0, key order ignored)."""
    if not (is_known(a) and is_known(b)):
        return False
    return json.dumps(normalize_json(a), sort_keys=True, default=str) == json.dumps(
        normalize_json(b), sort_keys=True, default=str
    )


def check_string(
    news: dict[str, Any], name: str, failures: list[CheckFailure], *, required: bool = True
) -> None:
    """Append a failure when ``news[name]`` is known and not a non-empty string."""
    value = news.get(name)
    if value is None:
        if required:
            failures.append(CheckFailure(name, f"{name} is required"))
        return
    if is_known(value) and (not isinstance(value, str) or not value):
        failures.append(CheckFailure(name, f"{name} must be a non-empty string"))


def check_vcs(news: dict[str, Any], failures: list[CheckFailure], default: str) -> None:
    """Fill ``vcs`` from the default and reject values other than github/gitlab."""
    vcs = news.get("vcs")
    if vcs is None:
        news["vcs"] = default
    elif is_known(vcs) and vcs not in ("github", "gitlab"):
        failures.append(CheckFailure("vcs", f"vcs must be 'github' or 'gitlab', got {vcs!r}"))


def check_int(
    news: dict[str, Any],
    name: str,
    failures: list[CheckFailure],
    *,
    default: int | None = None,
    hint: str = "",
) -> None:
    """Coerce ``news[name]`` to an int (wire floats, decimal strings) or report it."""
    value = news.get(name, default)
    if value is None:
        failures.append(CheckFailure(name, f"{name} is required{hint}"))
        return
    if not is_known(value):
        return
    try:
        if isinstance(value, bool):
            raise ValueError(name)
        number = int(value) if isinstance(value, str) else normalize_json(value)
        if not isinstance(number, int):
            raise ValueError(name)
    except ValueError:
        failures.append(CheckFailure(name, f"{name} must be an integer, got {value!r}"))
        return
    news[name] = number


def check_bool(
    news: dict[str, Any], name: str, failures: list[CheckFailure], *, default: bool
) -> None:
    """Fill a boolean input with its default and reject non-booleans."""
    value = news.get(name)
    if value is None:
        news[name] = default
    elif is_known(value) and not isinstance(value, bool):
        failures.append(CheckFailure(name, f"{name} must be true or false, got {value!r}"))
