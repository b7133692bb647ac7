"""Versioned, in-place schema upgrades: the schema is created on start and never dropped.

The database records its level in ``schema_version`` (one row per applied step). On start,
`upgrade` applies every step above that level, in order, in one transaction (PostgreSQL: under
an advisory lock, so several emulator processes starting together do not race). Steps only
ever add tables, columns or indexes. A database from before this table existed (it has a
``kv`` table but no ``schema_version``) counts as level 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from terrateam_emulator.storage.schema import metadata

__all__ = ["LATEST", "MIGRATIONS", "Migration", "current_version", "schema_version", "upgrade"]

# Kept off the main `metadata`, so `Database.reset()` (which empties every table there) never
# touches the schema level or the cross-process state.
control_metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version",
    control_metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("description", sa.Text, nullable=False),
)

# Shared state of every process on one database (`server/shared.py`): clock offset, fault and reset
# generations; injected faults; per-worker request counters.
emulator_meta = sa.Table(
    "emulator_meta",
    control_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("clock_offset", sa.Float, nullable=False),
    sa.Column("faults_gen", sa.Integer, nullable=False),
    sa.Column("reset_gen", sa.Integer, nullable=False),
    sa.Column("stats_gen", sa.Integer, nullable=False, server_default="0"),  # step 4
)

emulator_faults = sa.Table(
    "emulator_faults",
    control_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("spec", sa.Text, nullable=False),  # the POST /_emulator/faults body (JSON)
    sa.Column("remaining", sa.Integer, nullable=True),  # NULL: every matching request
)

emulator_stats = sa.Table(
    "emulator_stats",
    control_metadata,
    sa.Column("worker", sa.String(64), primary_key=True),
    sa.Column("label", sa.Text, primary_key=True),
    sa.Column("n", sa.BigInteger, nullable=False),
)

_ADVISORY_LOCK = 0x7E77A7EA  # any constant; only emulator processes take it


@dataclass(frozen=True)
class Migration:
    """One schema step: ``apply(conn)`` must be idempotent and must never drop data."""

    version: int
    description: str
    apply: Callable[[sa.Connection], None]


def _baseline(conn: sa.Connection) -> None:
    # The first release's tables (users, keys, KV, runs...): create what is missing.
    metadata.create_all(conn, checkfirst=True)


def _shared_state(conn: sa.Connection) -> None:
    # The step-2 shape of emulator_meta (step 4 adds stats_gen): created from raw DDL so an
    # upgrade from level 1 really goes through step 4's ALTER TABLE.
    conn.execute(
        sa.text(
            "CREATE TABLE IF NOT EXISTS emulator_meta (id INTEGER PRIMARY KEY, "
            "clock_offset FLOAT NOT NULL, faults_gen INTEGER NOT NULL, reset_gen INTEGER NOT NULL)"
        )
    )
    for table in (emulator_faults, emulator_stats):
        table.create(conn, checkfirst=True)
    if conn.execute(sa.text("SELECT id FROM emulator_meta")).first() is None:
        conn.execute(
            sa.text(
                "INSERT INTO emulator_meta (id, clock_offset, faults_gen, reset_gen) "
                "VALUES (1, 0, 0, 0)"
            )
        )


def _stats_generation(conn: sa.Connection) -> None:
    # Buffered per-worker counters are dropped when a reset happened after they were counted.
    columns = {c["name"] for c in sa.inspect(conn).get_columns("emulator_meta")}
    if "stats_gen" not in columns:
        conn.execute(
            sa.text("ALTER TABLE emulator_meta ADD COLUMN stats_gen INTEGER NOT NULL DEFAULT 0")
        )


def _kv_committed_index(conn: sa.Connection) -> None:
    # Commit and the committed-only reads filter on `committed` within a namespace.
    names = {ix["name"] for ix in sa.inspect(conn).get_indexes("kv")}
    if "ix_kv_committed" not in names:
        conn.execute(sa.text("CREATE INDEX ix_kv_committed ON kv (namespace, committed)"))


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "baseline tables", _baseline),
    Migration(2, "shared state for several worker processes", _shared_state),
    Migration(3, "index kv (namespace, committed)", _kv_committed_index),
    Migration(4, "emulator_meta.stats_gen (buffered stats)", _stats_generation),
)
LATEST = MIGRATIONS[-1].version


def current_version(conn: sa.Connection) -> int:
    """The schema level of the database behind ``conn`` (0: empty)."""
    inspector = sa.inspect(conn)
    if not inspector.has_table("schema_version"):
        return 1 if inspector.has_table("kv") else 0
    level = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
    return int(level or 0)


def upgrade(engine: sa.Engine) -> list[int]:
    """Bring the schema to `LATEST`; return the versions applied now (oldest first)."""
    applied: list[int] = []
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_LOCK})
        level = current_version(conn)
        schema_version.create(conn, checkfirst=True)
        if level == 1 and conn.execute(sa.select(schema_version.c.version)).first() is None:
            conn.execute(schema_version.insert().values(version=1, description="baseline tables"))
        for step in MIGRATIONS:
            if step.version > level:
                step.apply(conn)
                conn.execute(
                    schema_version.insert().values(
                        version=step.version, description=step.description
                    )
                )
                applied.append(step.version)
        # Tables another module added to `metadata` since the last step (never drops).
        metadata.create_all(conn, checkfirst=True)
    return applied
