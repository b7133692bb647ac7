"""SIGKILL the emulator in the middle of an artifact upload, restart it on the same database.

The previous artifact stays readable and verifies; the half-written generation is never
visible (its chunks are uncommitted rows nobody points at). The next successful publish,
once the dead generation has been idle for the core's 10-minute grace (the emulator clock is
advanced), deletes it.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from rel_helpers import EmulatorProcess, private_pg_database

from terrateam_core import TerrateamClient, TerrateamError
from terrateam_core._calls.artifacts_format import generation_key
from terrateam_emulator.testing import EmulatorAdmin

KEY = "builds/app.bin"
CHUNK = 64 * 1024


@dataclass
class Crash:
    """What the crash scenario left behind, for the assertions."""

    emu: EmulatorProcess
    db: str
    old: bytes
    old_generation: str
    orphans_after_restart: int
    read_back: bytes
    visible_after_restart: set[str]
    new_data: bytes
    orphans_after_publish: int


def _orphan_rows(db: str, live_generation: str | None) -> int:
    """Rows under ``KEY/.gen/`` that belong to no published generation."""
    engine = sa.create_engine(db)
    try:
        with engine.connect() as conn:
            keys = conn.execute(
                sa.text("SELECT key FROM kv WHERE key LIKE :p"), {"p": f"{KEY}/.gen/%"}
            ).scalars()
            live = None if live_generation is None else generation_key(KEY, live_generation)
            return sum(1 for k in keys if k != live)
    finally:
        engine.dispose()


def _client(emu: EmulatorProcess, **kw: object) -> TerrateamClient:
    return TerrateamClient(emu.api_key, base_url=emu.url, installation_id=12345, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def crash(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Crash]:
    tmp = tmp_path_factory.mktemp(f"crash-{request.param}")
    with ExitStack() as stack:
        if request.param == "sqlite":
            db = f"sqlite:///{tmp / 'emulator.db'}"
        else:
            db = stack.enter_context(private_pg_database())
        emu = EmulatorProcess(tmp, db).start()
        stack.callback(emu.stop)
        old = os.urandom(300_000)
        with _client(emu) as client:
            old_gen = client.kv.put_artifact(KEY, old, chunk_size=CHUNK).generation
        assert old_gen is not None

        failure: list[BaseException] = []

        def upload() -> None:
            try:
                with _client(emu, max_retries=0, timeout=10) as c:
                    c.kv.put_artifact(KEY, os.urandom(16 * 1024 * 1024), chunk_size=CHUNK)
            except (TerrateamError, OSError) as exc:
                failure.append(exc)

        thread = threading.Thread(target=upload)
        thread.start()
        deadline = time.monotonic() + 60
        while _orphan_rows(db, old_gen) < 8:  # well into the upload
            assert thread.is_alive(), "the upload finished before the kill"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        emu.kill()
        thread.join(timeout=120)
        assert failure, "the upload should have failed with the emulator killed"

        emu.start()  # same database, same port
        orphans = _orphan_rows(db, old_gen)
        back = tmp / "old-back.bin"
        with _client(emu) as client:
            client.kv.get_artifact(KEY, back)  # verifies every chunk and the whole sha256
            visible = {r.key for r in client.kv.iter(f"{KEY}/.gen/", prefix=True)}
            new_data = os.urandom(200_000)
            # The core spares generations written in the last 10 minutes (server time): a
            # live writer's upload looks the same as a dead one until then.
            EmulatorAdmin(emu.url).advance_clock(11 * 60)
            new_gen = client.kv.put_artifact(KEY, new_data, chunk_size=CHUNK).generation
        yield Crash(
            emu,
            db,
            old,
            old_gen,
            orphans,
            back.read_bytes(),
            visible,
            new_data,
            _orphan_rows(db, new_gen),
        )


def test_previous_artifact_is_readable_and_verifies_after_restart(crash: Crash) -> None:
    assert crash.read_back == crash.old


def test_half_written_generation_is_never_visible(crash: Crash) -> None:
    assert crash.orphans_after_restart >= 8  # the killed upload did leave rows behind...
    # ...but committed reads show only the published generation's chunks.
    assert crash.visible_after_restart == {generation_key(KEY, crash.old_generation)}


def test_next_publish_after_restart_succeeds(crash: Crash) -> None:
    with _client(crash.emu) as client:
        info = client.kv.artifact_info(KEY)
        out = crash.emu.tmp / "new-back.bin"
        client.kv.get_artifact(KEY, out)
        visible = {r.key for r in client.kv.iter(f"{KEY}/.gen/", prefix=True)}
    assert out.read_bytes() == crash.new_data
    assert info.sha256 == hashlib.sha256(crash.new_data).hexdigest()
    assert visible == {generation_key(KEY, info.generation or "")}


def test_next_publish_cleans_the_orphaned_generation(crash: Crash) -> None:
    assert crash.orphans_after_publish == 0
