"""KV `select` (§4.7): faithful mode answers 500, intended mode projects via JSONPath."""

from __future__ import annotations

import httpx
import jwt
import pytest
from emu_helpers import KV, bearer

from terrateam_emulator import EmulatorSettings, create_app
from terrateam_emulator.resources.kv.jsonpath import JsonPathSyntaxError, compile_path, first_match


def test_faithful_mode_non_empty_select_is_500(api):
    """In the default (faithful) mode any non-empty select makes get and iter 500."""
    api.put(KV + "/key/s", json={"data": {"a": 1}})
    for path in (KV + "/key/s", KV + "/iter/"):
        r = api.get(path, params={"select": "x=a"})
        assert r.status_code == 500
        assert "content-type" not in r.headers


def test_empty_select_entries_give_empty_object(api):
    """select with only empty entries → data {} (both modes)."""
    api.put(KV + "/key/s", json={"data": {"a": 1}})
    body = api.get(KV + "/key/s?select=").json()
    assert body["data"] == {}
    assert body["size"] == len('{"a": 1}')


@pytest.fixture
def intended():
    """An in-process client on an app in `intended` select mode, with a token."""
    app = create_app(EmulatorSettings(seed="demo", select_mode="intended"))
    st = app.state.emulator
    claim = jwt.decode(st.demo_api_key, options={"verify_signature": False})["terrateam"]
    token = st.identity.refresh(claim["access_token_id"], claim["user_id"])
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://e", headers=bearer(token)
    )


@pytest.mark.anyio
async def test_intended_mode_projects_first_match(intended):
    """Intended mode builds {name: first match or null}; size still reports the full record."""
    async with intended as c:
        data = {"a": {"b": [10, 20]}, "l": [{"k": 1}, {"k": 2}], "s": "x"}
        await c.put(KV + "/key/p", json={"data": data})
        r = await c.get(KV + "/key/p?select=one=a.b[1],k=l.k,none=zzz,all=l[*].k")
        assert r.json()["data"] == {"one": 20, "k": 1, "none": None, "all": 1}
        it = await c.get(KV + "/iter/p?select=s=s")
        assert it.json()["results"][0]["data"] == {"s": "x"}


@pytest.mark.anyio
async def test_intended_mode_invalid_path_is_400(intended):
    """An unparseable path → 400, empty, application/json."""
    async with intended as c:
        await c.put(KV + "/key/p", json={"data": 1})
        r = await c.get(KV + "/key/p", params={"select": "x=a..b"})
        assert r.status_code == 400
        assert r.headers["content-type"] == "application/json"


@pytest.mark.parametrize("path", ["", "a..b", "a[", "a[x]", ".a", "a b"])
def test_jsonpath_rejects(path):
    """Syntax errors raise."""
    with pytest.raises(JsonPathSyntaxError):
        compile_path(path)


def test_jsonpath_lax_semantics():
    """Member access unwraps arrays; index on a scalar wraps it (lax mode)."""
    assert first_match(compile_path("a.b"), {"a": [{"b": 1}, {"b": 2}]}) == (True, 1)
    assert first_match(compile_path("a[0]"), {"a": 5}) == (True, 5)
    assert first_match(compile_path('"x y"[last]'), {"x y": [1, 2, 3]}) == (True, 3)
    assert first_match(compile_path("a.*"), {"a": {"q": 7}}) == (True, 7)
    assert first_match(compile_path("nope"), {"a": 1}) == (False, None)
