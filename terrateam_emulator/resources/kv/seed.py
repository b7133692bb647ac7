"""Seed data of the KV family (the ``kv`` key of a seed, docs/emulator-seed.md)::

kv:
  - {vcs: github, installation_id: 12345, key: k, data: {...}, idx: 0, committed: true,
     read_caps: [...], write_caps: [...]}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from terrateam_emulator.resources.identity.caps import decode_caps
from terrateam_emulator.resources.kv.tables import kv
from terrateam_emulator.storage.jsonb import canonicalise, loads_lossless

__all__ = ["apply_kv_seed"]


def apply_kv_seed(conn: sa.Connection, seed: Mapping[str, Any], now: float) -> None:
    """Insert the seed's KV records (data stored as PostgreSQL's jsonb would)."""
    for entry in seed.get("kv") or []:
        pg, compact, size = canonicalise(loads_lossless(json.dumps(entry.get("data"))))
        caps = {
            name: None
            if entry.get(name) is None
            else json.dumps(decode_caps(entry[name]), separators=(",", ":"))
            for name in ("read_caps", "write_caps")
        }
        conn.execute(
            kv.insert().values(
                namespace=f"{entry.get('vcs', 'github')}:{int(entry['installation_id'])}",
                key=str(entry["key"]),
                idx=int(entry.get("idx", 0)),
                data=pg,
                data_json=compact,
                data_size=size,
                committed=bool(entry.get("committed", True)),
                created_at=now,
                version=0,
                **caps,
            )
        )
