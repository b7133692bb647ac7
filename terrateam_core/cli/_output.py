"""Output rendering for every command but ``kv``: Rich tables, JSON or YAML.

Human tables are the default on a terminal and JSON when stdout is piped, so CI
scripts get machine-readable output without a flag. JSON field names are the wire
names of the core models (stable across releases); secrets inside models are
``SecretStr`` and render masked. Rich and PyYAML are imported only when used.
"""

from __future__ import annotations

import enum
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "Column",
    "OutputFormat",
    "cell",
    "emit",
    "is_identifier_column",
    "kind_cell",
    "resolve_format",
    "set_no_trunc",
    "to_jsonable",
]


class OutputFormat(enum.StrEnum):
    """Values of ``-o/--output``."""

    table = "table"
    json = "json"
    yaml = "yaml"


Column = tuple[str, str]
"""(key in the JSON object, column header); a dotted key reads nested objects."""


OUTPUT_ENV = "TERRATEAM_OUTPUT"


def resolve_format(value: OutputFormat | str | None) -> OutputFormat:
    """Return the explicit format, else ``TERRATEAM_OUTPUT``, else table on a TTY and
    JSON when piped."""
    if value is not None:
        return OutputFormat(value)
    env = os.environ.get(OUTPUT_ENV, "").strip().lower()
    if env:
        try:
            return OutputFormat(env)
        except ValueError:
            from terrateam_core.errors import ConfigurationError

            choices = ", ".join(f.value for f in OutputFormat)
            raise ConfigurationError(
                f"{OUTPUT_ENV}={env!r} is not an output format ({choices})", setting="output"
            ) from None
    return OutputFormat.table if _isatty(sys.stdout) else OutputFormat.json


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def to_jsonable(obj: Any) -> Any:
    """Convert models, dataclasses, enums and containers into plain JSON values."""
    dump = getattr(obj, "model_dump", None)
    if callable(dump):
        # mode="json" turns SecretStr into "**********", datetimes into strings.
        return dump(mode="json", by_alias=True)
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in obj]
    if hasattr(obj, "__dataclass_fields__"):
        import dataclasses

        return {k: to_jsonable(v) for k, v in dataclasses.asdict(obj).items()}
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if type(obj).__name__ == "SecretStr":
        return "**********"
    return str(obj)


def emit(
    data: Any,
    fmt: OutputFormat,
    *,
    columns: Sequence[Column] | None = None,
    title: str | None = None,
    no_color: bool = False,
    formatters: Mapping[str, Callable[[Any], str]] | None = None,
) -> None:
    """Print *data* (a model, a list of models or plain JSON values) in *fmt*.

    *columns* and *formatters* (per JSON key) shape the table only; JSON and YAML
    always carry every field unchanged.
    """
    value = to_jsonable(data)
    if fmt is OutputFormat.json:
        sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
    elif fmt is OutputFormat.yaml:
        import yaml

        sys.stdout.write(yaml.safe_dump(value, sort_keys=False, allow_unicode=True))
    else:
        print_table(value, columns=columns, title=title, no_color=no_color, formatters=formatters)
    sys.stdout.flush()


def cell(value: Any) -> str:
    """Render one value compactly for a table cell."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def kind_cell(value: Any) -> str:
    """Render a work manifest's ``kind``: ``pr #12``, ``drift`` or ``index``."""
    if isinstance(value, Mapping) and "pull_number" in value:
        return f"pr #{value['pull_number']}"
    return cell(value)


def _lookup(row: Mapping[str, Any], key: str) -> Any:
    value: Any = row
    for part in key.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def console(*, no_color: bool = False, stderr: bool = False) -> Any:
    """A Rich console bound to the current stdout/stderr (imported lazily).

    Off a terminal (``-o table`` into a file or a CI log) Rich would assume 80 columns
    and fold every cell; a wide virtual width keeps one row per line instead.
    """
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    return Console(
        file=stream,
        # --no-color / NO_COLOR mean plain text: no colours and no bold or underline either.
        color_system=None if no_color or os.environ.get("NO_COLOR") else "auto",
        highlight=False,
        soft_wrap=False,
        width=None if _isatty(stream) else 240,
    )


# Identifiers are copied and pasted: a UUID or a sha256 broken over two lines no longer
# pastes. Such columns are never wrapped; prose columns give up their width first.
_ID_NAME = re.compile(r"(^|_)(id|sha|sha256|hash|generation|key|uuid)$")
_PROSE_MIN = 5  # a squeezed prose column still shows a few letters, not a lone "…"
_ID_VALUE = re.compile(r"^[0-9a-fA-F-]{16,}$")
_no_trunc = False


def set_no_trunc(value: bool) -> None:
    """``--no-trunc``: prose cells fold onto more lines instead of ending in "…"."""
    global _no_trunc
    _no_trunc = value


def is_identifier_column(key: str, cells: Sequence[str]) -> bool:
    """True for columns of ids, keys and digests (kept whole in tables)."""
    values = [c for c in cells if c and c != "-"]
    if not values or any(" " in c for c in values):
        return False
    leaf = key.rsplit(".", 1)[-1]
    return bool(_ID_NAME.search(leaf)) or all(_ID_VALUE.match(c) for c in values)


def print_table(
    value: Any,
    *,
    columns: Sequence[Column] | None = None,
    title: str | None = None,
    no_color: bool = False,
    formatters: Mapping[str, Callable[[Any], str]] | None = None,
) -> None:
    """Print a list of objects as columns, or one object as key/value rows."""
    from rich.table import Table

    fmts = formatters or {}

    def show(row: Mapping[str, Any], key: str) -> str:
        value = _lookup(row, key)
        return fmts[key](value) if key in fmts else cell(value)

    table = Table(title=title, show_lines=False, header_style="bold")
    if isinstance(value, list):
        rows = [r if isinstance(r, Mapping) else {"value": r} for r in value]
        cols = list(columns) if columns else _default_columns(rows)
        cells = [[show(row, key) for key, _ in cols] for row in rows]
        for i, (key, header) in enumerate(cols):
            column = [line[i] for line in cells]
            if is_identifier_column(key, column):
                width = max([len(header), *(len(c) for c in column)])
                table.add_column(header, no_wrap=True, min_width=width)
            else:
                widest = max([len(header), *(len(c) for c in column)])
                table.add_column(
                    header,
                    overflow="fold" if _no_trunc else "ellipsis",
                    min_width=min(widest, _PROSE_MIN),
                )
        for line in cells:
            table.add_row(*line)
    elif isinstance(value, Mapping):
        table.add_column("field", style="bold")
        table.add_column("value", overflow="fold")
        keys: Iterable[Column] = columns if columns else [(k, k) for k in value]
        for key, header in keys:
            table.add_row(header, show(value, key))
    else:
        console(no_color=no_color).print(cell(value), markup=False)
        return
    console(no_color=no_color).print(table)


def _default_columns(rows: Sequence[Mapping[str, Any]]) -> list[Column]:
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            seen.setdefault(key, None)
    return [(k, k) for k in seen]
