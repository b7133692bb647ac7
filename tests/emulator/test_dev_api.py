"""The developer API (/_emulator/...) and injected faults."""

from __future__ import annotations

import httpx
import pytest
from emu_helpers import KV, bearer, refresh


def test_mint_api_key_any_caps_and_default_user(emulator):
    """Minted keys can carry system caps; the default user is the demo user."""
    minted = emulator.admin.mint_api_key("sys", ["kv_store_system_read", "kv_store_read"])
    demo_id = httpx.get(
        emulator.url + "/api/v1/whoami", headers=bearer(refresh(emulator.url, emulator.api_key))
    ).json()["id"]
    assert minted.user_id == demo_id
    assert refresh(emulator.url, minted.refresh_token)


def test_mint_api_key_rejects_bad_caps(http):
    """Invalid capabilities → 400 with a JSON error."""
    r = http.post("/_emulator/api-keys", json={"name": "x", "capabilities": ["nope"]})
    assert r.status_code == 400
    assert "error" in r.json()


def test_system_read_caps_hide_from_dashboard_keys(emulator, api, token_for):
    """A record with read_caps [kv_store_system_read] is visible only to a key holding it."""
    api.put(KV + "/key/sys", json={"data": 1, "read_caps": ["kv_store_system_read"]})
    assert api.get(KV + "/key/sys").status_code == 404
    token = token_for(["kv_store_read", "kv_store_system_read"])
    assert httpx.get(emulator.url + KV + "/key/sys", headers=bearer(token)).status_code == 200


def test_clock_advance_moves_timestamps(emulator, api):
    """Advancing the clock moves created_at of new writes."""
    api.put(KV + "/key/t", json={"data": 1})
    before = api.get(KV + "/key/t").json()["created_at"]
    emulator.admin.advance_clock(3600 * 24)
    api.headers.update(bearer(refresh(emulator.url, emulator.api_key)))
    api.put(KV + "/key/t", json={"data": 2})
    assert api.get(KV + "/key/t").json()["created_at"] > before


def test_clock_cannot_go_back(http):
    """A negative advance is refused."""
    assert http.post("/_emulator/clock/advance", json={"seconds": -1}).status_code == 400


def test_fault_status_429_with_retry_after_for_n_requests(emulator, api):
    """A 429 fault answers the next N matching requests with Retry-After, then stops."""
    emulator.admin.inject_fault(kind="status", status=429, retry_after=2, count=2, path="/kv/")
    r1, r2, r3 = (api.get(KV + "/key/x") for _ in range(3))
    assert (r1.status_code, r2.status_code) == (429, 429)
    assert r1.headers["retry-after"] == "2"
    assert r3.status_code == 404


def test_fault_matches_method_and_path(emulator, api):
    """Faults filter on method and on a path regex; other requests pass."""
    emulator.admin.inject_fault(kind="status", status=503, method="PUT", count=1)
    assert api.get(KV + "/key/x").status_code == 404
    assert api.put(KV + "/key/x", json={"data": 1}).status_code == 503
    assert api.put(KV + "/key/x", json={"data": 1}).status_code == 200


def test_fault_500_and_clear(emulator, api):
    """Unlimited faults (count null) last until cleared."""
    emulator.admin.inject_fault(kind="status", status=500, count=None, path="whoami")
    assert api.get("/api/v1/whoami").status_code == 500
    assert api.get("/api/v1/whoami").status_code == 500
    emulator.admin.clear_faults()
    assert api.get("/api/v1/whoami").status_code == 200


def test_fault_probability_zero_never_fires(emulator, api):
    """probability 0 never fires."""
    emulator.admin.inject_fault(kind="status", status=503, count=None, probability=0.0)
    assert all(api.get("/api/v1/whoami").status_code == 200 for _ in range(5))


def test_fault_drop_closes_connection_without_response(emulator, api):
    """A drop fault closes the socket with no HTTP response at all."""
    emulator.admin.inject_fault(kind="drop", path="whoami")
    with pytest.raises(httpx.RemoteProtocolError):
        api.get("/api/v1/whoami")
    assert api.get("/api/v1/whoami").status_code == 200


def test_fault_latency_then_normal_answer(emulator, api):
    """A latency fault delays but still answers normally."""
    emulator.admin.inject_fault(kind="latency", delay=0.05, path="whoami")
    assert api.get("/api/v1/whoami").status_code == 200


def test_faults_never_hit_the_developer_api(emulator, http):
    """Faults apply to the API only, so the developer API stays usable."""
    emulator.admin.inject_fault(kind="status", status=503, count=None)
    assert http.get("/_emulator/stats").status_code == 200
    emulator.admin.clear_faults()


def test_stats_count_routes_and_refreshes(emulator, api):
    """stats counts requests per route template and refresh calls; reset zeroes them."""
    emulator.admin.reset_stats()
    api.get(KV + "/key/a")
    api.get(KV + "/key/b")
    refresh(emulator.url, emulator.api_key)
    s = emulator.admin.stats()
    assert s["requests"]["GET /api/v1/{vcs}/kv/{inst}/key/{key:path}"] == 2
    assert s["refreshes"] == 1
    assert s["total"] == 3
    emulator.admin.reset_stats()
    assert emulator.admin.stats()["total"] == 0


def test_reset_clears_data_faults_and_keeps_seed(emulator, api):
    """reset empties KV, clears faults, and the seed's demo key still works."""
    api.put(KV + "/key/r", json={"data": 1})
    emulator.admin.inject_fault(kind="status", status=503, count=None, path="nothing-matches-x")
    emulator.admin.reset()
    token = refresh(emulator.url, emulator.api_key)
    assert httpx.get(emulator.url + KV + "/key/r", headers=bearer(token)).status_code == 404


def test_blobs_round_trip_bytes(http):
    """PUT/GET /_emulator/blobs/{name} store raw bytes; unknown → 404."""
    payload = bytes(range(256)) * 4
    octet = {"content-type": "application/octet-stream"}
    assert http.put("/_emulator/blobs/b1", content=payload, headers=octet).status_code == 200
    assert http.get("/_emulator/blobs/b1").content == payload
    assert http.get("/_emulator/blobs/none").status_code == 404


def test_create_user_with_installations(emulator, token_for):
    """/_emulator/users creates a member of the given installations."""
    uid = emulator.admin.create_user("member", vcs=["github", "gitlab"], installations=[12345, 678])
    token = token_for(["kv_store_read"], user_id=uid)
    for path in (KV + "/iter/", "/api/v1/gitlab/kv/678/iter/"):
        assert httpx.get(emulator.url + path, headers=bearer(token)).status_code == 200


def test_info_reports_demo_key(emulator, http):
    """/_emulator/info gives the demo key for subprocess users."""
    assert http.get("/_emulator/info").json()["demo_api_key"] == emulator.api_key


def test_fault_drop_response_applies_the_write_then_closes(emulator, api):
    """A drop_response fault handles the request (the write lands) but never answers it."""
    emulator.admin.inject_fault(kind="drop_response", method="PUT", path="/kv/")
    url = f"/api/v1/github/kv/{emulator.installation_id}/key/faults/lost-answer"
    with pytest.raises(httpx.RemoteProtocolError):
        api.put(url, json={"data": 7})
    assert api.get(url).json()["data"] == 7
