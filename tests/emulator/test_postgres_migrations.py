"""Schema migrations (`_migrations.py`): created on start, upgraded in place, never dropped.

The upgrade test runs on SQLite always and on PostgreSQL when ``TERRATEAM_EMULATOR_TEST_DB``
points at one (``scripts/test-postgres.sh``): there it uses a private database it creates.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from terrateam_emulator.resources.kv.tables import kv
from terrateam_emulator.resources.tables import metadata
from terrateam_emulator.storage.engine import Database
from terrateam_emulator.storage.migrations import (
    LATEST,
    control_metadata,
    current_version,
    emulator_meta,
    schema_version,
)

PG_URL = os.environ.get("TERRATEAM_EMULATOR_TEST_DB", "")


def _old_schema(engine: sa.Engine) -> None:
    """What a release before migrations left behind: the tables, a KV row, no version table."""
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            kv.insert().values(
                namespace="github:12345",
                key="kept",
                idx=0,
                data='{"a": 1}',
                data_json='{"a":1}',
                data_size=8,
                committed=True,
                created_at=1.0,
                version=7,
            )
        )


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each backend (PostgreSQL: created and dropped here)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    if not PG_URL.startswith("postgresql"):
        pytest.skip("TERRATEAM_EMULATOR_TEST_DB is not a PostgreSQL URL (scripts/test-postgres.sh)")
    name = f"mig_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_old_schema_is_upgraded_in_place_keeping_data(fresh_url: str) -> None:
    engine = sa.create_engine(fresh_url)
    _old_schema(engine)
    with engine.connect() as conn:
        assert current_version(conn) == 1
        assert not sa.inspect(conn).has_table("emulator_meta")
    engine.dispose()

    db = Database(fresh_url)
    try:
        assert db.migrations_applied == list(range(2, LATEST + 1))
        with db.read() as conn:
            assert current_version(conn) == LATEST
            versions = conn.execute(sa.select(schema_version.c.version)).scalars().all()
            assert sorted(versions) == list(range(1, LATEST + 1))
            row = conn.execute(sa.select(kv).where(kv.c.key == "kept")).one()
            assert (row.version, row.data_json) == (7, '{"a":1}')
            assert conn.execute(sa.select(emulator_meta.c.clock_offset)).scalar() == 0.0
    finally:
        db.dispose()

    again = Database(fresh_url)  # a restart applies nothing and keeps everything
    try:
        assert again.migrations_applied == []
        with again.read() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(kv)).scalar() == 1
    finally:
        again.dispose()


def test_empty_database_gets_every_step(fresh_url: str) -> None:
    db = Database(fresh_url)
    try:
        assert db.migrations_applied == list(range(1, LATEST + 1))
        with db.read() as conn:
            tables = set(sa.inspect(conn).get_table_names())
        assert set(control_metadata.tables) <= tables
        assert set(metadata.tables) <= tables
    finally:
        db.dispose()


def test_reset_keeps_the_schema_level_and_shared_state(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'r.db'}")
    try:
        db.reset()
        with db.read() as conn:
            assert current_version(conn) == LATEST
            assert conn.execute(sa.select(emulator_meta.c.id)).scalar() == 1
    finally:
        db.dispose()
