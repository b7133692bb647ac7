"""The subset of SQL/JSON path used by KV ``select`` in ``intended`` mode (docs/contract.md §4.7).

A path ``p`` is evaluated as ``lax $.p`` and the first match is returned. Supported:
member names (plain or double-quoted), ``.*``, ``[n]``, ``[last]``, ``[*]``. Anything else is
a syntax error (the server's intended answer is 400).
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["JsonPathSyntaxError", "compile_path", "first_match"]

_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_INDEX = re.compile(r"\[\s*(-?\d+|last|\*)\s*\]")

# ("member", name), ("any_member", None), ("index", n or "last"), ("all", None)
Step = tuple[str, Any]


class JsonPathSyntaxError(ValueError):
    """The path does not parse."""


def _member(text: str, pos: int) -> tuple[Step, int]:
    if text.startswith("*", pos):
        return ("any_member", None), pos + 1
    m = _IDENT.match(text, pos)
    if m:
        return ("member", m.group(0)), m.end()
    m = _QUOTED.match(text, pos)
    if m:
        try:
            return ("member", json.loads(m.group(0))), m.end()
        except ValueError as exc:
            raise JsonPathSyntaxError(text) from exc
    raise JsonPathSyntaxError(text)


def compile_path(text: str) -> list[Step]:
    """Parse the part after ``lax $.`` into steps.

    Raises:
        JsonPathSyntaxError: not a path this emulator understands.
    """
    text = text.strip()
    steps: list[Step] = []
    step, pos = _member(text, 0)
    steps.append(step)
    while pos < len(text):
        if text[pos] == ".":
            step, pos = _member(text, pos + 1)
            steps.append(step)
            continue
        m = _INDEX.match(text, pos)
        if not m:
            raise JsonPathSyntaxError(text)
        arg = m.group(1)
        steps.append(("all", None) if arg == "*" else ("index", arg if arg == "last" else int(arg)))
        pos = m.end()
    return steps


def _apply(step: Step, value: Any) -> list[Any]:
    kind, arg = step
    if kind in ("member", "any_member"):
        # lax mode: member access on an array applies to each element
        items = value if isinstance(value, list) else [value]
        out: list[Any] = []
        for item in items:
            if isinstance(item, dict):
                if kind == "any_member":
                    out.extend(item.values())
                elif arg in item:
                    out.append(item[arg])
        return out
    arr = value if isinstance(value, list) else [value]  # lax: scalars wrap to [x]
    if kind == "all":
        return list(arr)
    i = len(arr) - 1 if arg == "last" else arg
    return [arr[i]] if 0 <= i < len(arr) else []


def first_match(steps: list[Step], data: Any) -> tuple[bool, Any]:
    """Return ``(found, value)`` for the first match of the compiled path against ``data``."""
    current = [data]
    for step in steps:
        nxt: list[Any] = []
        for v in current:
            nxt.extend(_apply(step, v))
        current = nxt
        if not current:
            return False, None
    return True, current[0]
