"""Authentication and capabilities (behaviour doc §1, §2): real JWTs over real HTTP."""

from __future__ import annotations

import base64
import json

import httpx
import jwt
import pytest
from emu_helpers import KV, bearer, refresh

INSTALLATION_CAP = {"id": "12345", "name": "installation_id"}


def claims(token):
    """Decode a JWT payload without verifying it."""
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def header(token):
    """Decode a JWT header without verifying it."""
    part = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_api_key_claim_layout(emulator):
    """An API key: HS256, terrateam{access_token_id, [access_token_refresh], user_id}, no exp."""
    assert header(emulator.api_key) == {"alg": "HS256", "typ": "JWT"}
    c = claims(emulator.api_key)
    assert "exp" not in c
    assert set(c["terrateam"]) == {"access_token_id", "capabilities", "user_id"}
    assert c["terrateam"]["capabilities"] == ["access_token_refresh"]


def test_refresh__access_token_layout_and_exp(emulator):
    """Refresh: 200 application/json {"token"}; exp = int(now + 60), no access_token_id."""
    r = httpx.post(emulator.url + "/api/v1/access-token/refresh", headers=bearer(emulator.api_key))
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    token = r.json()["token"]
    c = claims(token)
    assert list(c) == ["exp", "terrateam"]
    assert isinstance(c["exp"], int)
    assert list(c["terrateam"]) == ["capabilities", "user_id"]
    assert c["terrateam"]["capabilities"] == [
        {"name": "vcs", "vcs": "github"},
        "access_token_create",
        "kv_store_read",
        "kv_store_write",
    ]
    now = emulator.admin.advance_clock(0)
    assert 59 <= c["exp"] - now <= 60


def test_refresh__body_and_content_type_ignored(emulator):
    """Refresh declares no body: any body and Content-Type are accepted."""
    r = httpx.post(
        emulator.url + "/api/v1/access-token/refresh",
        headers={**bearer(emulator.api_key), "content-type": "text/plain; charset=utf-8"},
        content=b"garbage",
    )
    assert r.status_code == 200


@pytest.mark.parametrize("kind", ["none", "access_token", "garbage", "revoked"])
def test_refresh__needs_a_live_api_key(emulator, kind):
    """No key, an access token, garbage, or a deleted key → 403 empty, no Content-Type."""
    if kind == "none":
        headers = {}
    elif kind == "access_token":
        headers = bearer(refresh(emulator.url, emulator.api_key))
    elif kind == "garbage":
        headers = bearer("not.a.jwt")
    else:
        minted = emulator.admin.mint_api_key("gone", ["kv_store_read"])
        api = httpx.Client(
            base_url=emulator.url, headers=bearer(refresh(emulator.url, emulator.api_key))
        )
        api.delete("/api/v1/github/access-token", params={"id": minted.id})
        headers = bearer(minted.refresh_token)
    r = httpx.post(emulator.url + "/api/v1/access-token/refresh", headers=headers)
    assert r.status_code == 403
    assert r.content == b""
    assert "content-type" not in r.headers


def test_refresh__uses_current_row_caps(emulator):
    """A refreshed token carries the row's capabilities at refresh time."""
    minted = emulator.admin.mint_api_key("caps", ["kv_store_read", INSTALLATION_CAP])
    c = claims(refresh(emulator.url, minted.refresh_token))
    assert c["terrateam"]["capabilities"] == ["kv_store_read", INSTALLATION_CAP]
    assert c["terrateam"]["user_id"] == minted.user_id


def test_access_token_expires_with_clock_as_403(emulator):
    """An access token is accepted while now <= exp and gets 403 (never 401) after."""
    token = refresh(emulator.url, emulator.api_key)
    assert httpx.get(emulator.url + "/api/v1/whoami", headers=bearer(token)).status_code == 200
    emulator.admin.advance_clock(61)
    r = httpx.get(emulator.url + "/api/v1/whoami", headers=bearer(token))
    assert r.status_code == 403
    assert r.content == b""


def test_access_token_survives_key_deletion(emulator):
    """Deleting the API key does not revoke access tokens already issued (§1.3)."""
    minted = emulator.admin.mint_api_key("k", ["kv_store_read", "access_token_create"])
    token = refresh(emulator.url, minted.refresh_token)
    httpx.delete(
        emulator.url + "/api/v1/github/access-token",
        params={"id": minted.id},
        headers=bearer(token),
    )
    assert httpx.get(emulator.url + "/api/v1/whoami", headers=bearer(token)).status_code == 200
    r = httpx.post(
        emulator.url + "/api/v1/access-token/refresh", headers=bearer(minted.refresh_token)
    )
    assert r.status_code == 403


def test_api_key_works_on_capability_free_endpoints(emulator):
    """The API key itself is accepted by whoami and other session-only endpoints (§1.5)."""
    h = bearer(emulator.api_key)
    assert httpx.get(emulator.url + "/api/v1/whoami", headers=h).status_code == 200
    assert httpx.get(emulator.url + "/api/v1/github/whoami", headers=h).status_code == 200
    assert httpx.get(emulator.url + KV + "/key/x", headers=h).status_code == 403


def test_empty_caps_token_can_call_capability_free_endpoints(emulator, token_for):
    """A token with no capabilities still reaches whoami; KV needs caps → 403."""
    token = token_for([])
    assert httpx.get(emulator.url + "/api/v1/whoami", headers=bearer(token)).status_code == 200
    r = httpx.get(emulator.url + KV + "/key/x", headers=bearer(token))
    assert r.status_code == 403
    assert "content-type" not in r.headers


def test_bearer_scheme_case_insensitive_and_token_trimmed(emulator):
    """`bEaReR   <token>  ` works: scheme compared case-insensitively, token trimmed."""
    token = refresh(emulator.url, emulator.api_key)
    r = httpx.get(emulator.url + "/api/v1/whoami", headers={"authorization": f"bEaReR  {token}"})
    assert r.status_code == 200


def test_wrong_signature_is_403(emulator):
    """A token signed with another key → 403."""
    forged = jwt.encode(
        claims(emulator.api_key), "another-signing-key-of-at-least-32-bytes", algorithm="HS256"
    )
    r = httpx.get(emulator.url + "/api/v1/whoami", headers=bearer(forged))
    assert r.status_code == 403


def test_jwt_header_without_alg_drops_connection(emulator):
    """A JWT whose header is JSON without `alg` makes the server close the connection (§1.2.6)."""
    head = base64.urlsafe_b64encode(b'{"typ":"JWT"}').rstrip(b"=").decode()
    token = f"{head}.e30.sig"
    with pytest.raises(httpx.TransportError):
        httpx.get(emulator.url + "/api/v1/whoami", headers=bearer(token))


@pytest.mark.parametrize(
    ("caps", "method", "path", "body", "status"),
    [
        (["kv_store_read"], "PUT", "/key/a", {"data": 1}, 403),
        (["kv_store_write"], "GET", "/key/a", None, 403),
        (["kv_store_write"], "PUT", "/cas/key/a", {"data": 1}, 403),
        (["kv_store_read"], "PUT", "/cas/key/a", {"data": 1}, 403),
        (["kv_store_write"], "DELETE", "/key/a", None, 403),
        (["kv_store_read"], "POST", "/commit", {"keys": []}, 403),
        (["kv_store_write"], "GET", "/count/key/a", None, 403),
        (["kv_store_write"], "GET", "/size/key/a", None, 403),
        (["kv_store_write"], "GET", "/iter/", None, 403),
        (["kv_store_read", "kv_store_write"], "PUT", "/cas/key/a", {"data": 1}, 200),
        (["kv_store_read", "kv_store_write"], "DELETE", "/key/a", None, 200),
        (["kv_store_write"], "POST", "/commit", {"keys": []}, 200),
    ],
)
def test_kv_capability_table(emulator, token_for, caps, method, path, body, status):
    """Each KV endpoint needs exactly the capabilities of §2.4."""
    token = token_for([*caps, INSTALLATION_CAP])
    r = httpx.request(method, emulator.url + KV + path, json=body, headers=bearer(token))
    assert r.status_code == status


def test_installation_check_membership_or_cap(emulator, token_for):
    """Installation access: member OR installation cap; the cap widens, never restricts (§2.3)."""
    outsider = emulator.admin.create_user("outsider", vcs=["github"])
    no_access = token_for(["kv_store_read"], user_id=outsider)
    assert httpx.get(emulator.url + KV + "/iter/", headers=bearer(no_access)).status_code == 403
    granted = token_for(["kv_store_read", INSTALLATION_CAP], user_id=outsider)
    assert httpx.get(emulator.url + KV + "/iter/", headers=bearer(granted)).status_code == 200
    # The demo user is a member of 12345 and 678; a cap for 999 does not restrict it.
    demo_999 = token_for(["kv_store_read", {"id": "999", "name": "installation_id"}])
    assert httpx.get(emulator.url + KV + "/iter/", headers=bearer(demo_999)).status_code == 200
    # ...and opens a namespace of an installation that does not exist.
    r = httpx.get(emulator.url + "/api/v1/github/kv/999/iter/", headers=bearer(demo_999))
    assert r.status_code == 200


def test_vcs_cap_is_never_enforced(emulator, token_for):
    """A token whose vcs cap says gitlab still uses the GitHub KV (§8 #15)."""
    token = token_for(["kv_store_read", {"name": "vcs", "vcs": "gitlab"}])
    assert httpx.get(emulator.url + KV + "/iter/", headers=bearer(token)).status_code == 200


def test_run_token_valid_while_work_manifest_active(emulator):
    """A run token works while its work manifest is queued/running, then 403; it cannot refresh."""
    wm = emulator.admin.create_work_manifest(
        installation_id=12345, repo="infrastructure", run_type="plan", state="running"
    )
    token = emulator.admin.run_token(wm["id"])
    c = claims(token)
    assert "exp" not in c
    assert c["terrateam"]["capabilities"] == [INSTALLATION_CAP, "kv_store_read", "kv_store_write"]
    assert c["terrateam"]["access_token_id"] == wm["id"]
    h = bearer(token)
    assert httpx.put(emulator.url + KV + "/key/r", json={"data": 1}, headers=h).status_code == 200
    assert httpx.post(emulator.url + "/api/v1/access-token/refresh", headers=h).status_code == 403
    emulator.admin.set_work_manifest_state(wm["id"], "completed")
    assert httpx.get(emulator.url + KV + "/key/r", headers=h).status_code == 403


def test_whoami_variants(emulator, token_for):
    """whoami lists linked VCSes; /{vcs}/whoami is 403 when the user has no account there."""
    token = refresh(emulator.url, emulator.api_key)
    gh = httpx.get(emulator.url + "/api/v1/github/whoami", headers=bearer(token)).json()
    assert gh["username"] == "demo"
    assert "avatar_url" in gh
    gl = httpx.get(emulator.url + "/api/v1/gitlab/whoami", headers=bearer(token)).json()
    assert gl == {"username": "demo"}
    lone = emulator.admin.create_user("ghonly", vcs=["github"])
    t2 = token_for([], user_id=lone)
    assert httpx.get(emulator.url + "/api/v1/whoami", headers=bearer(t2)).json() == {
        "id": lone,
        "vcs": ["github"],
    }
    r = httpx.get(emulator.url + "/api/v1/gitlab/whoami", headers=bearer(t2))
    assert r.status_code == 403


def test_logout_keeps_bearer_valid(emulator):
    """logout answers 200 empty and a Bearer token stays usable."""
    token = refresh(emulator.url, emulator.api_key)
    r = httpx.post(emulator.url + "/api/v1/logout", headers=bearer(token))
    assert r.status_code == 200
    assert r.content == b""
    assert httpx.get(emulator.url + "/api/v1/whoami", headers=bearer(token)).status_code == 200
    assert httpx.post(emulator.url + "/api/v1/logout").status_code == 403


@pytest.mark.parametrize("path", ["/api/v1/server/config", "/api/v1/github/client_id", "/health"])
def test_unauthenticated_endpoints_ignore_bad_tokens(emulator, path):
    """server config, client_id and /health answer 200 even with a bad token (§8 #23)."""
    r = httpx.get(emulator.url + path, headers=bearer("garbage"))
    assert r.status_code == 200


def test_access_token_lifetime_ends_at_whole_second_exp(emulator):
    """Accepted while now <= exp = int(issue + 60), rejected just after: 59–60 s (§1.3)."""
    token = refresh(emulator.url, emulator.api_key)
    exp = claims(token)["exp"]
    now = emulator.admin.advance_clock(0)
    emulator.admin.advance_clock(max(0.0, exp - now - 0.5))
    assert httpx.get(emulator.url + "/api/v1/whoami", headers=bearer(token)).status_code == 200
    emulator.admin.advance_clock(1.0)
    assert httpx.get(emulator.url + "/api/v1/whoami", headers=bearer(token)).status_code == 403


def test_cookie_session_gets_dashboard_caps(emulator):
    """A `session` cookie is a session with the fixed dashboard caps; refresh refuses it."""
    cookie = emulator.admin.create_session()
    c = httpx.Client(base_url=emulator.url, cookies={"session": cookie})
    assert c.get("/api/v1/whoami").status_code == 200
    assert c.put(KV + "/key/ui", json={"data": 1}).status_code == 200
    assert c.post("/api/v1/access-token/refresh").status_code == 403
    assert (
        httpx.get(emulator.url + "/api/v1/whoami", cookies={"session": "nope"}).status_code == 403
    )


def test_cookie_creator_can_only_grant_dashboard_caps(emulator):
    """A dashboard caller's new key drops installation_id, vcs and system caps (§3.1, §8 #14)."""
    c = httpx.Client(base_url=emulator.url, cookies={"session": emulator.admin.create_session()})
    requested = [
        INSTALLATION_CAP,
        {"name": "vcs", "vcs": "gitlab"},
        "kv_store_system_read",
        "kv_store_read",
        "access_token_refresh",
    ]
    assert (
        c.post(
            "/api/v1/github/access-token", json={"name": "ui", "capabilities": requested}
        ).status_code
        == 200
    )
    listed = next(
        k for k in c.get("/api/v1/github/access-token").json()["results"] if k["name"] == "ui"
    )
    assert listed["capabilities"] == [{"name": "vcs", "vcs": "github"}, "kv_store_read"]


def test_bearer_overrides_cookie_without_fallback(emulator):
    """With a Bearer token present the cookie is ignored, even when the token is invalid."""
    cookie = emulator.admin.create_session()
    r = httpx.get(
        emulator.url + "/api/v1/whoami", cookies={"session": cookie}, headers=bearer("garbage")
    )
    assert r.status_code == 403


def test_logout_ends_a_cookie_session(emulator):
    """logout deletes the cookie session it was called with."""
    cookie = emulator.admin.create_session()
    c = httpx.Client(base_url=emulator.url, cookies={"session": cookie})
    assert c.post("/api/v1/logout").status_code == 200
    assert c.get("/api/v1/whoami").status_code == 403


def test_alg_none_token_is_403(emulator):
    """Only HS256 verifies: an unsigned `alg: none` token gets 403."""
    forged = jwt.encode(claims(emulator.api_key), key=None, algorithm="none")
    assert httpx.get(emulator.url + "/api/v1/whoami", headers=bearer(forged)).status_code == 403


@pytest.mark.anyio
async def test_signing_key_rotation_keeps_old_tokens_valid(tmp_path):
    """A new signing key signs new tokens; tokens from the older key still verify (§1.1)."""
    from terrateam_emulator import EmulatorSettings, create_app

    db = f"sqlite:///{tmp_path / 'rot.db'}"
    old_app = create_app(EmulatorSettings(db_url=db, seed="demo"))
    old_key = old_app.state.emulator.demo_api_key
    old_app.state.emulator.db.dispose()
    new_app = create_app(
        EmulatorSettings(db_url=db, seed="demo", signing_key="rotated-key-" + "x" * 32)
    )
    transport = httpx.ASGITransport(app=new_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://e") as c:
        r = await c.post("/api/v1/access-token/refresh", headers=bearer(old_key))
        assert r.status_code == 200
        assert jwt.decode(
            r.json()["token"],
            "rotated-key-" + "x" * 32,
            algorithms=["HS256"],
            options={"verify_exp": False},
        )
    assert new_app.state.emulator.demo_api_key != old_key
    new_app.state.emulator.db.dispose()
