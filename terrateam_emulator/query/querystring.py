"""Query strings the way the real server reads them (ocaml-uri + Brtl route matching, §0.3).

* split on ``&``; each item at its first ``=``; a bare ``k`` has no values;
* ``+`` becomes a space and values are split on **literal** commas *before* percent-decoding,
  so ``%2C`` is a comma inside one value;
* repeated parameters concatenate into one value list; scalars use the first value;
* integers follow OCaml ``int_of_string`` (``-5``, ``0x1F``, ``0o17``, ``0b101``, ``1_000``);
* booleans are exactly ``true`` or ``false``.

A value that does not parse is a route mismatch: the caller answers 404 ``text/html``.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

__all__ = [
    "QueryItems",
    "bool_param",
    "int_param",
    "ocaml_int",
    "parse_query",
    "scalar",
    "values",
]

QueryItems = list[tuple[str, list[str]]]

_INT_RE = re.compile(r"^([+-]?)(0[xXoObBuU])?([0-9A-Fa-f][0-9A-Fa-f_]*)$")
_BASES = {"x": 16, "o": 8, "b": 2, "u": 10}


def parse_query(raw: str) -> QueryItems:
    """Parse a raw (still percent-encoded) query string into ordered ``(key, values)`` items."""
    items: QueryItems = []
    if not raw:
        return items
    for part in raw.split("&"):
        if part == "":
            continue
        if "=" in part:
            key, value = part.split("=", 1)
            vals = [unquote(v.replace("+", " ")) for v in value.split(",")]
        else:
            key, vals = part, []
        items.append((unquote(key.replace("+", " ")), vals))
    return items


def values(items: QueryItems, key: str) -> list[str] | None:
    """All values of ``key`` (repeats concatenated), or ``None`` when the key is absent."""
    found: list[str] | None = None
    for k, vals in items:
        if k == key:
            found = (found or []) + vals
    return found


def scalar(items: QueryItems, key: str) -> tuple[bool, str | None]:
    """``(ok, value)`` of a scalar parameter: absent → ``(True, None)``; bare ``?k`` → not ok."""
    vals = values(items, key)
    if vals is None:
        return True, None
    if not vals:
        return False, None
    return True, vals[0]


def ocaml_int(text: str, bits: int = 63) -> int | None:
    """OCaml ``int_of_string`` for a ``bits``-wide signed int; ``None`` when it fails.

    Decimal literals must fit the signed range; hex/octal/binary may use the full unsigned range
    and wrap to negative, as OCaml does.
    """
    m = _INT_RE.match(text)
    if m is None:
        return None
    sign, prefix, digits = m.groups()
    base = _BASES[prefix[1].lower()] if prefix else 10
    try:
        value = int(digits.replace("_", ""), base)
    except ValueError:
        return None
    limit = 1 << (bits - 1)
    if base == 10 or (prefix and prefix[1] in "uU"):
        if sign == "-":
            value = -value
        if not -limit <= value < limit:
            return None
        return value
    if value >= (1 << bits):
        return None
    if value >= limit:
        value -= 1 << bits
    return -value if sign == "-" else value


def int_param(items: QueryItems, key: str, default: int) -> tuple[bool, int]:
    """``(ok, value)`` of an integer scalar parameter (OCaml syntax)."""
    ok, raw = scalar(items, key)
    if not ok:
        return False, default
    if raw is None:
        return True, default
    parsed = ocaml_int(raw)
    if parsed is None:
        return False, default
    return True, parsed


def bool_param(items: QueryItems, key: str, default: bool) -> tuple[bool, bool]:
    """``(ok, value)`` of a boolean scalar parameter: only ``true``/``false`` parse."""
    ok, raw = scalar(items, key)
    if not ok:
        return False, default
    if raw is None:
        return True, default
    if raw == "true":
        return True, True
    if raw == "false":
        return True, False
    return False, default
