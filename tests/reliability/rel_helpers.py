"""Helpers of the reliability tests: PostgreSQL databases and emulator subprocesses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

TEST_DB_ENV = "TERRATEAM_EMULATOR_TEST_DB"


def pg_url() -> str | None:
    """The PostgreSQL URL the suite runs against, or None (SQLite run)."""
    url = os.environ.get(TEST_DB_ENV, "")
    return url if url.startswith("postgresql") else None


def require_pg() -> str:
    """The PostgreSQL URL, or skip the test with the reason."""
    url = pg_url()
    if url is None:
        pytest.skip(
            f"needs PostgreSQL: {TEST_DB_ENV} is not a postgresql+psycopg:// URL "
            "(scripts/test-postgres.sh sets it)"
        )
    return url


@contextmanager
def private_pg_database() -> Iterator[str]:
    """A new, empty PostgreSQL database on the test cluster (dropped afterwards)."""
    base = require_pg()
    name = f"rel_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


class EmulatorProcess:
    """``python -m terrateam_emulator serve`` as a subprocess in its own process group."""

    def __init__(self, tmp: Path, db: str, *args: str, port: int = 0) -> None:
        self.tmp = tmp
        self.db = db
        self.args = args
        self.port = port
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.api_key = ""

    def start(self, timeout: float = 60) -> EmulatorProcess:
        """Start serving (same port as before on a restart); wait for ``/health``."""
        port_file = self.tmp / f"port-{uuid.uuid4().hex[:6]}"
        key_file = self.tmp / f"key-{uuid.uuid4().hex[:6]}"
        log = (self.tmp / "emulator.log").open("ab")
        cmd = [sys.executable, "-m", "terrateam_emulator", "serve", "--db", self.db]
        cmd += ["--port", str(self.port), "--port-file", str(port_file)]
        cmd += ["--api-key-file", str(key_file), "--seed", "demo", *self.args]
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=log, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while not (port_file.exists() and port_file.read_text().strip()):
            if self.proc.poll() is not None:
                raise AssertionError((self.tmp / "emulator.log").read_text()[-3000:])
            assert time.monotonic() < deadline, "emulator did not start"
            time.sleep(0.05)
        self.port = int(port_file.read_text())
        self.url = f"http://127.0.0.1:{self.port}"
        self.api_key = key_file.read_text().strip()
        while True:
            try:
                if httpx.get(self.url + "/health", timeout=5).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "emulator did not answer /health"
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL the whole process group (no clean shutdown)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()
