"""Secrets (API keys, access tokens, KV data) never show up in logs, reprs or errors."""

from __future__ import annotations

import logging

import httpx
import pytest
from emu_helpers import KV, bearer, refresh

from terrateam_emulator.testing import EmulatorAdmin


def test_server_logs_carry_no_tokens_or_kv_values(emulator, caplog):
    """A full refresh → KV flow (including failures) logs no token and no KV value."""
    caplog.set_level(logging.DEBUG)
    token = refresh(emulator.url, emulator.api_key)
    secret = "s3cr3t-value-do-not-log"
    c = httpx.Client(base_url=emulator.url, headers=bearer(token))
    c.put(KV + "/key/secret", json={"data": secret, "write_caps": ["kv_store_system_read"]})
    c.put(KV + "/key/secret", json={"data": secret})  # 500: write-protected
    c.get(KV + "/key/secret")
    httpx.get(emulator.url + "/api/v1/whoami", headers=bearer(token + "x"))
    logged = caplog.text
    for needle in (token, emulator.api_key, secret):
        assert needle not in logged


def test_admin_errors_do_not_echo_tokens(emulator):
    """Developer-API errors name the problem, not credentials."""
    admin = EmulatorAdmin(emulator.url)
    with pytest.raises(RuntimeError) as info:
        admin.mint_api_key("x", ["not-a-cap"])
    assert emulator.api_key not in str(info.value)
    admin.close()


def test_reprs_hide_keys(emulator):
    """Fixture object, minted key and admin reprs contain no token."""
    minted = emulator.admin.mint_api_key("r", [])
    for obj in (emulator, minted, emulator.admin, emulator.server):
        assert minted.refresh_token not in repr(obj)
        assert emulator.api_key not in repr(obj)


def test_auth_failures_have_empty_bodies(emulator):
    """A rejected token is not reflected back in the 403 answer."""
    r = httpx.get(emulator.url + "/api/v1/whoami", headers=bearer("secret-looking-token"))
    assert r.status_code == 403
    assert r.content == b""
