"""docs/cli.md stays true: its YAML snippets parse and every `terrateam …` line it shows
names a real command and real options."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from terrateam_core.cli._app import build_app

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def _doc() -> str:
    if not DOC.exists():
        pytest.skip(f"{DOC} not found")
    return DOC.read_text()


def _command_lines(text: str) -> list[str]:
    lines = []
    for raw in text.splitlines():
        for match in re.finditer(r"(?:^|[\s`($:|-])(terrateam (?:[^`|>\n\\]|\\\n)+)", raw):
            lines.append(match.group(1).strip())
    return lines


def _resolve(argv: list[str]) -> tuple[Any, set[str]]:
    """Walk the click tree; return the leaf command and every option name seen on the way."""
    command: Any = typer.main.get_command(build_app())
    options: set[str] = set()
    args = iter(argv)
    for arg in args:
        options |= {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
        if arg.startswith("-"):
            continue
        sub = getattr(command, "commands", {}).get(arg)
        if sub is None:
            break
        command = sub
    options |= {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
    return command, options


def test_yaml_snippets_parse() -> None:
    """Every ```yaml block in docs/cli.md is valid YAML."""
    blocks = re.findall(r"```yaml\n(.*?)```", _doc(), flags=re.S)
    assert len(blocks) >= 2
    for block in blocks:
        assert yaml.safe_load(block)


EXAMPLES_CI = sorted((DOC.parents[1] / "examples" / "ci").glob("*.yml"))


@pytest.mark.parametrize("path", EXAMPLES_CI, ids=lambda p: p.name)
def test_ci_examples_parse_and_their_commands_exist(path: Path) -> None:
    """examples/ci/*.yml are valid YAML whose `terrateam …` lines resolve, options included."""
    text = path.read_text()
    assert yaml.safe_load(text)["jobs"]
    lines = _command_lines(text)
    assert lines
    _check_commands(lines)


def test_documented_commands_exist() -> None:
    """Each documented invocation resolves to a command and uses only its options."""
    lines = _command_lines(_doc())
    assert len(lines) >= 10
    _check_commands(lines)


def _check_commands(lines: list[str]) -> None:
    for line in lines:
        try:
            argv = shlex.split(line.replace("…", "X"))[1:]
        except ValueError:
            continue
        words = [a for a in argv if not a.startswith("-")]
        if not words or words[0] not in typer.main.get_command(build_app()).commands:  # type: ignore[attr-defined]
            continue  # prose like "terrateam kv accepts …"
        _, options = _resolve(argv)
        used = {a.split("=", 1)[0] for a in argv if a.startswith("-") and a != "-"}
        assert used <= options | {"-h", "--help"}, (line, used - options)
