"""Every 200 JSON body of the emulator's auth, token and KV endpoints matches the upstream
schema (with the §8 #25 overlay); skips when ../shared/reference is absent."""

from __future__ import annotations

import jsonschema
import pytest
from emu_helpers import KV, REFERENCE

from terrateam_emulator.server.spec import load_overlay, load_patched_spec, response_schema

SPEC_FILE = REFERENCE / "terrateam-openapi.json"
pytestmark = pytest.mark.skipif(
    not SPEC_FILE.exists(), reason=f"upstream OpenAPI spec not found at {SPEC_FILE}"
)

KVT = "/api/v1/{vcs}/kv/{installation_id}"


@pytest.fixture(scope="module")
def spec():
    """The patched upstream spec."""
    return load_patched_spec(SPEC_FILE)


def check(spec, method, template, response):
    """Assert a 200 JSON response matches its documented schema."""
    assert response.status_code == 200, (method, template, response.status_code)
    schema = response_schema(spec, method, template)
    assert schema is not None, f"no documented 200 body for {method} {template}"
    jsonschema.validate(response.json(), schema)


def test_overlay_patches_apply_and_name_their_reason(spec):
    """Each overlay patch has a reason and the patched lists no longer name phantom fields."""
    assert all(p["why"] for p in load_overlay()["patches"])
    required = spec["components"]["schemas"]["installation-work-manifest"]["required"]
    assert "ref" not in required
    assert len(required) == len(set(required))


def test_kv_bodies_match_schema(spec, api):
    """get, set, cas, delete, count, size, iter and commit bodies validate."""
    body = {"data": {"b": [1, 2.5]}, "read_caps": ["kv_store_read"], "write_caps": []}
    check(spec, "PUT", KVT + "/key/{key}", api.put(KV + "/key/a", json=body))
    check(spec, "PUT", KVT + "/cas/key/{key}", api.put(KV + "/cas/key/b", json={"data": None}))
    check(spec, "GET", KVT + "/key/{key}", api.get(KV + "/key/a"))
    check(spec, "GET", KVT + "/count/key/{key}", api.get(KV + "/count/key/a"))
    check(spec, "GET", KVT + "/size/key/{key}", api.get(KV + "/size/key/a"))
    check(spec, "GET", KVT + "/iter/{key}", api.get(KV + "/iter/"))
    api.put(KV + "/key/u", json={"data": 1, "committed": False})
    check(spec, "POST", KVT + "/commit", api.post(KV + "/commit", json={"keys": [{"key": "u"}]}))
    check(spec, "DELETE", KVT + "/key/{key}", api.delete(KV + "/key/a"))


def test_identity_bodies_match_schema(spec, api, emulator):
    """whoami (3), refresh, server config and client id bodies validate."""
    import httpx

    check(spec, "GET", "/api/v1/whoami", api.get("/api/v1/whoami"))
    check(spec, "GET", "/api/v1/github/whoami", api.get("/api/v1/github/whoami"))
    check(spec, "GET", "/api/v1/gitlab/whoami", api.get("/api/v1/gitlab/whoami"))
    check(spec, "GET", "/api/v1/server/config", api.get("/api/v1/server/config"))
    check(spec, "GET", "/api/v1/github/client_id", api.get("/api/v1/github/client_id"))
    r = httpx.post(
        emulator.url + "/api/v1/access-token/refresh",
        headers={"authorization": f"Bearer {emulator.api_key}"},
    )
    check(spec, "POST", "/api/v1/access-token/refresh", r)


def test_access_token_bodies_match_schema(spec, api):
    """create and list bodies validate."""
    r = api.post("/api/v1/github/access-token", json={"name": "n", "capabilities": []})
    check(spec, "POST", "/api/v1/{vcs}/access-token", r)
    check(spec, "GET", "/api/v1/{vcs}/access-token", api.get("/api/v1/github/access-token"))


def test_coverage_lists_auth_token_and_kv_operations_as_implemented(spec):
    """The coverage page marks every KV, access-token and identity operation implemented."""
    from terrateam_emulator import create_app
    from terrateam_emulator.server.coverage import coverage_markdown, coverage_rows

    rows = {(m, p): s for m, p, _, s in coverage_rows(create_app(), spec)}
    mine = [k for k in rows if "/kv/" in k[1] or "access-token" in k[1] or "whoami" in k[1]]
    mine = [
        k
        for k in mine
        if k != ("GET", "/api/v1/gitlab/whoareyou")
        and "/installations/" not in k[1]
        and k[1].startswith("/api/v1/")
    ]
    assert len(mine) >= 14
    assert {rows[k] for k in mine} == {"implemented"}
    assert rows[("GET", "/api/v1/gitlab/whoareyou")].startswith("not on the real server")
    assert "| method | path |" in coverage_markdown(create_app(), spec)
