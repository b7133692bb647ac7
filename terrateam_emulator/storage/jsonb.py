"""Reproduce PostgreSQL jsonb storage of KV data in Python (docs/contract.md §4.8, §4.10).

`canonicalise(body_bytes_value)` returns two texts: PostgreSQL's ``data::text`` rendering
(keys sorted by byte length then bytes, ``": "``/``", "`` separators, numbers as ``numeric``
prints them) whose character count is `size`, and the compact form the server answers with
after its Yojson round trip (floats printed minimally). Both backends therefore agree.
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic_core import from_json

__all__ = [
    "JsonbError",
    "Num",
    "canonicalise",
    "canonicalise_for_store",
    "loads_lossless",
    "normalise",
    "pg_from_compact",
    "render_pg",
    "to_compact",
    "to_plain",
]

# PostgreSQL numeric limits: 131072 digits before the point, 16383 after.
_MAX_INT_DIGITS = 131072
_MAX_SCALE = 16383


class JsonbError(ValueError):
    """A value PostgreSQL would reject (\\u0000, NaN, lone surrogates...): the server gives 500."""


class Num(str):
    """A JSON number kept as its exact source text."""

    __slots__ = ()


def _reject_constant(name: str) -> Any:
    # Yojson accepts NaN/Infinity; jsonb does not.
    raise JsonbError(f"{name} is not valid jsonb")


def loads_lossless(text: str | bytes) -> Any:
    """Parse JSON keeping numbers as `Num` text; duplicate object keys: last wins.

    Raises:
        ValueError: not JSON (`json.JSONDecodeError`).
    """
    value = _loads_integral(text)
    if value is not _SLOW:
        return value
    return json.loads(text, parse_int=Num, parse_float=Num, parse_constant=_pass_constant)


_SLOW = object()


class _Fraction(Exception):
    """A float in pydantic-core's tree: its source text is lost, so ``json`` parses again."""


def _loads_integral(text: str | bytes) -> Any:
    """pydantic-core's parser (megabyte strings ~8x faster than ``json``) when every number is
    an integer, whose text ``str(int)`` gives back (``-0`` becomes ``0``: the same numeric);
    `_SLOW` for a fraction, NaN/Infinity, or anything it refuses (lone surrogates, depth...),
    so `json` decides those and what is JSON stays exactly what it was."""
    try:
        return _integral_nums(from_json(text))
    except (ValueError, _Fraction):
        return _SLOW


def _integral_nums(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return Num(value)
    if isinstance(value, float):
        raise _Fraction
    if isinstance(value, list):
        for i, v in enumerate(value):
            value[i] = _integral_nums(v)
        return value
    for k, v in value.items():
        value[k] = _integral_nums(v)
    return value


def _pass_constant(name: str) -> Any:
    return _Constant(name)


class _Constant(str):
    __slots__ = ()


def _pg_numeric(text: str) -> str:
    try:
        d = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the JSON parser already checked
        raise JsonbError("bad number") from exc
    _sign, digits, exponent = d.as_tuple()
    assert isinstance(exponent, int)
    scale = max(0, -exponent)
    int_digits = len(digits) + exponent
    if scale > _MAX_SCALE or int_digits > _MAX_INT_DIGITS:
        raise JsonbError("numeric field overflow")
    out = format(d, "f")
    if d == 0 and out.startswith("-"):
        out = out[1:]  # numeric has no negative zero
    return out


def _check_string(s: str) -> None:
    if "\x00" in s:
        raise JsonbError("unsupported Unicode escape sequence")
    if s.isascii():  # O(1) in CPython: no lone surrogate, no need to copy megabytes to check
        return
    try:
        s.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogate escapes
        raise JsonbError("invalid Unicode") from exc


_PG_ESCAPE = re.compile(r'["\\\x00-\x1f]')
_PG_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}


def _pg_escape(match: re.Match[str]) -> str:
    ch = match.group()
    return _PG_ESCAPES.get(ch) or f"\\u{ord(ch):04x}"


def _pg_string(s: str, plain: bool = False) -> str:
    # A regex pass, not a per-character loop: artifact chunks are megabytes of base64. A
    # ``plain`` string (see `canonicalise`) has nothing to escape, so it is not even scanned.
    if plain:
        return '"' + s + '"'
    return '"' + _PG_ESCAPE.sub(_pg_escape, s) + '"'


def _key_order(k: str) -> tuple[int, bytes]:
    b = k.encode("utf-8")
    return (len(b), b)


def normalise(value: Any) -> Any:
    """Return the value as jsonb stores it: checked strings, numeric-canonical `Num`s, sorted keys.

    Raises:
        JsonbError: something PostgreSQL would reject.
    """
    if isinstance(value, _Constant):
        _reject_constant(str(value))
    if isinstance(value, Num):
        return Num(_pg_numeric(value))
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            _reject_constant(repr(value))
        return Num(_pg_numeric(repr(value)))
    if isinstance(value, str):
        _check_string(value)
        return value
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, dict):
        for k in value:
            _check_string(k)
        return {k: normalise(value[k]) for k in sorted(value, key=_key_order)}
    raise JsonbError(f"not a JSON value: {type(value).__name__}")


def render_pg(value: Any, plain: bool = False) -> str:
    """Render a `normalise`d value exactly as PostgreSQL's ``jsonb::text`` (``plain``: see
    `canonicalise`)."""
    out: list[str] = []
    _pg_parts(value, plain, out)
    return "".join(out)


def _pg_parts(value: Any, plain: bool, out: list[str]) -> None:
    # Pieces joined once by the caller: a megabyte string is copied once, not per nesting level.
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, Num):
        out.append(str(value))
    elif isinstance(value, str):
        out += ('"', value, '"') if plain else (_pg_string(value),)
    elif isinstance(value, list):
        out.append("[")
        for i, v in enumerate(value):
            if i:
                out.append(", ")
            _pg_parts(v, plain, out)
        out.append("]")
    else:
        out.append("{")
        for i, (k, v) in enumerate(value.items()):
            if i:
                out.append(", ")
            out += (_pg_string(k, plain), ": ")
            _pg_parts(v, plain, out)
        out.append("}")


def _yojson_number(text: str) -> str:
    # Yojson reads integer literals as ints (or verbatim Intlit) and the rest as floats,
    # printed with the fewest digits that round-trip.
    if "." not in text and "e" not in text and "E" not in text:
        return text
    f = float(text)
    if math.isinf(f):
        return "Infinity" if f > 0 else "-Infinity"
    return repr(f)


def to_compact(value: Any, plain: bool = False) -> str:
    """Render a `normalise`d value as the compact JSON the server answers with (``plain``: see
    `canonicalise`)."""
    out: list[str] = []
    _compact_parts(value, plain, out)
    return "".join(out)


def _compact_parts(value: Any, plain: bool, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, Num):
        out.append(_yojson_number(value))
    elif isinstance(value, str):
        out += ('"', value, '"') if plain else (json.dumps(value, ensure_ascii=False),)
    elif isinstance(value, list):
        out.append("[")
        for i, v in enumerate(value):
            if i:
                out.append(",")
            _compact_parts(v, plain, out)
        out.append("]")
    else:
        out.append("{")
        for i, (k, v) in enumerate(value.items()):
            if i:
                out.append(",")
            _compact_parts(k, plain, out)
            out.append(":")
            _compact_parts(v, plain, out)
        out.append("}")


def canonicalise(value: Any, *, plain_strings: bool = False) -> tuple[str, str, int]:
    """Return ``(pg_text, compact_json, size)`` for a parsed value (from `loads_lossless`).

    ``plain_strings``: the caller knows that no string in ``value`` holds a character JSON
    escapes (``"``, ``\\``, U+0000-U+001F), e.g. because it was parsed from a JSON text without
    a single backslash (raw control characters are not JSON). Strings are then copied as they
    are instead of scanned: for megabyte base64 strings that is most of the work.

    Raises:
        JsonbError: PostgreSQL would reject the value (the server answers 500).
    """
    norm = normalise(value)
    pg = render_pg(norm, plain_strings)
    return pg, to_compact(norm, plain_strings), len(pg)


def canonicalise_for_store(value: Any, *, plain_strings: bool = False) -> tuple[str, str, int]:
    """`canonicalise`, but the pg text is ``""`` when `pg_from_compact` says the compact text
    rebuilds it; then it is never even joined (an artifact chunk is rendered once, compact)."""
    norm = normalise(value)
    parts: list[str] = []
    _pg_parts(norm, plain_strings, parts)
    size = sum(map(len, parts))
    pg = "".join(parts) if any("." in p for p in parts) else ""
    return pg, to_compact(norm, plain_strings), size


def pg_from_compact(pg: str) -> bool:
    """Whether ``pg`` (a `canonicalise` pg text) can be rebuilt from its compact form.

    True when it holds no ``.``: then it has no fractional number, the only thing the compact
    form renders differently (Yojson's shortest float), so parsing the compact text gives the
    same tree. Stores use it to keep one copy of megabyte values instead of two.
    """
    return "." not in pg


def to_plain(value: Any) -> Any:
    """Turn a `loads_lossless` tree into ordinary Python values (numbers → int or float)."""
    if isinstance(value, _Constant):
        return float(value)
    if isinstance(value, Num):
        text = str(value)
        if "." in text or "e" in text or "E" in text:
            return float(text)
        return int(text)
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    return value
