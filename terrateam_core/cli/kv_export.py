"""``terrateam kv export``: every key under a prefix as shell, dotenv or JSON text.

CI loops that read many keys one ``kv get`` at a time pay a process start and a request per key;
``kv export --prefix P`` pages through the keys once (the ``iter`` endpoint, 100 rows a page).

Names (``env``/``dotenv``): the key without the prefix, upper-cased, every character outside
``[A-Za-z0-9_]`` turned into ``_`` (``app/db-host`` under ``app/`` → ``DB_HOST``). A key that gives
no valid name (empty, leading digit) or the same name as another key is an error naming both,
not a silent drop. Values: a JSON string as its text, anything else as compact JSON.
"""

from __future__ import annotations

import enum
import json
import re
import shlex
from collections.abc import Iterable
from typing import Any

__all__ = ["ExportError", "ExportFormat", "env_name", "render", "value_text"]

_NOT_NAME = re.compile(r"[^A-Za-z0-9_]")


class ExportFormat(enum.StrEnum):
    """``--format``: shell ``export`` lines, a ``.env`` file, or one JSON object."""

    env = "env"
    dotenv = "dotenv"
    json = "json"


class ExportError(ValueError):
    """A key that cannot become a variable name (the message names it)."""


def env_name(key: str, prefix: str) -> str:
    """The variable name of *key* under *prefix* (see the module doc)."""
    name = _NOT_NAME.sub("_", key[len(prefix) :]).upper()
    if not name or name[0].isdigit():
        raise ExportError(
            f"key {key!r} gives no valid variable name ({name!r}); rename the key or use "
            "--format json"
        )
    return name


def value_text(value: Any) -> str:
    """A value as variable text: a string as is, anything else as compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _dotenv_quote(text: str) -> str:
    # Single quotes are literal for docker compose and python-dotenv alike; a value they
    # cannot hold (a quote or a line break) goes in double quotes with backslash escapes.
    if "'" not in text and "\n" not in text and "\r" not in text:
        return f"'{text}'"
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n").replace("\r", "\\r") + '"'


def render(items: Iterable[tuple[str, Any]], prefix: str, fmt: ExportFormat) -> str:
    """The text for *items* (key, value) in key order; ``""`` when there are none (env)."""
    pairs = list(items)
    if fmt is ExportFormat.json:
        return json.dumps(dict(pairs), indent=2, ensure_ascii=False) + "\n"
    seen: dict[str, str] = {}
    lines: list[str] = []
    for key, value in pairs:
        name = env_name(key, prefix)
        if name in seen:
            raise ExportError(
                f"keys {seen[name]!r} and {key!r} both give the variable name {name}; "
                "rename one or use --format json"
            )
        seen[name] = key
        text = value_text(value)
        if "\x00" in text:  # no shell variable or .env line can hold a NUL
            raise ExportError(f"the value of {key!r} contains a NUL character; use --format json")
        if fmt is ExportFormat.env:
            lines.append(f"export {name}={shlex.quote(text)}")
        else:
            lines.append(f"{name}={_dotenv_quote(text)}")
    return "".join(line + "\n" for line in lines)
