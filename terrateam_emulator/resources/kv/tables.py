"""The KV family's one table."""

from __future__ import annotations

import sqlalchemy as sa

from terrateam_emulator.storage.schema import CText, metadata

__all__ = ["kv"]

# The KV store. `data` is PostgreSQL's jsonb text rendering (what `data::text` gives, the basis
# of `data_size`), or '' when parsing `data_json` gives the same tree (`pg_from_compact`: no
# fractional number); `data_json` is the compact form the server answers with.
kv = sa.Table(
    "kv",
    metadata,
    sa.Column("namespace", CText, primary_key=True),
    sa.Column("key", CText, primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("data_json", sa.Text, nullable=False),
    sa.Column("data_size", sa.Integer, nullable=False),
    sa.Column("committed", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("read_caps", sa.Text, nullable=True),
    sa.Column("write_caps", sa.Text, nullable=True),
)
