"""KV ``size`` and stored text against live PostgreSQL (docs/contract-audit.md §4).

Upstream's ``data_size`` is ``char_length(data::text)`` of the jsonb value
(terrateamio/terrateam ``code/src/terrat/migrations/2025-09-17-add-kv-store.sql`` line 8);
the emulator computes it in ``_jsonb.canonicalise``. Runs under ``make test-postgres``.
"""

from __future__ import annotations

import os
import random

import pytest
import sqlalchemy as sa

from terrateam_emulator.storage.jsonb import JsonbError, canonicalise, loads_lossless

ATOMS = [
    "0", "-0", "1.0", "1e2", "1E+2", "-1.50", "0.000001", "1e-7",
    "123456789012345678901234567890", "1.5e300", '"a"', '"é"', '"\\u00e9"', '"\\n\\t\\"\\\\"',
    '"\\u0001"', '"😀"', '"\\ud83d\\ude00"', "true", "false", "null", '"\\/"', "2.50e-3", "-0.0",
    "100e-2",
]  # fmt: skip
KEYS = ['"b"', '"a"', '"aa"', '"é"', '"A"', '""', '"a"']


def _value(rng: random.Random, depth: int = 0) -> str:
    r = rng.random()
    if depth > 2 or r < 0.5:
        return rng.choice(ATOMS)
    if r < 0.75:
        return "[" + ",".join(_value(rng, depth + 1) for _ in range(rng.randint(0, 3))) + "]"
    keys = rng.sample(KEYS, rng.randint(0, 3))
    return "{" + ",".join(f"{k}:{_value(rng, depth + 1)}" for k in keys) + "}"


def test_jsonb_text_and_size_match_live_postgres() -> None:
    url = os.environ.get("TERRATEAM_EMULATOR_TEST_DB", "")
    if not url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: runs under `make test-postgres`")
    rng = random.Random(20261204)
    engine = sa.create_engine(url)
    sql = sa.text("select (:t)::jsonb::text, char_length((:t)::jsonb::text)")
    try:
        for _ in range(300):
            text = _value(rng)
            try:
                pg_text, _, size = canonicalise(loads_lossless(text))
                mine: tuple[str, int] | None = (pg_text, size)
            except JsonbError:
                mine = None
            try:
                with engine.connect() as conn:
                    row = conn.execute(sql, {"t": text}).one()
                theirs: tuple[str, int] | None = (row[0], row[1])
            except sa.exc.DBAPIError:
                theirs = None
            assert mine == theirs, text
    finally:
        engine.dispose()
