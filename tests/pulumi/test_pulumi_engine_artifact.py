"""Layer 3: KvArtifact through the real provider server, against the emulator on loopback."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pulumi
import pytest

from pulumi_terrateam import KvArtifact
from pulumi_terrateam.testing import Engine

pytestmark = pytest.mark.pulumi


def _kv_writes(emulator: Any) -> int:
    stats = emulator.admin.stats()["requests"]
    return sum(n for route, n in stats.items() if route.split()[0] in ("PUT", "POST", "DELETE"))


def test_kv_artifact_lifecycle(engine: Engine, client: Any, emulator: Any, tmp_path: Path) -> None:
    """create → no-op (no upload) → update → out-of-band delete → refresh → up → destroy."""
    path = tmp_path / "bundle.bin"
    path.write_bytes(b"\x00\x01bundle" * 5000)
    inputs = {"key": "art/bundle", "source": pulumi.FileAsset(str(path)), "content_type": "x/y"}
    state = engine.up(KvArtifact, "bundle", inputs)
    assert state.op == "create"
    assert state.outputs["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert state.outputs["size"] == path.stat().st_size
    first_generation = state.outputs["generation"]
    assert client.kv.artifact_info("art/bundle").sha256 == state.outputs["sha256"]

    emulator.admin.reset_stats()
    state = engine.up(KvArtifact, "bundle", inputs, state)
    assert state.op == "same"
    assert _kv_writes(emulator) == 0, "an unchanged file is not uploaded again"
    refreshed = engine.refresh(state)
    assert refreshed is not None
    assert refreshed.outputs["sha256"] == state.outputs["sha256"]
    assert engine.up(KvArtifact, "bundle", inputs, refreshed).op == "same"

    path.write_bytes(b"changed contents")
    state = engine.up(KvArtifact, "bundle", inputs, state)
    assert state.op == "update"
    assert state.outputs["sha256"] == hashlib.sha256(b"changed contents").hexdigest()
    assert state.outputs["generation"] != first_generation
    assert client.kv.artifact_info("art/bundle").size == len(b"changed contents")

    client.kv.delete_artifact("art/bundle")
    assert engine.refresh(state) is None
    state = engine.up(KvArtifact, "bundle", inputs)
    assert state.op == "create"

    engine.destroy(state)
    assert client.kv.get_or_none("art/bundle") is None
    engine.destroy(state)


def test_kv_artifact_path_source_and_key_change_replaces(
    engine: Engine, client: Any, tmp_path: Path
) -> None:
    """A plain path works as source; changing the key uploads anew and removes the old one."""
    path = tmp_path / "a.txt"
    path.write_text("hello")
    state = engine.up(KvArtifact, "a", {"key": "art/a", "source": str(path)})
    state = engine.up(KvArtifact, "a", {"key": "art/b", "source": str(path)}, state)
    assert state.op == "replace"
    assert client.kv.artifact_info("art/b").sha256 == hashlib.sha256(b"hello").hexdigest()
    assert client.kv.get_or_none("art/a") is None


def test_kv_artifact_missing_file_is_a_check_failure(engine: Engine, tmp_path: Path) -> None:
    """A source that does not exist fails Check on the source field."""
    from pulumi_terrateam.testing import EngineError

    with pytest.raises(EngineError) as info:
        engine.up(KvArtifact, "m", {"key": "m", "source": str(tmp_path / "nope")})
    assert info.value.failures[0][0] == "source"
    assert "not found" in info.value.message


def test_kv_artifact_out_of_band_upload_is_repaired(
    engine: Engine, client: Any, tmp_path: Path
) -> None:
    """Someone uploads other bytes: refresh sees the new sha256 and up uploads the file again."""
    path = tmp_path / "mine.txt"
    path.write_text("mine")
    state = engine.up(KvArtifact, "o", {"key": "art/o", "source": str(path)})
    client.kv.put_artifact("art/o", b"theirs")
    state = engine.refresh(state)
    assert state is not None
    assert state.outputs["sha256"] == hashlib.sha256(b"theirs").hexdigest()
    state = engine.up(KvArtifact, "o", {"key": "art/o", "source": str(path)}, state)
    assert state.op == "update"
    assert client.kv.artifact_info("art/o").sha256 == hashlib.sha256(b"mine").hexdigest()
