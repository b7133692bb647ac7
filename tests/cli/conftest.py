"""Fixtures for the CLI tests: a clean environment and runners for both entry points.

``cli`` runs commands in-process through Typer's CliRunner; ``cli_proc`` runs the
installed ``terrateam`` console script as a real subprocess. Both see the same
environment: no inherited ``TERRATEAM_*``/``TTM_*`` variables and a private
config file, plus whatever the test adds (``cli_env``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

TERRATEAM_BIN = Path(sys.executable).parent / "terrateam"


@dataclass
class CliResult:
    """What a CLI invocation produced (same shape for both runners)."""

    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Environment overrides for the CLI; mutate it before calling ``cli``/``cli_proc``."""
    for name in list(os.environ):
        if name.startswith(("TERRATEAM_", "TTM_")):
            monkeypatch.delenv(name)
    env = {
        "TERRATEAM_CONFIG_FILE": str(tmp_path / "config.toml"),
        "NO_COLOR": "1",
        # The access-token cache (on by default) lives under the user cache dir: keep it
        # per test, never in the real home.
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    return env


@pytest.fixture
def cli(cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """Invoke ``terrateam ARGS`` in-process (CliRunner); returns a ``CliResult``."""
    from terrateam_core.cli import app

    def run(*args: str, input: str | None = None) -> CliResult:
        for key, value in cli_env.items():
            monkeypatch.setenv(key, value)
        result = CliRunner().invoke(app, list(args), input=input, prog_name="terrateam")
        return CliResult(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture
def cli_proc(cli_env: dict[str, str]) -> Callable[..., CliResult]:
    """Run the installed ``terrateam`` script as a subprocess; returns a ``CliResult``."""
    if not TERRATEAM_BIN.exists():
        pytest.skip(f"console script not installed at {TERRATEAM_BIN}")

    def run(*args: str, input: str | None = None, timeout: float = 120) -> CliResult:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TERRATEAM_", "TTM_"))}
        env.update(cli_env)
        proc = subprocess.run(
            [str(TERRATEAM_BIN), *args],
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            check=False,
        )
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    return run


@pytest.fixture(params=["runner", "subprocess"])
def run(
    request: pytest.FixtureRequest,
    cli: Callable[..., CliResult],
    cli_proc: Callable[..., CliResult],
) -> Callable[..., CliResult]:
    """Each test using this runs twice: through CliRunner and as the installed script."""
    return cli if request.param == "runner" else cli_proc


@pytest.fixture
def live(emulator: Any, cli_env: dict[str, str]) -> Any:
    """Point the CLI at the (freshly reset) emulator with the demo user's key."""
    cli_env.update(
        TERRATEAM_BASE_URL=emulator.url,
        TERRATEAM_API_KEY=emulator.api_key,
        TERRATEAM_INSTALLATION_ID=str(emulator.installation_id),
    )
    return emulator


@pytest.fixture
def dev_api(live: Any) -> Callable[..., Any]:
    """Call the emulator's developer API (``/_emulator/...``) with the standard library."""

    def call(method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            live.url + path, data=data, method=method, headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    return call
