"""Layer 3: KvEntry through the real provider server, against the emulator on loopback."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from pulumi_terrateam import KvEntry
from pulumi_terrateam.testing import Engine, EngineError

pytestmark = pytest.mark.pulumi


def test_kv_entry_lifecycle(engine: Engine, client: Any) -> None:
    """create → no-op → update → replace → out-of-band change → refresh → up → destroy."""
    inputs = {"key": "app/config", "value": {"region": "eu", "replicas": 2}}
    state = engine.up(KvEntry, "cfg", inputs)
    assert state.op == "create"
    assert state.id == "github/12345/app/config"
    assert state.outputs["version"] == 0
    assert state.outputs["installation_id"] == 12345  # filled from terrateam:installationId
    assert client.kv.get("app/config").data == {"region": "eu", "replicas": 2}

    assert engine.up(KvEntry, "cfg", inputs, state).op == "same"

    inputs["value"] = {"region": "eu", "replicas": 3}
    state = engine.up(KvEntry, "cfg", inputs, state)
    assert state.op == "update"
    assert state.outputs["version"] == 1.0  # numbers travel as floats
    assert client.kv.get("app/config").data["replicas"] == 3

    inputs["key"] = "app/config2"
    state = engine.up(KvEntry, "cfg", inputs, state)
    assert state.op == "replace"
    assert client.kv.get_or_none("app/config") is None
    assert client.kv.get("app/config2").data["replicas"] == 3

    client.kv.set("app/config2", {"region": "us"})  # somebody edits it outside Pulumi
    inputs["value"] = {"region": "eu", "replicas": 4}
    with pytest.raises(EngineError) as info:
        engine.up(KvEntry, "cfg", inputs, state)
    assert "changed outside Pulumi" in info.value.message
    assert "pulumi refresh" in info.value.message
    assert "(github:12345 idx 0)" in info.value.message
    assert client.kv.get("app/config2").data == {"region": "us"}, "not overwritten"

    state = engine.refresh(state)
    assert state is not None
    assert state.outputs["value"] == {"region": "us"}
    assert state.outputs["version"] == 1
    state = engine.up(KvEntry, "cfg", inputs, state)
    assert state.op == "update"
    assert client.kv.get("app/config2").data == {"region": "eu", "replicas": 4}

    engine.destroy(state)
    assert client.kv.get_or_none("app/config2") is None
    engine.destroy(state)  # already gone counts as deleted


def test_kv_entry_out_of_band_delete_is_dropped_by_refresh(engine: Engine, client: Any) -> None:
    """A record deleted elsewhere disappears from state on refresh and is recreated by up."""
    inputs = {"key": "gone", "value": "x"}
    state = engine.up(KvEntry, "gone", inputs)
    client.kv.delete("gone")
    assert engine.refresh(state) is None
    assert engine.up(KvEntry, "gone", inputs).op == "create"
    assert client.kv.get("gone").data == "x"


def test_kv_entry_existing_key_needs_adopt(engine: Engine, client: Any) -> None:
    """Create refuses an existing key unless adopt=True, which takes it over by CAS."""
    client.kv.set("taken", {"old": True})
    with pytest.raises(EngineError) as info:
        engine.up(KvEntry, "taken", {"key": "taken", "value": {"new": True}})
    assert "already exists" in info.value.message
    assert "adopt=True" in info.value.message

    state = engine.up(KvEntry, "taken", {"key": "taken", "value": {"new": True}, "adopt": True})
    assert state.outputs["version"] == 1
    assert client.kv.get("taken").data == {"new": True}


def test_kv_entry_delete_refuses_when_changed_outside(engine: Engine, client: Any) -> None:
    """Destroy uses the state's version: a record changed elsewhere is not deleted."""
    state = engine.up(KvEntry, "d", {"key": "d", "value": 1})
    client.kv.set("d", 2)
    with pytest.raises(EngineError, match="changed outside Pulumi"):
        engine.destroy(state)
    assert client.kv.get("d").data == 2


def test_kv_entry_replaces_on_idx_and_updates_caps(engine: Engine, client: Any) -> None:
    """idx changes replace; read/write caps and committed update in place."""
    state = engine.up(KvEntry, "i", {"key": "i", "value": "a"})
    state = engine.up(
        KvEntry, "i", {"key": "i", "value": "a", "read_caps": ["kv_store_read"]}, state
    )
    assert state.op == "update"
    assert client.kv.get("i").read_caps is not None
    state = engine.up(KvEntry, "i", {"key": "i", "value": "a", "idx": 1}, state)
    assert state.op == "replace"
    assert client.kv.get_or_none("i", idx=0) is None
    assert client.kv.get("i", idx=1).data == "a"


def test_kv_entry_concurrent_creates(engine: Engine, client: Any) -> None:
    """The provider server's four threads share one provider instance safely."""
    with ThreadPoolExecutor(4) as pool:
        states = list(
            pool.map(lambda n: engine.up(KvEntry, f"c{n}", {"key": f"c/{n}", "value": n}), range(8))
        )
    assert sorted(s.id for s in states) == sorted(f"github/12345/c/{n}" for n in range(8))
    assert [client.kv.get(f"c/{n}").data for n in range(8)] == list(range(8))


def test_kv_entry_adopt_identical_entry_does_not_write(engine: Engine, client: Any) -> None:
    """Adopting an entry that already holds the declared value keeps its version."""
    client.kv.set("same", {"a": [1, 2]})
    state = engine.up(KvEntry, "same", {"key": "same", "value": {"a": [1, 2]}, "adopt": True})
    assert state.outputs["version"] == 0
    assert client.kv.get("same").version == 0
    assert engine.up(KvEntry, "same", {"key": "same", "value": {"a": [1, 2]}}, state).op == "same"


def test_kv_entry_moves_between_installations_by_replacement(
    engine: Engine, client: Any, emulator: Any
) -> None:
    """Changing vcs/installation_id replaces: the entry appears there and leaves the old one."""
    state = engine.up(KvEntry, "mv", {"key": "mv", "value": "here"})
    moved = {
        "key": "mv",
        "value": "here",
        "vcs": "gitlab",
        "installation_id": emulator.gitlab_installation_id,
    }
    state = engine.up(KvEntry, "mv", moved, state)
    assert state.op == "replace"
    assert state.id == f"gitlab/{emulator.gitlab_installation_id}/mv"
    assert client.kv.get_or_none("mv") is None
    gitlab = client.kv.get("mv", installation_id=emulator.gitlab_installation_id, vcs="gitlab")
    assert gitlab.data == "here"
