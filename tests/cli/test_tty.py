"""Behaviour on a real terminal (a pseudo-terminal from the standard library's `pty`):
the hidden key prompt of `configure`, tables by default, and `--no-color`."""

from __future__ import annotations

import os
import pty
import select
import stat
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest

TERRATEAM_BIN = Path(sys.executable).parent / "terrateam"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")


class PtyRun:
    """`terrateam ARGS` with stdin, stdout and stderr on one pseudo-terminal."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.output = b""
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # child: pty.fork made the terminal our controlling tty
            os.execve(str(TERRATEAM_BIN), [str(TERRATEAM_BIN), *args], env)

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        self.output += data
        return bool(data)

    def expect(self, text: bytes, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if time.monotonic() > deadline or not self._read(0.2):
                pytest.fail(f"no {text!r} in {self.output[-500:]!r}")

    def send(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def wait(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                while self._read(0.05):
                    pass
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
            self._read(0.1)
        os.kill(self.pid, 9)
        pytest.fail("terrateam did not exit")


def _env(cli_env: dict[str, str], **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TERRATEAM_", "TTM_"))}
    env.pop("NO_COLOR", None)
    env.update(cli_env, TERM="xterm-256color", COLUMNS="200", **extra)
    env.pop("NO_COLOR", None)
    return env


def test_configure_prompts_without_echo(cli_env: dict[str, str]) -> None:
    """On a terminal the key is read from a hidden prompt: never echoed, stored 0600."""
    key = "tt-hidden-key-0123456789"
    proc = PtyRun(["configure", "--no-verify", "--profile", "tty"], _env(cli_env))
    # click echoes "…key:" then getpass flushes pending input and writes the final " ":
    # only type after that space, as a person would.
    proc.expect(b"Terrateam API key: ")
    proc.send(key + "\n")
    assert proc.wait() == 0, proc.output
    assert key.encode() not in proc.output
    path = Path(cli_env["TERRATEAM_CONFIG_FILE"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert tomllib.loads(path.read_text())["profiles"]["tty"]["api_key"] == key


def test_terminal_gets_a_table(live: Any, cli_env: dict[str, str]) -> None:
    """Without -o, a terminal gets a human table (not JSON), with styling."""
    proc = PtyRun(["installations", "list"], _env(cli_env))
    assert proc.wait() == 0, proc.output
    text = proc.output.decode()
    assert "demo-org" in text
    assert not text.lstrip().startswith("[")
    assert "\x1b[" in text


@pytest.mark.parametrize(("args", "extra"), [(["--no-color"], {}), ([], {"NO_COLOR": "1"})])
def test_no_color_means_plain_text(
    live: Any, cli_env: dict[str, str], args: list[str], extra: dict[str, str]
) -> None:
    """--no-color (or NO_COLOR) on a terminal: the table has no escape sequences at all."""
    env = _env(cli_env)
    env.update(extra)
    proc = PtyRun([*args, "installations", "list"], env)
    assert proc.wait() == 0, proc.output
    assert b"demo-org" in proc.output
    assert b"\x1b[" not in proc.output
