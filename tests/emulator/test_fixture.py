"""The pytest fixtures and `EmulatorServer`: what other areas' tests stand on."""

from __future__ import annotations

import httpx
import pytest
from emu_helpers import KV, bearer, refresh

from terrateam_emulator import EmulatorSettings, create_app
from terrateam_emulator.server.errors import EmulatorError


def test_fixture_serves_demo_key_on_loopback(emulator):
    """The session server listens on 127.0.0.1 and its demo key refreshes to a working token."""
    assert emulator.url.startswith("http://127.0.0.1:")
    token = refresh(emulator.url, emulator.api_key)
    r = httpx.get(emulator.url + "/api/v1/whoami", headers=bearer(token))
    assert r.status_code == 200
    assert r.json()["vcs"] == ["github", "gitlab"]
    assert (emulator.installation_id, emulator.gitlab_installation_id) == (12345, 678)


def test_fixture_reset_gives_fresh_data_same_key(emulator, api):
    """`emulator` resets data between tests while keeping the URL and the demo key."""
    assert api.put(KV + "/key/fixture-probe", json={"data": 1}).status_code == 200
    key_before = emulator.api_key
    emulator.admin.reset()
    assert emulator.api_key == key_before
    token = refresh(emulator.url, emulator.api_key)
    r = httpx.get(emulator.url + KV + "/key/fixture-probe", headers=bearer(token))
    assert r.status_code == 404


def test_fixture_repr_hides_the_api_key(emulator):
    """Neither the fixture object nor a minted key shows a token in its repr."""
    minted = emulator.admin.mint_api_key("repr-probe", ["kv_store_read"])
    assert emulator.api_key not in repr(emulator)
    assert minted.refresh_token not in repr(minted)


@pytest.mark.anyio
async def test_emulator_app_works_in_process(emulator_app):
    """`emulator_app` answers through ASGITransport with its own demo key."""
    key = emulator_app.state.emulator.demo_api_key
    transport = httpx.ASGITransport(app=emulator_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as c:
        r = await c.post("/api/v1/access-token/refresh", headers=bearer(key))
        assert r.status_code == 200
        r = await c.get("/api/v1/whoami", headers=bearer(r.json()["token"]))
        assert r.json()["id"]


def test_two_apps_have_independent_stores():
    """Two `create_app()` instances share no data (state lives on the app)."""
    a, b = create_app(EmulatorSettings(seed="demo")), create_app(EmulatorSettings(seed="demo"))
    sa, sb = a.state.emulator, b.state.emulator
    sa.kv.set("github:12345", "only-a", _write(1), caps=[])
    assert sa.kv.count("github:12345", "only-a", committed=True, caps=[]) == (1, 0)
    assert sb.db.engine is not sa.db.engine
    with pytest.raises(EmulatorError) as info:
        sb.kv.count("github:12345", "only-a", committed=True, caps=[])
    assert info.value.status == 404
    assert sa.signing_key != sb.signing_key


def _write(data):
    from terrateam_emulator.resources.kv.backend import KVWrite

    return KVWrite(data=data)
