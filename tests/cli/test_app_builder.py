"""The root app: the console script's lazy group imports only the module of the command
named, and says exactly what the eager app says."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from terrateam_core.cli._app import GROUPS, build_app


def _paths() -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = [()]

    def walk(command: Any, path: tuple[str, ...]) -> None:
        for name, sub in sorted((getattr(command, "commands", None) or {}).items()):
            paths.append((*path, name))
            walk(sub, (*path, name))

    walk(typer.main.get_command(build_app()), ())
    return paths


def test_build_app_full_has_every_command() -> None:
    """The eager app registers every command of the registry."""
    command = typer.main.get_command(build_app())
    assert set(command.commands) == set(GROUPS)  # type: ignore[attr-defined]


def test_lazy_root_lists_every_command_in_order_without_importing() -> None:
    """The lazy root lists the registry's commands (help order) before loading any."""
    group: Any = typer.main.get_command(build_app(lazy=True))
    assert group.commands == {}
    ctx = group.make_context("terrateam", ["--help"], resilient_parsing=True)
    assert group.list_commands(ctx) == list(GROUPS)
    assert group.get_command(ctx, "nosuchcommand") is None
    kv = group.get_command(ctx, "kv")
    assert kv is not None
    assert "get" in kv.commands
    assert set(group.commands) == {"kv"}
    group.get_command(ctx, "whoami")  # a module with top-level commands brings its siblings
    assert set(group.commands) == {"kv", "configure", "whoami", "token"}


@pytest.mark.parametrize(
    "extra",
    [[], ["kv"], ["nosuchcommand"], ["kv", "nosuchcommand"], ["--version"], ["--bogus", "kv"]],
)
def test_lazy_and_eager_answer_the_same(extra: list[str]) -> None:
    """Bare groups, typos and --version: same output and exit code on both roots."""
    runner = CliRunner()
    eager = runner.invoke(build_app(), extra, prog_name="terrateam")
    lazy = runner.invoke(build_app(lazy=True), extra, prog_name="terrateam")
    assert (lazy.exit_code, lazy.output) == (eager.exit_code, eager.output)


def test_lazy_help_is_the_eager_help_for_every_command() -> None:
    """Every command's --help (examples, summaries, metavars in words) is unchanged."""
    runner = CliRunner()
    paths = _paths()
    assert len(paths) > 40
    for path in paths:
        eager = runner.invoke(build_app(), [*path, "--help"], prog_name="terrateam")
        lazy = runner.invoke(build_app(lazy=True), [*path, "--help"], prog_name="terrateam")
        assert eager.exit_code == 0, path
        assert (lazy.exit_code, lazy.output) == (eager.exit_code, eager.output), path


def _loaded_modules(argv: list[str]) -> set[str]:
    code = (
        "import sys, io, contextlib\n"
        "from terrateam_core.cli import main\n"
        f"sys.argv = ['terrateam', *{argv!r}]\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        main()\n    except SystemExit:\n        pass\n"
        "print(' '.join(sys.modules))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return set(proc.stdout.split())


def test_kv_get_help_imports_only_the_kv_group() -> None:
    """`terrateam --vcs github kv get --help` loads no other command module, and no Rich."""
    loaded = _loaded_modules(["--vcs", "github", "kv", "get", "--help"])
    commands = {m.rsplit(".", 1)[-1] for m in loaded if m.startswith("terrateam_core.cli.")}
    assert "kv" in commands
    assert commands.isdisjoint({"report", "work_manifests", "api_keys", "artifact", "auth"})
    assert "rich" not in loaded
    assert "httpx" not in loaded


def test_version_imports_no_command_module() -> None:
    """`terrateam --version` builds the root alone: no command module, no httpx."""
    loaded = _loaded_modules(["--version"])
    commands = {m.rsplit(".", 1)[-1] for m in loaded if m.startswith("terrateam_core.cli.")}
    assert commands.isdisjoint({m for m, _ in GROUPS.values()})
    assert "httpx" not in loaded
    assert "pydantic" not in loaded
