"""The runs part of the developer API: create work manifests, run tokens, states, unlocks."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from terrateam_emulator.resources.runs.seed import demo_runs_seed

GH = "/api/v1/github/installations/12345"
KV_KEY = "/api/v1/github/kv/12345/key/dev-probe"


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def _wm(http: httpx.Client, api_key: str, wm_id: str) -> dict[str, Any]:
    r = http.get(GH + "/work-manifests", params={"q": f"id:{wm_id}"}, headers=_bearer(api_key))
    (wm,) = r.json()["work_manifests"]
    return dict(wm)


def test_create_work_manifest__listed_and_token_works(http: httpx.Client, emulator: Any) -> None:
    created = emulator.admin.create_work_manifest(
        installation_id=12345,
        repo="infrastructure",
        pull_number=1,
        run_type="apply",
        state="queued",
        dirspaces=[{"dir": "vpc", "workspace": "default"}],
    )
    assert created["installation_id"] == 12345
    listed = _wm(http, emulator.api_key, created["id"])
    assert listed["run_type"] == "apply"
    assert listed["state"] == "queued"
    assert listed["kind"]["pull_number"] == 1
    assert listed["dirspaces"] == [{"dir": "vpc", "workspace": "default"}]
    # The newest run heads the default (created_at desc) listing.
    first = http.get(GH + "/work-manifests?limit=1", headers=_bearer(emulator.api_key)).json()
    assert first["work_manifests"][0]["id"] == created["id"]
    token = created["token"]
    assert emulator.admin.run_token(created["id"]) == token
    # installation_id cap + kv_store_read: admitted to KV (404 = no such key, not 403).
    assert http.get(KV_KEY, headers=_bearer(token)).status_code == 404
    emulator.admin.set_work_manifest_state(created["id"], "running")
    assert http.get(KV_KEY, headers=_bearer(token)).status_code == 404
    done = emulator.admin.set_work_manifest_state(created["id"], "completed")
    assert done["state"] == "completed"
    assert "completed_at" in done
    assert http.get(KV_KEY, headers=_bearer(token)).status_code == 403


def test_create_work_manifest__by_repo_id_and_gitlab(emulator: Any) -> None:
    created = emulator.admin.create_work_manifest(
        installation_id=678, vcs="gitlab", repo=900001, run_type="plan"
    )
    assert created["vcs"] == "gitlab"
    assert created["kind"] == "drift"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"repo": "infrastructure"}, "installation_id"),
        ({"installation_id": 12345, "repo": "nope"}, "unknown github repo"),
        ({"installation_id": 12345, "repo": "infrastructure", "state": "done"}, "state must be"),
        ({"installation_id": 12345, "repo": "infrastructure", "kind": "pr"}, "needs pull_number"),
    ],
)
def test_create_work_manifest__errors(
    http: httpx.Client, body: dict[str, Any], fragment: str
) -> None:
    r = http.post("/_emulator/work-manifests", json=body)
    assert r.status_code == 400
    assert fragment in r.json()["error"]


def test_state_and_token_of_unknown_ids(http: httpx.Client) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    assert http.get(f"/_emulator/work-manifests/{unknown}/token").status_code == 404
    r = http.post(f"/_emulator/work-manifests/{unknown}/state", json={"state": "running"})
    assert r.status_code == 404
    assert (
        http.post(f"/_emulator/tasks/{unknown}/state", json={"state": "failed"}).status_code == 404
    )
    bad = http.post(f"/_emulator/tasks/{unknown}/state", json={"state": "exploded"})
    assert bad.status_code == 400


def test_dev_routes_are_not_under_api(http: httpx.Client) -> None:
    r = http.post("/api/_emulator/work-manifests", json={})
    assert (r.status_code, r.headers.get("content-type")) == (404, "text/html")


def test_unlock__queued_run_reported_aborted_token_still_valid(
    http: httpx.Client, emulator: Any
) -> None:
    seed = demo_runs_seed()
    unlock = seed["unlocks"][0]
    victim = next(
        w
        for w in seed["work_manifests"]
        if w["repo_id"] == unlock["repo_id"]
        and w.get("pull_number") == unlock.get("pull_number")
        and w["state"] in ("queued", "running")
        and w["created_at"] < unlock["created_at"]
    )
    assert _wm(http, emulator.api_key, victim["id"])["state"] == "aborted"
    token = emulator.admin.run_token(victim["id"])
    assert http.get(KV_KEY, headers=_bearer(token)).status_code == 404
