"""Layer 3: connections, ``Resource.get`` and refresh of hidden records through the real
provider server (``python -m pulumi.dynamic``) against the emulator on loopback."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pulumi
import pytest
from accounts import SECOND_INSTALLATION, SECOND_VCS, connection_input, second_account

from pulumi_terrateam import ApiToken, KvArtifact, KvEntry
from pulumi_terrateam.testing import Engine, EngineError

pytestmark = pytest.mark.pulumi


def _warned(engine: Engine, *words: str) -> bool:
    """Whether the provider wrote a line with every word to stderr (drained by a thread)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if any(all(w in line for w in words) for line in list(engine.stderr)):
            return True
        time.sleep(0.05)
    return False


def _second_client(emulator: Any, key: str) -> Any:
    from terrateam_core import TerrateamClient

    return TerrateamClient(
        key, base_url=emulator.url, vcs=SECOND_VCS, installation_id=SECOND_INSTALLATION
    )


def test_two_accounts_in_one_provider_process(engine: Engine, client: Any, emulator: Any) -> None:
    """One resource on the stack's account, one on a connection: each lands in its own place,
    refreshes and is destroyed with its own credentials (the ones stored in its state)."""
    ops = second_account(emulator)
    conn = connection_input(emulator, ops.refresh_token)
    mine = engine.up(KvEntry, "mine", {"key": "two/k", "value": "stack"})
    theirs = engine.up(KvEntry, "theirs", {"key": "two/k", "value": "ops", "connection": conn})
    assert mine.id == "github/12345/two/k"
    assert theirs.id == f"{SECOND_VCS}/{SECOND_INSTALLATION}/two/k"
    assert theirs.outputs["connection"]["base_url"] == emulator.url
    assert "connection" not in repr(theirs).split("outputs=")[1].replace(
        "'connection': '[secret]'", ""
    )
    with _second_client(emulator, ops.refresh_token) as other:
        assert other.kv.get("two/k").data == "ops"
        assert client.kv.get("two/k").data == "stack"
        assert engine.up(KvEntry, "theirs", {"key": "two/k", "value": "ops", "connection": conn},
                         theirs).op == "same"  # fmt: skip
        refreshed = engine.refresh(theirs)
        assert refreshed is not None
        assert refreshed.inputs["connection"]["installation_id"] == SECOND_INSTALLATION
        engine.destroy(theirs)
        assert other.kv.get_or_none("two/k") is None
    assert client.kv.get("two/k").data == "stack", "the other account's delete left it alone"
    engine.destroy(mine)


def test_a_changed_connection_is_an_update_without_a_write(engine: Engine, emulator: Any) -> None:
    """Rotating the connection's key updates the state in place; the record is not rewritten."""
    first, second = second_account(emulator, "ops1"), None
    conn = connection_input(emulator, first.refresh_token)
    inputs = {"key": "rot/k", "value": 1, "connection": conn}
    state = engine.up(KvEntry, "rot", inputs)
    user = emulator.admin.create_user("ops2", vcs=[SECOND_VCS], installations=[SECOND_INSTALLATION])
    second = emulator.admin.mint_api_key(
        "ops2", ["kv_store_read", "kv_store_write", {"name": "vcs", "vcs": SECOND_VCS}], user
    )
    rotated = {**inputs, "connection": connection_input(emulator, second.refresh_token)}
    assert engine.preview(KvEntry, "rot", rotated, state) == "update"
    state = engine.up(KvEntry, "rot", rotated, state)
    assert state.op == "update"
    assert state.outputs["version"] == 0, "no write for a connection-only change"
    assert state.outputs["connection"]["api_key"] == second.refresh_token
    engine.destroy(state)  # with the new key


def test_bad_connection_fails_check_naming_the_field(engine: Engine) -> None:
    """A malformed connection is a Check failure on ``connection`` (nothing is created)."""
    with pytest.raises(EngineError) as err:
        engine.up(KvEntry, "bad", {"key": "k", "value": 1, "connection": {"vcs": "svn"}})
    assert err.value.failures == [
        ("connection", "connection.vcs must be github or gitlab, got 'svn'")
    ]


def test_get_reads_existing_objects_read_only(engine: Engine, client: Any, tmp_path: Path) -> None:
    """KvEntry.get / KvArtifact.get / ApiToken.get: a Read of a known id with no inputs."""
    client.kv.set("get/cfg", {"a": 1}, idx=2)
    entry = engine.get(KvEntry, "cfg", "github/12345/get/cfg#2")
    assert entry.outputs["value"] == {"a": 1}
    assert (entry.outputs["key"], entry.outputs["idx"]) == ("get/cfg", 2)
    assert "version" in entry.outputs

    client.kv.put_artifact("get/art", b"bytes!")
    art = engine.get(KvArtifact, "art", "github/12345/get/art")
    assert art.outputs["size"] == 6

    created = client.access_tokens.create("get-me", ["kv_store_read"])
    token = engine.get(ApiToken, "tok", str(created.id))
    assert token.outputs["name"] == "get-me"
    assert "refresh_token" not in token.outputs, "a key is shown only when created"

    with pytest.raises(EngineError, match="does not exist"):
        engine.get(KvEntry, "gone", "github/12345/get/none")
    with pytest.raises(EngineError, match="not a KvEntry id"):
        engine.get(KvEntry, "badid", "get/cfg")
    assert client.kv.get("get/cfg", idx=2).version == 0, "reading never writes"


def test_get_with_a_connection_reads_the_other_account(engine: Engine, emulator: Any) -> None:
    """The connection given to get() is the one the read uses."""
    ops = second_account(emulator)
    with _second_client(emulator, ops.refresh_token) as other:
        other.kv.set("get/theirs", "x")
    conn = connection_input(emulator, ops.refresh_token)
    entry = engine.get(KvEntry, "theirs", "gitlab/678/get/theirs", {"connection": conn})
    assert entry.outputs["value"] == "x"


def test_refresh_keeps_a_record_hidden_by_read_caps(
    engine: Engine, client: Any, emulator: Any
) -> None:
    """read_caps the key lacks make the server answer 404: hidden, not deleted — kept, warned.
    A record without read_caps that is really deleted is dropped."""
    hidden = engine.up(KvEntry, "hidden", {"key": "h/k", "value": 1,
                                            "read_caps": ["kv_store_system_read"]})  # fmt: skip
    assert client.kv.get_or_none("h/k") is None, "the key cannot read it back"
    kept = engine.refresh(hidden)
    assert kept is not None
    assert kept.outputs["version"] == hidden.outputs["version"]
    assert _warned(engine, "read_caps", "h/k")

    plain = engine.up(KvEntry, "plain", {"key": "h/plain", "value": 1})
    client.kv.delete("h/plain")
    assert engine.refresh(plain) is None
    engine.destroy(kept)


def test_refresh_keeps_state_when_the_key_may_not_read(
    engine: Engine, client: Any, emulator: Any
) -> None:
    """A 403 (no kv_store_read) on refresh keeps the state and warns instead of dropping it."""
    from dataclasses import replace

    state = engine.up(KvEntry, "wo", {"key": "w/k", "value": 1})
    # The state now names a key that may not read (e.g. rotated to a write-only key).
    writer = emulator.admin.mint_api_key("writer", ["kv_store_write"])
    conn = {"base_url": emulator.url, "api_key": writer.refresh_token, "installation_id": 12345}
    state = replace(state, outputs={**state.outputs, "connection": conn})
    kept = engine.refresh(state)
    assert kept is not None
    assert _warned(engine, "403", "w/k")
    client.kv.delete("w/k")


def test_kv_artifact_on_a_connection(engine: Engine, emulator: Any, tmp_path: Path) -> None:
    """KvArtifact uploads with the connection's account and installation."""
    ops = second_account(emulator)
    path = tmp_path / "f.bin"
    path.write_bytes(b"artifact")
    conn = connection_input(emulator, ops.refresh_token)
    state = engine.up(KvArtifact, "a", {"key": "c/art", "source": pulumi.FileAsset(str(path)),
                                        "connection": conn})  # fmt: skip
    assert state.id == "gitlab/678/c/art"
    with _second_client(emulator, ops.refresh_token) as other:
        assert other.kv.artifact_info("c/art").size == len(b"artifact")
        engine.destroy(state)
        assert other.kv.get_or_none("c/art") is None


def test_api_token_on_a_connection(engine: Engine, emulator: Any) -> None:
    """An ApiToken on a connection is created (and its vcs defaulted) for that account."""
    ops = second_account(emulator)
    conn = connection_input(emulator, ops.refresh_token)
    state = engine.up(ApiToken, "ops-ci", {"name": "ops-ci", "capabilities": ["kv_store_read"],
                                           "connection": conn})  # fmt: skip
    assert state.outputs["vcs"] == SECOND_VCS, "vcs defaults to the connection's"
    assert state.outputs["refresh_token"]
    same = {"name": "ops-ci", "capabilities": ["kv_store_read"], "connection": conn}
    assert engine.preview(ApiToken, "ops-ci", same, state) == "same"
    with _second_client(emulator, ops.refresh_token) as other:
        assert [k.name for k in other.access_tokens.list() if k.id == state.id] == ["ops-ci"]
    engine.destroy(state)
    with _second_client(emulator, ops.refresh_token) as other:
        assert not [k for k in other.access_tokens.list() if k.id == state.id]


def test_preview_with_a_connection_not_known_yet(engine: Engine) -> None:
    """A connection built from another resource's output is unknown during preview: the plan
    still works (its defaults are unknown too, nothing fails)."""
    from pulumi_terrateam.testing import UNKNOWN

    assert engine.preview(KvEntry, "later", {"key": "p/k", "value": 1, "connection": UNKNOWN}) == (
        "create"
    )
