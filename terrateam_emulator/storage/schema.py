"""The one `metadata` every family's tables live on, and the storage layer's own table.

Each resource family declares its tables in ``resources/<family>/tables.py`` on this
`metadata`; `terrateam_emulator.resources.tables` imports them all, so the engine and the
migrations see the whole schema. Timestamps are floats (seconds since the epoch, from the
emulator clock).
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["CText", "metadata", "signing_keys"]

metadata = sa.MetaData()

# Byte-order (C collation) text on PostgreSQL; SQLite's default BINARY collation already is.
CText = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")

# HS256 keys; the lowest rank signs, every key verifies (upstream `encryption_keys`).
signing_keys = sa.Table(
    "signing_keys",
    metadata,
    sa.Column("rank", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("key", sa.Text, nullable=False),
)
