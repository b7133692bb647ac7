"""The CLI's access-token cache against the emulator: the second call makes one request.

Requests are counted by the emulator's stats dev API (``GET /_emulator/stats``).
"""

from __future__ import annotations

import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cli.conftest import CliResult


def _counted(dev_api: Callable[..., Any], run: Callable[[], CliResult]) -> dict[str, Any]:
    dev_api("POST", "/_emulator/stats/reset")
    result = run()
    assert result.exit_code == 0, result.stderr
    stats: dict[str, Any] = dev_api("GET", "/_emulator/stats")
    return stats


def test_second_call_makes_one_request(
    cli_proc: Callable[..., CliResult],
    cli_env: dict[str, str],
    dev_api: Callable[..., Any],
    live: Any,
) -> None:
    first = _counted(dev_api, lambda: cli_proc("whoami"))
    assert first["total"] == 2, first  # refresh + whoami
    second = _counted(dev_api, lambda: cli_proc("whoami"))
    assert second["total"] == 1, second
    assert second["refreshes"] == 0
    assert list(second["requests"]) == ["GET /api/v1/whoami"]
    # The cache is private and holds no key.
    directory = Path(cli_env["XDG_CACHE_HOME"]) / "terrateam" / "tokens"
    [entry] = list(directory.iterdir())
    assert live.api_key not in entry.read_text()
    if sys.platform != "win32":
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
        assert stat.S_IMODE(entry.stat().st_mode) == 0o600


@pytest.mark.parametrize("opt_out", ["flag", "env"])
def test_opt_out_exchanges_every_time(
    cli_proc: Callable[..., CliResult],
    cli_env: dict[str, str],
    dev_api: Callable[..., Any],
    live: Any,
    opt_out: str,
) -> None:
    args = ["whoami"]
    if opt_out == "flag":
        args.insert(0, "--no-token-cache")
    else:
        cli_env["TERRATEAM_TOKEN_CACHE"] = "0"
    for _ in range(2):
        stats = _counted(dev_api, lambda: cli_proc(*args))
        assert stats["total"] == 2, stats
        assert stats["refreshes"] == 1
    assert not (Path(cli_env["XDG_CACHE_HOME"]) / "terrateam" / "tokens").exists()


def test_token_command_prints_a_fresh_token(
    cli_proc: Callable[..., CliResult], dev_api: Callable[..., Any], live: Any
) -> None:
    """`terrateam token` promises a full-lifetime token: it exchanges even when one is cached."""
    _counted(dev_api, lambda: cli_proc("whoami"))
    stats = _counted(dev_api, lambda: cli_proc("token"))
    assert stats["refreshes"] == 1


def test_unsafe_cache_directory_is_a_clear_error(
    cli_proc: Callable[..., CliResult], cli_env: dict[str, str], tmp_path: Path, live: Any
) -> None:
    if sys.platform == "win32":
        pytest.skip("symlinks")
    target = tmp_path / "someone-elses"
    target.mkdir()
    (Path(cli_env["XDG_CACHE_HOME"]) / "terrateam").mkdir(parents=True)
    (Path(cli_env["XDG_CACHE_HOME"]) / "terrateam" / "tokens").symlink_to(target)
    result = cli_proc("whoami")
    assert result.exit_code == 1
    assert "symlink" in result.stderr
    assert "--no-token-cache" in result.stderr
    assert live.api_key not in result.stderr
    assert cli_proc("--no-token-cache", "whoami").exit_code == 0
