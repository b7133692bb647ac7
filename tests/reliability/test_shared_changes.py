"""``serve --workers 4`` on PostgreSQL: a change is seen by the very next request to any worker.

The workers no longer read the shared-state row on every request: they catch up only when the
change counter they share moved (``terrateam_emulator/server/changes.py``), or every
``SYNC_INTERVAL`` (1 s) otherwise. Each round below first sends requests to the workers (so
none is due for that periodic catch-up), then changes shared state through one connection and
checks it at once on fresh connections, which the kernel spreads over the workers. A change
that did not move the counter would be missed by a worker for up to a second.
"""

from __future__ import annotations

import httpx
from rel_helpers import EmulatorProcess

from terrateam_emulator.testing import EmulatorAdmin

WHOAMI = "/api/v1/whoami"
REFRESH = "/api/v1/access-token/refresh"
SPREAD = 12  # fresh connections per check: with 4 workers, every one is hit (kernel permitting)


def _codes(
    url: str, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> list[int]:
    out = []
    for _ in range(SPREAD):
        with httpx.Client(base_url=url, timeout=30) as http:
            out.append(http.request(method, path, headers=headers).status_code)
    return out


def _refresh(url: str, api_key: str) -> str:
    with httpx.Client(base_url=url, timeout=30) as http:
        r = http.post(REFRESH, headers={"authorization": f"Bearer {api_key}"})
    assert r.status_code == 200
    return str(r.json()["token"])


def test_fault_changes_reach_every_worker_at_once(pg_workers: EmulatorProcess) -> None:
    admin = EmulatorAdmin(pg_workers.url)
    for _ in range(4):
        assert _codes(pg_workers.url, "/health") == [200] * SPREAD
        admin.inject_fault(kind="status", status=503, path="^/health$", count=None)
        assert _codes(pg_workers.url, "/health") == [503] * SPREAD
        admin.clear_faults()
        assert _codes(pg_workers.url, "/health") == [200] * SPREAD
    admin.close()


def test_clock_steps_reach_every_worker_at_once(pg_workers: EmulatorProcess) -> None:
    admin = EmulatorAdmin(pg_workers.url)
    for _ in range(3):
        auth = {"authorization": f"Bearer {_refresh(pg_workers.url, pg_workers.api_key)}"}
        assert _codes(pg_workers.url, WHOAMI, auth) == [200] * SPREAD
        admin.advance_clock(61)  # past the 60 s token lifetime
        assert _codes(pg_workers.url, WHOAMI, auth) == [403] * SPREAD
    admin.close()


def test_deleted_api_key_stops_working_on_every_worker_at_once(
    pg_workers: EmulatorProcess,
) -> None:
    admin = EmulatorAdmin(pg_workers.url)
    owner = {"authorization": f"Bearer {_refresh(pg_workers.url, pg_workers.api_key)}"}
    demo_user = admin.info()["demo_user_id"]
    key = admin.mint_api_key("short-lived", ["kv_store_read"], user_id=demo_user)
    auth = {"authorization": f"Bearer {key.refresh_token}"}
    # Every worker now remembers the key as live (the API key itself is the Bearer token).
    assert _codes(pg_workers.url, WHOAMI, auth) == [200] * SPREAD
    with httpx.Client(base_url=pg_workers.url, timeout=30) as http:
        r = http.delete("/api/v1/github/access-token", params={"id": key.id}, headers=owner)
    assert r.status_code == 200
    assert _codes(pg_workers.url, WHOAMI, auth) == [403] * SPREAD
    assert _codes(pg_workers.url, REFRESH, auth, "POST") == [403] * SPREAD
    # Keys that still exist keep working (their cached answer was dropped and learnt again).
    demo = {"authorization": f"Bearer {pg_workers.api_key}"}
    assert _codes(pg_workers.url, REFRESH, demo, "POST") == [200] * SPREAD
    admin.close()
