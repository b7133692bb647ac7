"""Layer 3: ApiToken through the real provider server, against the emulator on loopback."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_terrateam import ApiToken
from pulumi_terrateam.testing import Engine, EngineError

pytestmark = pytest.mark.pulumi

VCS_GITHUB = {"name": "vcs", "vcs": "github"}


def _ids(client: Any) -> set[str]:
    return {k.id for k in client.access_tokens.list()}


def test_api_token_lifecycle(engine: Engine, client: Any) -> None:
    """create → no-op → replace → out-of-band delete → refresh → up → destroy."""
    inputs = {"name": "ci-deploy", "capabilities": ["kv_store_read"]}
    baseline = _ids(client)  # the demo user's own key
    state = engine.up(ApiToken, "ci", inputs)
    assert state.op == "create"
    first_id = state.outputs["token_id"]
    assert state.id == first_id
    assert state.outputs["refresh_token"]
    assert VCS_GITHUB in state.outputs["capabilities"]
    assert "kv_store_read" in state.outputs["capabilities"]
    assert first_id in _ids(client)

    state = engine.up(ApiToken, "ci", inputs, state)
    assert state.op == "same"

    state = engine.up(
        ApiToken, "ci", {**inputs, "capabilities": ["kv_store_read", "kv_store_write"]}, state
    )
    # Same name and no allow_duplicate_name: the old key goes first, or the guard would refuse.
    assert state.op == "replace(dbr)"
    assert state.outputs["token_id"] != first_id
    assert _ids(client) == baseline | {state.outputs["token_id"]}

    client.access_tokens.delete(state.outputs["token_id"])
    assert engine.refresh(state) is None

    state = engine.up(ApiToken, "ci", inputs)
    assert state.op == "create"
    engine.destroy(state)
    assert state.outputs["token_id"] not in _ids(client)
    engine.destroy(state)  # idempotent: deleting a deleted key succeeds


def test_api_token_refresh_keeps_secret_and_detects_capability_drift(
    engine: Engine, client: Any
) -> None:
    """Refresh keeps the refresh token; caps differing from the state make the next up replace."""
    inputs = {"name": "drift", "capabilities": ["kv_store_read", "kv_store_write"]}
    state = engine.up(ApiToken, "drift", inputs)
    secret = state.outputs["refresh_token"]
    # The server cannot edit a key; drift means the state disagrees with the server, e.g. a
    # state written when the key had fewer capabilities.
    state.outputs["capabilities"] = [VCS_GITHUB, "kv_store_read"]
    refreshed = engine.refresh(state)
    assert refreshed is not None
    assert refreshed.outputs["refresh_token"] == secret
    assert "kv_store_write" in refreshed.outputs["capabilities"]
    assert sorted(map(str, refreshed.inputs["capabilities"])) == [
        "kv_store_read",
        "kv_store_write",
    ]
    assert engine.up(ApiToken, "drift", inputs, refreshed).op == "same"

    # Now the program asks for less than the server has: the next up replaces.
    assert (
        engine.preview(ApiToken, "drift", {**inputs, "capabilities": ["kv_store_read"]}, refreshed)
        == "replace(dbr)"
    )
    engine.destroy(refreshed)


def test_api_token_duplicate_name_refused_unless_allowed(engine: Engine, client: Any) -> None:
    """A second key with an existing name fails clearly; allow_duplicate_name opts in."""
    baseline = _ids(client)
    existing = client.access_tokens.create("shared-name", ["kv_store_read"])
    with pytest.raises(EngineError) as info:
        engine.up(ApiToken, "dup", {"name": "shared-name", "capabilities": ["kv_store_read"]})
    assert "already exists" in info.value.message
    assert "allow_duplicate_name=True" in info.value.message
    assert existing.id in info.value.message
    assert _ids(client) == baseline | {existing.id}

    state = engine.up(
        ApiToken,
        "dup",
        {"name": "shared-name", "capabilities": ["kv_store_read"], "allow_duplicate_name": True},
    )
    assert len(_ids(client)) == len(baseline) + 2
    # With duplicates allowed a replacement creates the new key before deleting the old one.
    new = engine.up(
        ApiToken,
        "dup",
        {"name": "shared-name", "capabilities": ["kv_store_write"], "allow_duplicate_name": True},
        state,
    )
    assert new.op == "replace"
    assert _ids(client) == baseline | {existing.id, new.outputs["token_id"]}


def test_api_token_dropped_capabilities_fail_and_leave_nothing(engine: Engine, client: Any) -> None:
    """Caps the caller lacks are silently dropped by the server: fail, naming them, and clean up."""
    with pytest.raises(EngineError) as info:
        engine.up(
            ApiToken,
            "greedy",
            {"name": "greedy", "capabilities": ["kv_store_read", "kv_store_system_read"]},
        )
    assert "kv_store_system_read" in info.value.message
    assert "dropped" in info.value.message
    assert "kv_store_read," not in info.value.message
    assert not [k for k in client.access_tokens.list() if k.name == "greedy"]


def test_api_token_check_failures_name_the_field(engine: Engine) -> None:
    """Invalid inputs come back as Check failures naming each field."""
    with pytest.raises(EngineError) as info:
        engine.up(ApiToken, "bad", {"name": "", "capabilities": ["kv_read"], "vcs": "svn"})
    fields = {prop for prop, _ in info.value.failures}
    assert fields == {"name", "capabilities", "vcs"}
    assert "unknown capability 'kv_read'" in info.value.message
