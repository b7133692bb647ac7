"""The ``terrateam`` CLI ends within its deadline against hostile servers (issue 16).

A real subprocess per case; ``TERRATEAM_TOTAL_TIMEOUT`` gives it a short total deadline while
the per-request timeout stays at its default (30 s), so only the total deadline can end a
trickle. Timeouts exit 6 (the CLI's exit-code table), other failures 5, never a hang.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest_client import hostile

TERRATEAM = Path(sys.executable).parent / "terrateam"
API_KEY = "hostile-test-api-key-0123456789"
NO_HANG = 25.0  # generous: proves "no hang" (the per-request timeout alone is 30 s)
EXIT = {
    "hang_before_headers": 6,
    "hang_after_headers": 6,
    "trickle": 6,
    "trickle_headers": 6,
    "garbage": 5,
    "redirect": 5,
}


def cli_env(url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TERRATEAM_", "TTM_"))}
    env.update(
        TERRATEAM_API_KEY=API_KEY,
        TERRATEAM_BASE_URL=url,
        TERRATEAM_INSTALLATION_ID="1",
        TERRATEAM_TOTAL_TIMEOUT="1.5",
        TERRATEAM_CONFIG_FILE=str(tmp_path / "config.toml"),
        TERRATEAM_TOKEN_CACHE="0",  # never touch the real home directory
    )
    return env


@pytest.mark.parametrize("mode", list(EXIT))
@pytest.mark.parametrize("command", [["kv", "get", "k"], ["token"]])
def test_cli_ends_with_the_timeout_exit_code(mode: str, command: list[str], tmp_path: Path) -> None:
    with hostile(mode, interval=0.3) as server:
        started = time.monotonic()
        proc = subprocess.run(
            [str(TERRATEAM), *command],
            env=cli_env(server.url, tmp_path),
            capture_output=True,
            text=True,
            timeout=120,
        )
        elapsed = time.monotonic() - started
        assert proc.returncode == EXIT[mode], proc.stderr
        assert elapsed < NO_HANG
        assert API_KEY not in proc.stdout + proc.stderr
        assert proc.stderr.startswith("terrateam: "), proc.stderr
        if EXIT[mode] == 6:
            assert "deadline" in proc.stderr or "Timeout" in proc.stderr
        if mode == "redirect":
            assert server.target.requests == []  # type: ignore[attr-defined]
