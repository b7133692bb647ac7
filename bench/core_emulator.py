"""Start a local emulator in a subprocess for the core benchmarks (helper, not a benchmark)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


class Emulator:
    """``python -m terrateam_emulator serve`` on a free loopback port, in-memory SQLite."""

    def __init__(self, *, token_ttl: float = 60.0) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="core-bench-")
        work = Path(self._dir.name)
        port_file, key_file = work / "port", work / "key"
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "terrateam_emulator", "serve",
                "--port", "0", "--port-file", str(port_file),
                "--api-key-file", str(key_file),
                "--seed", "demo", "--db", "sqlite://",
                "--token-ttl", str(token_ttl), "--log-level", "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit("emulator exited early")
            if port_file.exists() and key_file.exists() and port_file.read_text().strip():
                text = port_file.read_text().strip()
                self.url = text if text.startswith("http") else f"http://127.0.0.1:{text}"
                try:
                    with urllib.request.urlopen(f"{self.url}/health", timeout=1):
                        self.api_key = key_file.read_text().strip()
                        return
                except OSError:
                    pass
            time.sleep(0.05)
        self.proc.kill()
        raise SystemExit("emulator did not start")

    def close(self) -> None:
        """Stop the emulator and remove its files."""
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._dir.cleanup()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
