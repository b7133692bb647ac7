"""Help text in words, not Python types.

Newer Typer versions label an option without a metavar with its annotation (``<str>``,
``<list[str]>``). Users read gh-style help: ``--idx N``, ``--file PATH``,
``--read-cap READ_CAP``, ``--output table|json|yaml``. Commands that set a metavar keep it;
every other value option gets one derived here, when its command is looked up.

Click cuts a command's one-line summary with "…" at the terminal's width; a summary is
a full clause instead (the docstring's first clause), so ``--help`` never shows half a
sentence.
"""

from __future__ import annotations

import enum
import pathlib
from typing import Any

__all__ = ["SUMMARY_MAX", "summary", "word_metavars"]

SUMMARY_MAX = 60  # fits beside the longest command name on an 80-column terminal
_CLAUSE_ENDS = ("; ", ": ", " — ")


def summary(text: str) -> str:
    """The first sentence of *text*, up to its first top-level ``;``/``:`` clause end.

    Docstrings are written so that this is short (a test walks every command); nothing
    is cut mid-word or mid-bracket here.
    """
    first = " ".join(text.strip().split("\n\n", 1)[0].split())
    first = first.split(". ", 1)[0].rstrip(".")
    depth = 0
    for i, ch in enumerate(first):
        depth += ch in "([{`" and ch != "`"
        depth -= ch in ")]}"
        if depth == 0 and any(first.startswith(end, i) for end in _CLAUSE_ENDS):
            return first[:i]
    return first


def _metavar(param: Any) -> str | None:
    kind = getattr(param, "type", None)
    descriptor = getattr(param, "type_descriptor", None)  # Typer >= 0.2x keeps choices here
    choices = getattr(kind, "choices", None) or (
        getattr(descriptor, "choices", None) if getattr(descriptor, "is_choice", False) else None
    )
    if choices:
        return "|".join(str(c.value if isinstance(c, enum.Enum) else c) for c in choices)
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    if annotation is int or getattr(kind, "name", "") in ("integer", "int"):
        return "N"
    if annotation in (pathlib.Path,) or getattr(kind, "name", "") in ("path", "file"):
        return "PATH"
    longest = max(param.opts, key=len).lstrip("-")
    return longest.replace("-", "_").upper() or None


def _add_examples(command: Any, path: tuple[str, ...]) -> None:
    from terrateam_core.cli._examples import EXAMPLES

    lines = EXAMPLES.get(path)
    help_text = getattr(command, "help", None) or ""
    if not lines or "Example" in help_text or getattr(command, "epilog", None):
        return
    # After the options, as gh does; "\b" keeps click from re-wrapping the lines.
    block = "\n".join(f"  $ {line}" for line in lines)
    command.epilog = f"Examples:\n\n\b\n{block}"


def word_metavars(command: Any, path: tuple[str, ...] = ()) -> Any:
    """Give every value option of *command* (and its subcommands) a metavar in words, a
    whole one-line summary and the examples of ``_examples.EXAMPLES`` (*path* is the
    command's name under the root, e.g. ``("kv", "get")``)."""
    for param in getattr(command, "params", ()):
        if param.param_type_name != "option" or param.metavar is not None:
            continue
        if getattr(param, "is_flag", False) or getattr(param, "count", False):
            continue
        param.metavar = _metavar(param)
    text = getattr(command, "help", None)
    if text and getattr(command, "short_help", None) is None:
        command.short_help = summary(text)
    _add_examples(command, path)
    for name, sub in (getattr(command, "commands", None) or {}).items():
        word_metavars(sub, (*path, name))
    return command
