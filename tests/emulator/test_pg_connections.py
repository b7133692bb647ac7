"""PostgreSQL connections of the emulator: pools sized to workers, timeouts, dead connections;
and the change counter the workers share (``server/changes.py``).

The PostgreSQL tests run when ``TERRATEAM_EMULATOR_TEST_DB`` points at one
(``scripts/test-postgres.sh``); the rest run everywhere.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from terrateam_emulator.server.changes import AUTH, STATE, ChangeCounter, create_file
from terrateam_emulator.server.shared import _META
from terrateam_emulator.storage.engine import Database, pool_sizing

PG_URL = os.environ.get("TERRATEAM_EMULATOR_TEST_DB", "")
needs_pg = pytest.mark.skipif(
    not PG_URL.startswith("postgresql"),
    reason="TERRATEAM_EMULATOR_TEST_DB is not a PostgreSQL URL (scripts/test-postgres.sh)",
)


@pytest.mark.parametrize("workers", [1, 2, 4, 8, 16, 64])
def test_pool_sizing_covers_a_worker_and_shrinks_with_workers(workers: int) -> None:
    size, overflow = pool_sizing(workers)
    assert size >= 2  # the event-loop thread and the stats flusher at once
    assert overflow >= 1
    assert workers * (size + overflow) <= max(48, 3 * workers)


def test_change_counter_file_is_private_and_shared_between_mappings(tmp_path: Path) -> None:
    path = create_file()
    try:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        a, b = ChangeCounter(path), ChangeCounter(path)
        a.bump(STATE)
        a.bump(STATE)
        b.bump(AUTH)
        assert (b.value(STATE), a.value(AUTH)) == (2, 1)
        assert a.shared
        a.close()
        b.close()
        os.chmod(path, 0o644)  # others could write it: refused
        with pytest.raises(OSError, match="not a private change-counter file"):
            ChangeCounter(path)
    finally:
        os.unlink(path)


@pytest.fixture
def pg_db() -> Database:
    if not PG_URL.startswith("postgresql"):
        pytest.skip("TERRATEAM_EMULATOR_TEST_DB is not a PostgreSQL URL (scripts/test-postgres.sh)")
    return Database(PG_URL, workers=4)


@needs_pg
def test_pool_is_sized_from_the_worker_count(pg_db: Database) -> None:
    pool = pg_db.engine.pool
    assert isinstance(pool, sa.pool.QueuePool)
    assert (pool.size(), pool._max_overflow) == pool_sizing(4)
    pg_db.dispose()


@needs_pg
def test_fast_read_connection_has_a_connect_timeout(pg_db: Database) -> None:
    pg_db.first(_META, {})
    conn = pg_db._local.pg
    assert conn.info.get_parameters()["connect_timeout"] == "10"
    pg_db.dispose()


@needs_pg
def test_fast_read_survives_a_connection_killed_by_the_server(pg_db: Database) -> None:
    first = pg_db.first(_META, {})
    pid = pg_db._local.pg.info.backend_pid
    with pg_db.write() as conn:
        assert conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
    # The dead connection is noticed, replaced, and the read repeated once.
    assert pg_db.first(_META, {}) == first
    assert pg_db._local.pg.info.backend_pid != pid
    pg_db.dispose()


@needs_pg
def test_idle_pooled_connection_killed_by_the_server_is_replaced(
    pg_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    import terrateam_emulator.storage.engine as engine

    with pg_db.read() as conn:
        pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar()
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        assert conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
    admin.dispose()
    monkeypatch.setattr(engine, "_PING_AFTER_IDLE", 0.0)  # it has been idle "long enough"
    with pg_db.read() as conn:
        assert conn.execute(sa.text("SELECT pg_backend_pid()")).scalar() != pid
    pg_db.dispose()
