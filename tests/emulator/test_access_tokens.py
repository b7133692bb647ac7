"""API-key management endpoints (behaviour doc §3), Enterprise and OSS editions."""

from __future__ import annotations

import httpx
import pytest
from emu_helpers import bearer, refresh

from terrateam_emulator import EmulatorSettings, create_app

PATH = "/api/v1/github/access-token"
INST = {"id": "12345", "name": "installation_id"}


def test_create__200_refresh_token_and_masked_caps(api, emulator):
    """Create answers 200 {"refresh_token"}; stored caps = vcs first, then requested ∩ held."""
    requested = ["kv_store_write", INST, "kv_store_system_read", "kv_store_read", "kv_store_read"]
    r = api.post(PATH, json={"name": "ci", "capabilities": requested})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert list(r.json()) == ["refresh_token"]
    listed = {k["name"]: k for k in api.get(PATH).json()["results"]}
    assert listed["ci"]["capabilities"] == [
        {"name": "vcs", "vcs": "github"},
        "kv_store_read",
        "kv_store_write",
    ]
    new_key = r.json()["refresh_token"]
    token = refresh(emulator.url, new_key)
    r2 = httpx.get(emulator.url + "/api/v1/github/kv/12345/iter/", headers=bearer(token))
    assert r2.status_code == 200


def test_create__order_follows_constructor_order(emulator, token_for):
    """A caller holding everything gets the canonical order; its own vcs cap may repeat."""
    held = [
        "kv_store_write",
        {"name": "vcs", "vcs": "github"},
        "kv_store_system_write",
        {"id": "9", "name": "installation_id"},
        INST,
        "access_token_refresh",
        "kv_store_system_read",
        "kv_store_read",
        "access_token_create",
    ]
    token = token_for(held)
    c = httpx.Client(base_url=emulator.url, headers=bearer(token))
    assert c.post(PATH, json={"name": "all", "capabilities": held}).status_code == 200
    caps = next(k for k in c.get(PATH).json()["results"] if k["name"] == "all")["capabilities"]
    assert caps == [
        {"name": "vcs", "vcs": "github"},
        "access_token_create",
        "access_token_refresh",
        INST,
        {"id": "9", "name": "installation_id"},
        "kv_store_read",
        "kv_store_system_read",
        "kv_store_system_write",
        "kv_store_write",
        {"name": "vcs", "vcs": "github"},
    ]


@pytest.mark.parametrize(
    "caps",
    [
        ["bogus"],
        [{"id": "1", "name": "installation_id", "x": 1}],
        [{"id": 1, "name": "installation_id"}],
    ],
)
def test_create__invalid_capability_is_400(api, caps):
    """An unknown or malformed capability → 400, empty body, application/json."""
    r = api.post(PATH, json={"name": "x", "capabilities": caps})
    assert r.status_code == 400
    assert r.content == b""
    assert r.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    "body", [{"name": "x"}, {"capabilities": []}, {"name": 1, "capabilities": []}, [], "x"]
)
def test_create__undecodable_body_is_route_404(api, body):
    """A missing/mistyped field or a non-object body is a route mismatch → 404 text/html."""
    r = api.post(PATH, json=body)
    assert r.status_code == 404
    assert r.headers["content-type"] == "text/html"


def test_create__empty_name_and_extra_fields_accepted(api):
    """Any name (even empty) is fine; unknown fields are ignored."""
    r = api.post(PATH, json={"name": "", "capabilities": [], "extra": True})
    assert r.status_code == 200


def test_create__needs_access_token_create(emulator, token_for):
    """Without access_token_create, create/list/delete → 403 empty without Content-Type."""
    c = httpx.Client(base_url=emulator.url, headers=bearer(token_for(["kv_store_read"])))
    for r in (
        c.post(PATH, json={"name": "x", "capabilities": []}),
        c.get(PATH),
        c.delete(PATH, params={"id": "00000000-0000-0000-0000-000000000001"}),
    ):
        assert r.status_code == 403
        assert "content-type" not in r.headers


def test_list__ordered_by_name_both_vcses_no_link(api):
    """List returns the caller's keys of both VCSes ordered by name, no Link, no created_at."""
    api.post(PATH, json={"name": "zeta", "capabilities": []})
    api.post("/api/v1/gitlab/access-token", json={"name": "alpha", "capabilities": []})
    r = api.get(PATH + "?limit=1&page=n,abc")
    assert r.status_code == 200
    assert "link" not in r.headers
    names = [k["name"] for k in r.json()["results"]]
    assert names == sorted(names)
    assert {"zeta", "alpha", "demo"} <= set(names)
    assert set(r.json()["results"][0]) == {"capabilities", "id", "name"}


@pytest.mark.parametrize("query", [{"limit": "x"}, {"page": "abc"}, {"page": "n"}])
def test_list__malformed_paging_is_route_404(api, query):
    """limit/page are ignored but must parse: bad values → 404."""
    assert api.get(PATH, params=query).status_code == 404


def test_list__caps_at_100(api):
    """At most 100 keys are listed."""
    for i in range(105):
        api.post(PATH, json={"name": f"k{i:03d}", "capabilities": []})
    assert len(api.get(PATH).json()["results"]) == 100


def test_delete__always_200_empty(api):
    """Delete answers 200 empty (application/json) for own, unknown or foreign ids (§8 #11)."""
    for key_id in ["00000000-0000-0000-0000-000000000000", "DEADBEEF-0000-0000-0000-000000000000"]:
        r = api.delete(PATH, params={"id": key_id})
        assert r.status_code == 200
        assert r.content == b""
        assert r.headers["content-type"] == "application/json"


@pytest.mark.parametrize("query", [{}, {"id": "not-a-uuid"}])
def test_delete__missing_or_bad_id_is_route_404(api, query):
    """The id is a required UUID query parameter: missing or malformed → 404 text/html."""
    r = api.delete(PATH, params=query)
    assert r.status_code == 404
    assert r.headers["content-type"] == "text/html"


def test_delete__other_users_key_survives(emulator, api, token_for):
    """Deleting another user's key id does nothing."""
    other = emulator.admin.create_user("other", vcs=["github"])
    minted = emulator.admin.mint_api_key("theirs", ["access_token_create"], user_id=other)
    assert api.delete(PATH, params={"id": minted.id}).status_code == 200
    assert refresh(emulator.url, minted.refresh_token)


@pytest.mark.anyio
async def test_oss_edition_has_no_access_token_routes():
    """In the OSS edition the access-token routes do not exist (404 text/html)."""
    app = create_app(EmulatorSettings(edition="oss", seed="demo"))
    key = app.state.emulator.demo_api_key
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://e") as c:
        token = (await c.post("/api/v1/access-token/refresh", headers=bearer(key))).json()["token"]
        r = await c.get(PATH, headers=bearer(token))
        assert r.status_code == 404
        assert r.headers["content-type"] == "text/html"
        r = await c.get("/api/v1/github/kv/12345/iter/", headers=bearer(token))
        assert r.status_code == 200
