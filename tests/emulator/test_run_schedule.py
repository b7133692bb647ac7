"""POST /_emulator/runs/{id}/schedule: runs move through states on the emulator clock."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from emu_helpers import bearer, refresh

GH = "/api/v1/github/installations/12345"
KV_KEY = "/api/v1/github/kv/12345/key/dev-probe"
JSON = {"content-type": "application/json"}


def _get(emulator: Any, path: str, **params: str) -> Any:
    # A fresh access token each time: moving the clock expires the previous one.
    token = refresh(emulator.url, emulator.api_key)
    r = httpx.get(emulator.url + GH + path, params=params, headers=bearer(token))
    assert r.status_code == 200, r.status_code
    return r.json()


def _wm(emulator: Any, wm_id: str) -> dict[str, Any]:
    (wm,) = _get(emulator, "/work-manifests", q=f"id:{wm_id}")["work_manifests"]
    return dict(wm)


def _new(emulator: Any) -> dict[str, Any]:
    return emulator.admin.create_work_manifest(
        installation_id=12345,
        repo="infrastructure",
        pull_number=1,
        run_type="apply",
        state="queued",
        dirspaces=[{"dir": "vpc", "workspace": "default"}, {"dir": "dns", "workspace": "prod"}],
    )


def test_schedule__applied_by_reads_as_the_clock_passes(emulator: Any) -> None:
    wm = _new(emulator)
    answer = emulator.admin.schedule_run(
        wm["id"],
        [
            {"after_seconds": 100, "state": "running"},
            {"after_seconds": 200, "state": "completed", "dirspaces": {"dns:prod": False}},
        ],
    )
    assert [s["state"] for s in answer["steps"]] == ["running", "completed"]
    assert answer["steps"][1]["due_at"] - answer["steps"][0]["due_at"] == pytest.approx(100)
    assert _wm(emulator, wm["id"])["state"] == "queued"
    emulator.admin.advance_clock(150)
    assert _wm(emulator, wm["id"])["state"] == "running"
    emulator.admin.advance_clock(100)
    done = _wm(emulator, wm["id"])
    assert done["state"] == "completed"
    assert done["completed_at"]
    assert {(d["dir"], d.get("success")) for d in done["dirspaces"]} == {
        ("vpc", True),
        ("dns", False),
    }
    states = {
        d["dir"]: d["state"] for d in _get(emulator, "/dirspaces", q=f"id:{wm['id']}")["dirspaces"]
    }
    assert states == {"vpc": "success", "dns": "failure"}


def test_schedule__finishing_ends_the_run_token(emulator: Any, http: httpx.Client) -> None:
    wm = _new(emulator)
    emulator.admin.schedule_run(wm["id"], [{"after_seconds": 30, "state": "aborted"}])
    auth = {"authorization": f"Bearer {wm['token']}"}
    assert http.get(KV_KEY, headers=auth).status_code == 404  # admitted, no such key
    emulator.admin.advance_clock(31)
    assert http.get(KV_KEY, headers=auth).status_code == 403


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "non-empty list"),
        ([{"state": "running"}], "after_seconds"),
        ([{"after_seconds": -1, "state": "running"}], "after_seconds"),
        ([{"after_seconds": 1, "state": "done"}], "state"),
        ([{"after_seconds": 1, "state": "completed", "success": "yes"}], "success"),
        ([{"after_seconds": 1, "state": "completed", "dirspaces": {"a": 1}}], "dirspaces"),
        ([{"after_seconds": 1, "state": "completed", "when": 3}], "unknown field"),
    ],
)
def test_schedule__bad_steps_are_400(
    emulator: Any, http: httpx.Client, body: Any, message: str
) -> None:
    wm = _new(emulator)
    r = http.post(f"/_emulator/runs/{wm['id']}/schedule", json=body)
    assert r.status_code == 400
    assert message in r.json()["error"]


def test_schedule__unknown_run_is_404(http: httpx.Client) -> None:
    r = http.post(
        "/_emulator/runs/00000000-0000-4000-8000-000000000000/schedule",
        json=[{"after_seconds": 1, "state": "running"}],
    )
    assert r.status_code == 404
