"""Layer 3: preview with unknowns, error messages and secret hygiene over gRPC."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_terrateam import ApiToken, KvEntry
from pulumi_terrateam.testing import UNKNOWN, Engine, EngineError

pytestmark = pytest.mark.pulumi


def test_preview_with_unknown_inputs(engine: Engine, emulator: Any) -> None:
    """Unknown inputs skip validation and plan create/update/replace without calling the API."""
    assert engine.preview(ApiToken, "p", {"name": UNKNOWN, "capabilities": [UNKNOWN]}) == "create"
    state = engine.up(KvEntry, "p", {"key": "p", "value": 1})
    emulator.admin.reset_stats()
    assert engine.preview(KvEntry, "p", {"key": "p", "value": UNKNOWN}, state) == "update"
    assert engine.preview(KvEntry, "p", {"key": UNKNOWN, "value": 1}, state) == "replace"
    assert engine.preview(KvEntry, "p", {"key": "p", "value": 1}, state) == "same"
    assert emulator.admin.stats()["total"] == 0


def test_bad_api_key_error_says_what_to_fix_and_hides_the_key(terrateam_emulator: Any) -> None:
    """A rejected key surfaces as a credentials error that never echoes the key."""
    bogus = "not-a-real-terrateam-key-31337"
    config = {"terrateam:apiKey": bogus, "terrateam:baseUrl": terrateam_emulator.url}
    with Engine(config=config) as bad, pytest.raises(EngineError) as info:
        bad.up(KvEntry, "k", {"key": "k", "value": 1, "installation_id": 12345})
    assert "rejected the credentials" in info.value.message
    assert "terrateam:apiKey" in info.value.message
    assert bogus not in info.value.details


def test_env_fallback_read_at_call_time(terrateam_emulator: Any, emulator: Any) -> None:
    """With no stack config the provider process uses TERRATEAM_* from its environment."""
    env = {
        "TERRATEAM_API_KEY": terrateam_emulator.api_key,
        "TERRATEAM_BASE_URL": terrateam_emulator.url,
        "TERRATEAM_INSTALLATION_ID": "12345",
    }
    with Engine(env=env) as by_env:
        state = by_env.up(KvEntry, "e", {"key": "env", "value": "ok"})
        assert state.outputs["installation_id"] == 12345
        by_env.destroy(state)


def test_missing_credentials_error_names_both_ways_to_configure(
    terrateam_emulator: Any, tmp_path: Any
) -> None:
    """No key anywhere: the error names the stack config key and the environment variable."""
    env = {
        "TERRATEAM_API_KEY": "",
        "TERRATEAM_ACCESS_TOKEN": "",
        "TTM_API_KEY": "",
        "TERRATEAM_CONFIG_FILE": str(tmp_path / "none.toml"),
        "HOME": str(tmp_path),
    }
    config = {"terrateam:baseUrl": terrateam_emulator.url}
    with Engine(config=config, env=env) as empty, pytest.raises(EngineError) as info:
        empty.up(KvEntry, "k", {"key": "k", "value": 1, "installation_id": 12345})
    assert "terrateam:apiKey" in info.value.message
    assert "TERRATEAM_API_KEY" in info.value.message


def test_secrets_stay_out_of_errors_and_reprs(engine: Engine, client: Any) -> None:
    """Refresh tokens and KV values never show in reprs or provider error details."""
    token = engine.up(ApiToken, "s", {"name": "s", "capabilities": ["kv_store_read"]})
    secret = token.outputs["refresh_token"]
    assert secret not in repr(token)
    entry = engine.up(KvEntry, "v", {"key": "v", "value": "hunter2-value"})
    assert "hunter2-value" not in repr(entry)
    client.kv.set("v", "other")
    with pytest.raises(EngineError) as info:
        engine.up(KvEntry, "v", {"key": "v", "value": "hunter2-value-new"}, entry)
    assert "hunter2" not in info.value.details
    assert secret not in info.value.details


def test_missing_capability_error(terrateam_emulator: Any, emulator: Any) -> None:
    """A key without access_token_create gets a permission error naming the problem."""
    minted = emulator.admin.mint_api_key("kv-only", ["kv_store_read", "kv_store_write"])
    config = {
        "terrateam:apiKey": minted.refresh_token,
        "terrateam:baseUrl": terrateam_emulator.url,
    }
    with Engine(config=config) as limited, pytest.raises(EngineError) as info:
        limited.up(ApiToken, "t", {"name": "t", "capabilities": ["kv_store_read"]})
    assert "permission denied" in info.value.message
    assert "capability" in info.value.message
    assert minted.refresh_token not in info.value.details


def test_provider_process_output_holds_no_secrets(
    engine: Engine, client: Any, terrateam_emulator: Any
) -> None:
    """Nothing the provider server prints contains the API key, a refresh token or a value."""
    token = engine.up(ApiToken, "quiet", {"name": "quiet", "capabilities": ["kv_store_read"]})
    entry = engine.up(KvEntry, "quiet", {"key": "quiet", "value": "s3cr3t-value"})
    engine.destroy(entry)
    engine.destroy(token)
    printed = "\n".join(engine.stderr)
    assert token.outputs["refresh_token"] not in printed
    assert "s3cr3t-value" not in printed
    assert terrateam_emulator.api_key not in printed


def test_import_is_unsupported_by_dynamic_providers(engine: Engine) -> None:
    """`pulumi import` sends Read with only an id; the SDK's server cannot find __provider."""
    with pytest.raises(EngineError) as info:
        engine.import_(KvEntry, "imported", "github/12345/some/key")
    assert "KeyError" in info.value.message
    assert "__provider" in info.value.message
