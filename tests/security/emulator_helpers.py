"""Helpers for the emulator security tests (imported as a plain module: `emulator_helpers`).

`Serve` runs ``python -m terrateam_emulator serve`` as a subprocess on 127.0.0.1 and a free port,
with its stdout/stderr in files (read them with `Serve.out` / `Serve.err` after `Serve.stop`).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

KV = "/api/v1/github/kv/12345"
OTHER_USER = "ttemu-other"


class Serve:
    """One ``terrateam-emulator serve`` subprocess; a context manager that always stops it."""

    def __init__(
        self,
        work: Path,
        *args: str,
        env: dict[str, str] | None = None,
        port_file: Path | None = None,
    ) -> None:
        self.work = work
        self.args = args
        self.env = {**os.environ, **(env or {})}
        self.port_file = port_file or work / "port"
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> Serve:
        """Start and wait until ``/health`` answers (at most 60 s)."""
        if not self.port_file.is_symlink() and self.port_file.exists():
            self.port_file.unlink()  # a previous run's
        cmd = [sys.executable, "-m", "terrateam_emulator", "serve", "--port", "0"]
        cmd += ["--port-file", str(self.port_file), *self.args]
        with open(self.work / "out", "wb") as out, open(self.work / "err", "wb") as err:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=self.env)
        deadline = time.monotonic() + 60
        while not self._port_written():
            if self.proc.poll() is not None:
                raise AssertionError(f"emulator exited {self.proc.returncode}: {self.err()}")
            assert time.monotonic() < deadline, "emulator did not start"
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.port_file.read_text().strip()}"
        while True:
            try:
                httpx.get(self.url + "/health", timeout=5)
                return self
            except httpx.TransportError:
                assert time.monotonic() < deadline, "emulator did not answer /health"
                time.sleep(0.05)

    def _port_written(self) -> bool:
        p = self.port_file
        return not p.is_symlink() and p.exists() and p.read_text().strip().isdigit()

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 10 s."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def out(self) -> str:
        """What it printed on stdout so far."""
        return (self.work / "out").read_text(errors="replace")

    def err(self) -> str:
        """What it printed on stderr so far."""
        return (self.work / "err").read_text(errors="replace")

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self.port_file.read_text().strip())

    def __enter__(self) -> Serve:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_serve(*args: str, timeout: float = 60, env: dict[str, str] | None = None) -> Any:
    """Run ``serve`` expecting it to exit by itself (a start-up error); return the result."""
    return subprocess.run(
        [sys.executable, "-m", "terrateam_emulator", "serve", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def refresh(url: str, api_key: str) -> str:
    """Exchange an API key for an access token."""
    r = httpx.post(url + "/api/v1/access-token/refresh", headers=bearer(api_key), timeout=30)
    assert r.status_code == 200, r.status_code
    token: str = r.json()["token"]
    return token


def bearer(token: str) -> dict[str, str]:
    """An Authorization header."""
    return {"authorization": f"Bearer {token}"}


def raw_http(port: int, request: bytes, *, timeout: float = 10) -> bytes:
    """Send raw bytes to 127.0.0.1:port and read the answer until the server closes or pauses."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        chunks = []
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                chunks.append(data)
                if b"\r\n\r\n" in b"".join(chunks):
                    sock.settimeout(1)  # headers in: wait briefly for the rest, then stop
        except TimeoutError:
            pass
        return b"".join(chunks)


def ensure_other_user() -> str:
    """Create (once) an unprivileged local user for "another user" checks; return its name.

    Skips the calling test when not root or when the tools are missing.
    """
    import pytest

    if os.geteuid() != 0:
        pytest.skip("needs root to run commands as a second local user")
    if shutil.which("runuser") is None or shutil.which("useradd") is None:
        pytest.skip("needs runuser and useradd (util-linux, passwd)")
    probe = subprocess.run(["id", "-u", OTHER_USER], capture_output=True)
    if probe.returncode != 0:
        made = subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", OTHER_USER],
            capture_output=True,
            text=True,
        )
        if made.returncode != 0 and "already exists" not in made.stderr:
            pytest.skip(f"cannot create user {OTHER_USER}: {made.stderr.strip()}")
    return OTHER_USER


def as_user(user: str, *cmd: str) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` as ``user`` (``runuser -u``)."""
    return subprocess.run(
        ["runuser", "-u", user, "--", *cmd], capture_output=True, text=True, timeout=30
    )
