"""The CLI's global behaviour: help, version, usage errors, start-up imports, configure."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from terrateam_core import __version__

Run = Callable[..., Any]
TERRATEAM_BIN = Path(sys.executable).parent / "terrateam"


def test_version_prints_version(cli: Run, cli_proc: Run) -> None:
    """--version prints the package version and exits 0, in-process and as a script."""
    for run in (cli, cli_proc):
        result = run("--version")
        assert result.exit_code == 0
        assert result.stdout.strip() == f"terrateam {__version__}"


def test_help_lists_every_command_group(cli: Run) -> None:
    """The root help lists our commands and the ttm-compatible groups."""
    result = cli("--help")
    assert result.exit_code == 0
    for name in (
        "configure",
        "whoami",
        "token",
        "api-keys",
        "kv",
        "secrets",
        "artifact",
        "installations",
        "repos",
        "prs",
        "work-manifests",
        "dirspaces",
        "stacks",
        "tasks",
        "server",
        "report",
    ):
        assert f"  {name} " in result.stdout, name


def test_usage_error_exits_1(cli: Run, cli_proc: Run) -> None:
    """Unknown options exit 1 (not click's 2, which means auth here) with a message."""
    for run in (cli, cli_proc):
        result = run("--no-such-option")
        assert result.exit_code == 1
        assert "No such option" in result.stderr


def test_bad_vcs_is_usage_error(cli: Run) -> None:
    """--vcs only accepts github or gitlab."""
    result = cli("--vcs", "bitbucket", "whoami")
    assert result.exit_code == 1
    assert "github" in result.stderr


HEAVY = ("uvicorn", "fastapi", "sqlalchemy", "rich", "httpx", "pydantic", "yaml", "pygments")


def _top_modules_after(code: str) -> set[str]:
    """Top-level module names loaded by running *code* in a fresh interpreter."""
    # A None entry in sys.modules is a blocked import (a module not installed), not a load.
    script = code + (
        "\nimport sys\n"
        "names = {m.split('.')[0] for m, v in sys.modules.items() if v is not None}\n"
        "print(' '.join(sorted(names)))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    return set(proc.stdout.split())


def _modules_after_cli(*argv: str) -> set[str]:
    return _top_modules_after(
        "import sys, io, contextlib\n"
        "from terrateam_core.cli import main\n"
        f"sys.argv = ['terrateam', *{list(argv)!r}]\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        main()\n    except SystemExit:\n        pass\n"
    )


@pytest.mark.parametrize("argv", [("--help",), ("--version",), ("kv", "--help")])
def test_light_paths_never_import_the_server_stack(argv: tuple[str, ...]) -> None:
    """--help, --version and `kv --help` never load uvicorn, fastapi or sqlalchemy."""
    loaded = _modules_after_cli(*argv)
    assert "terrateam_core" in loaded
    assert loaded.isdisjoint({"uvicorn", "fastapi", "sqlalchemy", "starlette"})


@pytest.mark.parametrize("argv", [("--help",), ("--version",)])
def test_cli_adds_no_heavy_import_to_the_core(argv: tuple[str, ...]) -> None:
    """The CLI layer itself imports nothing heavy (rich, yaml, ...) on --help/--version:
    whatever is loaded beyond `import terrateam_core` must be light."""
    baseline = _top_modules_after("import terrateam_core")
    loaded = _modules_after_cli(*argv)
    assert (loaded - baseline).isdisjoint(HEAVY)


_LAZY_CORE = (
    "import importlib.util, sys, types\n"
    "spec = importlib.util.find_spec('terrateam_core')\n"
    "pkg = types.ModuleType('terrateam_core')\n"
    "pkg.__path__ = list(spec.submodule_search_locations)\n"
    "pkg.__spec__ = spec\n"
    "sys.modules['terrateam_core'] = pkg\n"
)


@pytest.mark.parametrize(
    ("argv", "allowed"),
    [
        (("--help",), ()),
        (("--version",), ()),
        # Typer >= 0.20 coerces every parsed option value through a pydantic TypeAdapter,
        # so anything past the root's eager options loads pydantic (the core needs it anyway).
        (("work-manifests", "--help"), ("pydantic",)),
        (("report", "--help"), ("pydantic",)),
    ],
)
def test_cli_layer_is_light_over_a_lazy_core(
    argv: tuple[str, ...], allowed: tuple[str, ...]
) -> None:
    """With the core package's __init__ replaced by an empty (lazy) one, the CLI layer
    alone loads no rich, httpx, yaml (or pydantic, before Typer needs it) on light paths."""
    code = _LAZY_CORE + (
        "import io, contextlib\n"
        "from terrateam_core.cli import main\n"
        f"sys.argv = ['terrateam', *{list(argv)!r}]\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        main()\n    except SystemExit:\n        pass\n"
    )
    loaded = _top_modules_after(code)
    assert "typer" in loaded
    assert loaded.isdisjoint(set(HEAVY) - set(allowed))


def test_help_does_not_import_rich() -> None:
    """`terrateam --help` does not import rich (nor httpx, which imports rich through its
    own CLI module when rich is installed)."""
    baseline = _top_modules_after("import terrateam_core")
    if "rich" in baseline:
        pytest.xfail(
            "terrateam_core/__init__.py imports the client (httpx -> httpx._main -> rich) "
            "eagerly; the core needs lazy (PEP 562) exports for a light CLI start-up"
        )
    assert "rich" not in _modules_after_cli("--help")


def test_configure_writes_profile_0600_from_stdin(cli: Run, cli_env: dict[str, str]) -> None:
    """configure reads the key from stdin, writes the profile with mode 0600, never echoes it."""
    key = "tt-secret-key-0123456789"
    result = cli(
        "configure",
        "--no-verify",
        "--profile",
        "ci",
        "--base-url",
        "http://127.0.0.1:9",
        "--installation-id",
        "12345",
        input=key + "\n",
    )
    assert result.exit_code == 0, result.stderr
    assert key not in result.stdout + result.stderr
    path = Path(cli_env["TERRATEAM_CONFIG_FILE"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    profile = tomllib.loads(path.read_text())["profiles"]["ci"]
    assert profile == {
        "api_key": key,
        "base_url": "http://127.0.0.1:9",
        "installation_id": 12345,
    }


def test_configure_json_output(cli: Run, cli_env: dict[str, str]) -> None:
    """With -o json, configure reports the profile name and path (and not the key)."""
    result = cli("--profile", "p2", "configure", "--no-verify", "-o", "json", input="k-123456789\n")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"profile": "p2", "path": cli_env["TERRATEAM_CONFIG_FILE"]}


@pytest.mark.parametrize("flag", ["--api-key", "--key", "--token"])
def test_configure_refuses_key_on_argv(cli: Run, cli_env: dict[str, str], flag: str) -> None:
    """There is no option to pass the key on the command line: usage error, nothing written."""
    result = cli("configure", flag, "k-abcdefgh", input="")
    assert result.exit_code == 1
    assert not Path(cli_env["TERRATEAM_CONFIG_FILE"]).exists()


def test_configure_empty_stdin_is_usage_error(cli: Run, cli_env: dict[str, str]) -> None:
    """An empty key is refused."""
    result = cli("configure", input="\n")
    assert result.exit_code == 1
    assert not Path(cli_env["TERRATEAM_CONFIG_FILE"]).exists()


def test_configure_tightens_existing_file(cli_proc: Run, cli_env: dict[str, str]) -> None:
    """A pre-existing world-readable config file ends up 0600 (real subprocess)."""
    path = Path(cli_env["TERRATEAM_CONFIG_FILE"])
    path.write_text("")
    os.chmod(path, 0o644)
    result = cli_proc("configure", "--no-verify", input="k-0123456789\n")
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_missing_credentials_is_one_line_error(cli: Run) -> None:
    """No API key anywhere: exit 1 (configuration), one line plus a hint, no traceback."""
    pytest.importorskip("terrateam_core._sync.client", reason="TerrateamClient not built yet")
    result = cli("--base-url", "http://127.0.0.1:9", "whoami")
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("terrateam: ConfigurationError")
    assert "hint:" in result.stderr


def test_console_script_exists() -> None:
    """The venv has the `terrateam` console script the subprocess tests run."""
    assert TERRATEAM_BIN.exists()


def test_show_completion_bash(cli_env: dict[str, str]) -> None:
    """--show-completion prints a bash completion script for the `terrateam` program.

    Typer detects the shell from the parent process, so the command runs under bash (under
    `make`, the parent would otherwise be `sh`, which has no completion; the trailing `exit`
    keeps bash from exec-ing the command in its own place).
    """
    result = subprocess.run(
        ["bash", "-c", f"{TERRATEAM_BIN} --show-completion; exit $?"],  # no exec: bash stays
        capture_output=True,
        text=True,
        env={**os.environ, **cli_env},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "_TERRATEAM_COMPLETE" in result.stdout


@pytest.mark.parametrize(
    ("words", "cword", "expected"),
    [("terrateam work-m", "1", "work-manifests"), ("terrateam work-manifests w", "2", "wait")],
)
def test_completion_completes_commands(
    cli_env: dict[str, str], words: str, cword: str, expected: str
) -> None:
    """The completion protocol the installed script answers completes group and command names."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TERRATEAM_", "TTM_"))}
    env.update(cli_env, _TERRATEAM_COMPLETE="complete_bash", COMP_WORDS=words, COMP_CWORD=cword)
    proc = subprocess.run(
        [str(TERRATEAM_BIN)], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [expected]


def test_kv_path_skips_httpx_cli_imports(cli_env: dict[str, str]) -> None:
    """A command that builds a client loads httpx but not httpx's own CLI (rich, pygments).

    httpx loads its CLI only when click is importable; a plain ``pip install
    terrateam-toolkit`` has no click (Typer bundles its own copy), so click is hidden here
    as it is there (tests/packaging checks that no base dependency brings it in).
    """
    code = (
        "import os, sys, io, contextlib\n"
        "sys.modules['click'] = None  # not installed\n"
        "os.environ.update(TERRATEAM_API_KEY='k-0123456789', TERRATEAM_BASE_URL='http://127.0.0.1:9')\n"
        f"os.environ['TERRATEAM_CONFIG_FILE'] = {cli_env['TERRATEAM_CONFIG_FILE']!r}\n"
        "from terrateam_core.cli import main\n"
        "sys.argv = ['terrateam', 'server', 'config']\n"
        "with contextlib.redirect_stderr(io.StringIO()):\n"
        "    try:\n        main()\n    except SystemExit:\n        pass\n"
    )
    loaded = _top_modules_after(code)
    assert "httpx" in loaded
    assert loaded.isdisjoint({"rich", "pygments", "click"})


def test_python_dash_m_runs_the_cli() -> None:
    """`python -m terrateam_core.cli --version` behaves like the console script."""
    proc = subprocess.run(
        [sys.executable, "-m", "terrateam_core.cli", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"terrateam {__version__}"
