"""The root app builder: only the named group is imported and built on the fast path."""

from __future__ import annotations

import subprocess
import sys

import pytest

from terrateam_core.cli._app import GROUPS, build_app, selected_group


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["kv", "get", "k"], "kv"),
        (["--vcs", "gitlab", "--installation-id", "678", "repos", "list"], "repos"),
        (["--base-url=http://x", "--debug", "whoami"], "whoami"),
        (["--api-base", "http://x", "work-manifests", "wait", "x"], "work-manifests"),
        (["--version"], ""),
        (["--help"], None),
        ([], None),
        (["nosuchcommand"], None),
        (["--install-completion"], None),
        (["--bogus", "kv"], None),
    ],
)
def test_selected_group(args: list[str], expected: str | None) -> None:
    """The command name is found past global options; anything unusual means the full app."""
    assert selected_group(args) == expected


def test_selected_group_full_app_for_completion(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shell completion always sees every command."""
    monkeypatch.setenv("_TERRATEAM_COMPLETE", "complete_bash")
    assert selected_group(["kv", "get"]) is None


def test_build_app_full_has_every_command() -> None:
    """The full app registers every command of the registry."""
    import typer

    command = typer.main.get_command(build_app())
    assert set(command.commands) == set(GROUPS)  # type: ignore[attr-defined]


def test_build_app_only_one_group() -> None:
    """With a command named, only its module's commands are registered."""
    import typer

    command = typer.main.get_command(build_app("whoami"))
    assert set(command.commands) == {"configure", "whoami", "token"}  # type: ignore[attr-defined]


def test_kv_get_imports_only_the_kv_group() -> None:
    """`terrateam kv get --help` loads no other command module."""
    code = (
        "import sys, io, contextlib\n"
        "from terrateam_core.cli import main\n"
        "sys.argv = ['terrateam', 'kv', 'get', '--help']\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        main()\n    except SystemExit:\n        pass\n"
        "print(' '.join(m for m in sys.modules if m.startswith('terrateam_core.cli.')))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = {m.rsplit(".", 1)[-1] for m in proc.stdout.split()}
    assert "kv" in loaded
    assert loaded.isdisjoint({"report", "work_manifests", "api_keys", "artifact", "auth"})
