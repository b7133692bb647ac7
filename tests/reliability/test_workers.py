"""``serve --workers 4`` on PostgreSQL: the workers agree on clock, faults, stats and data.

Requests go over fresh connections so they land on different worker processes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
from rel_helpers import EmulatorProcess

from terrateam_emulator.testing import EmulatorAdmin

WHOAMI = "/api/v1/whoami"


def _fresh(url: str, method: str, path: str, **kw: object) -> httpx.Response:
    # A new connection each time: the kernel spreads them over the workers' shared socket.
    with httpx.Client(base_url=url, timeout=30) as http:
        return http.request(method, path, **kw)  # type: ignore[arg-type]


def _token(emu: EmulatorProcess) -> str:
    r = _fresh(
        emu.url,
        "POST",
        "/api/v1/access-token/refresh",
        headers={"authorization": f"Bearer {emu.api_key}"},
    )
    assert r.status_code == 200
    return str(r.json()["token"])


def test_sqlite_with_several_workers_is_refused(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "terrateam_emulator",
            "serve",
            "--workers",
            "2",
            "--db",
            f"sqlite:///{tmp_path / 'e.db'}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "--workers > 1 needs a PostgreSQL database" in proc.stderr


def test_fault_with_count_fires_exactly_once_across_workers(pg_workers: EmulatorProcess) -> None:
    admin = EmulatorAdmin(pg_workers.url)
    token = _token(pg_workers)
    admin.inject_fault(kind="status", status=503, count=3, path="^/api/v1/whoami$")
    codes = [
        _fresh(
            pg_workers.url, "GET", WHOAMI, headers={"authorization": f"Bearer {token}"}
        ).status_code
        for _ in range(20)
    ]
    assert codes.count(503) == 3
    assert codes.count(200) == 17
    admin.close()


def test_clock_advance_is_seen_by_every_worker(pg_workers: EmulatorProcess) -> None:
    admin = EmulatorAdmin(pg_workers.url)
    token = _token(pg_workers)
    auth = {"authorization": f"Bearer {token}"}
    assert all(
        _fresh(pg_workers.url, "GET", WHOAMI, headers=auth).status_code == 200 for _ in range(8)
    )
    admin.advance_clock(61)  # past the 60 s access-token lifetime, in one worker
    codes = [_fresh(pg_workers.url, "GET", WHOAMI, headers=auth).status_code for _ in range(12)]
    assert codes == [403] * 12  # expired everywhere (upstream: 403 on an expired token)
    admin.close()


def test_stats_sum_every_worker(pg_workers: EmulatorProcess) -> None:
    admin = EmulatorAdmin(pg_workers.url)
    admin.reset_stats()
    for _ in range(25):
        assert _fresh(pg_workers.url, "GET", "/health").status_code == 200
    stats = admin.stats()
    assert stats["requests"]["GET /health"] == 25
    assert stats["total"] == 25
    admin.reset()
    assert admin.stats()["total"] == 0
    admin.close()


def test_reset_and_data_are_shared(pg_workers: EmulatorProcess) -> None:
    token = _token(pg_workers)
    auth = {"authorization": f"Bearer {token}"}
    kv = "/api/v1/github/kv/12345/key/shared"
    assert _fresh(pg_workers.url, "PUT", kv, headers=auth, json={"data": 1}).status_code == 200
    assert all(_fresh(pg_workers.url, "GET", kv, headers=auth).status_code == 200 for _ in range(8))
    EmulatorAdmin(pg_workers.url).reset()
    assert all(_fresh(pg_workers.url, "GET", kv, headers=auth).status_code == 404 for _ in range(8))
