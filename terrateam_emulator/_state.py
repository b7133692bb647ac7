"""Everything one emulator instance owns, kept on ``app.state.emulator`` (never module globals)."""

from __future__ import annotations

import secrets
import sqlite3
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from terrateam_emulator._backend.identity import Identity
from terrateam_emulator._backend.kv import KVStore
from terrateam_emulator._clock import Clock
from terrateam_emulator._db import access_tokens, signing_keys
from terrateam_emulator._engine import Database
from terrateam_emulator._seed import apply_seed, demo_key_id, load_seed
from terrateam_emulator._settings import EmulatorSettings
from terrateam_emulator._tokens import Claims

__all__ = ["EmulatorState", "Stats"]

_CLAIMS_CACHE_SIZE = 4096

# Seeded in-memory databases, by seed name: seeding the demo organisation row by row takes
# about a second, restoring a copy takes milliseconds. Immutable once stored.
_SEED_TEMPLATES: dict[str, sqlite3.Connection] = {}
_SEED_TEMPLATES_LOCK = threading.Lock()


@dataclass
class Stats:
    """Request counters since the last reset (``GET /_emulator/stats``)."""

    requests: Counter[str] = field(default_factory=Counter)
    refreshes: int = 0
    total: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, label: str) -> None:
        """Count one request under ``"<METHOD> <route template>"``."""
        with self.lock:
            self.requests[label] += 1
            self.total += 1

    def count_refresh(self) -> None:
        """Count one call of the refresh endpoint."""
        with self.lock:
            self.refreshes += 1

    def snapshot(self) -> dict[str, Any]:
        """Return the counters as JSON-ready data."""
        with self.lock:
            return {
                "requests": dict(self.requests),
                "refreshes": self.refreshes,
                "total": self.total,
            }

    def reset(self) -> None:
        """Zero every counter."""
        with self.lock:
            self.requests.clear()
            self.refreshes = 0
            self.total = 0


class EmulatorState:
    """Settings, database, clock, keys, stats and the benchmark blob store of one app."""

    def __init__(self, settings: EmulatorSettings) -> None:
        self.settings = settings
        self.db = Database(settings.db_url)
        shared = settings.shared_state
        self.shared = (not self.db.is_sqlite) if shared is None else shared
        self._sync: Any = None
        self.clock: Clock = Clock()
        self.stats: Any = Stats()
        self.faults: Any = None  # a `_faults.FaultTable`, set by create_app
        if self.shared:
            from terrateam_emulator._shared import (
                SharedClock,
                SharedFaults,
                SharedStats,
                SharedSync,
            )

            self.clock = SharedClock(self.db)
            self.faults = SharedFaults(self.db)
            self.stats = SharedStats(self.db)
            self._sync = SharedSync(
                self.db, self.clock, self.faults, self.stats, self._forget_caches
            )
            self._sync.sync()
        self.keys = self._load_keys(settings.signing_key)
        self.blobs: dict[str, bytes] = {}
        self.demo_api_key: str | None = None
        self._claims: OrderedDict[str, Claims | None] = OrderedDict()
        self._claims_lock = threading.Lock()
        # Positive installation-membership checks (user, vcs, installation); cleared on reset.
        self.members: set[tuple[str, str, int]] = set()
        self.kv = KVStore(self.db, self.clock, select_mode=settings.select_mode)
        self.identity = Identity(self.db, self.clock, self.keys, token_ttl=settings.token_ttl)
        self.seed: dict[str, Any] | None = (
            None if settings.seed is None else load_seed(settings.seed)
        )
        self._snapshot: sqlite3.Connection | None = None
        # PostgreSQL: the seeded rows, kept after the first reset (re-seeding takes ~1 s).
        self._seed_rows: dict[str, list[dict[str, Any]]] | None = None

    def apply_seed(self, *, only_if_empty: bool = False) -> None:
        """Insert the start-up seed (file databases: only when they hold no users yet)."""
        if self.seed is None:
            return
        from terrateam_emulator._db import users

        template_name = self.settings.seed if self.settings.seed == "demo" else None
        template = None
        if template_name is not None and self.db.is_memory:
            with _SEED_TEMPLATES_LOCK:
                template = _SEED_TEMPLATES.get(template_name)
        if template is not None:
            self.db.restore(template)
            self._store_keys()
        else:
            with self.db.write() as conn:
                if only_if_empty and conn.execute(sa.select(users.c.id).limit(1)).first():
                    pass
                else:
                    apply_seed(conn, self.seed, self.clock)
            if template_name is not None and self.db.is_memory:
                with _SEED_TEMPLATES_LOCK:
                    _SEED_TEMPLATES.setdefault(template_name, self.db.snapshot())  # type: ignore[arg-type]
        if self.db.is_memory:
            self._snapshot = self.db.snapshot()
        self._load_demo_key()

    def _store_keys(self) -> None:
        with self.db.write() as conn:
            conn.execute(signing_keys.delete())
            for rank, key in enumerate(self.keys):
                conn.execute(signing_keys.insert().values(rank=rank, key=key))

    def _load_demo_key(self) -> None:
        found = None if self.seed is None else demo_key_id(self.seed)
        if found is None:
            return
        with self.db.read() as conn:
            row = conn.execute(
                sa.select(access_tokens.c.user_id).where(access_tokens.c.id == found[0])
            ).first()
        if row is not None:
            self.demo_api_key = self.identity.api_key_for(found[0], row.user_id)

    def sync(self) -> None:
        """Catch up with other processes on the same database (shared state only)."""
        if self._sync is not None:
            self._sync.sync()

    def _forget_caches(self) -> None:
        # Another process reset the data: cached memberships may be gone.
        self.members.clear()

    def reset(self) -> None:
        """Empty the database, re-apply the seed, clear faults, stats and blobs."""
        self.members.clear()
        if self._sync is not None:
            self._sync.announce_reset()
        if self._snapshot is not None:
            self.db.restore(self._snapshot)
        elif not self.db.is_sqlite and self._seed_rows is not None:
            self.db.restore_rows(self._seed_rows)
        elif not self.db.is_sqlite:
            self.db.reset()
            self.apply_seed()
            self._seed_rows = self.db.dump_rows()
        else:
            self.db.reset()
            self.apply_seed()
        if self.faults is not None:
            self.faults.clear()
        self.stats.reset()
        self.blobs.clear()

    def _load_keys(self, configured: str | None) -> list[str]:
        with self.db.write() as conn:
            rows = conn.execute(sa.select(signing_keys.c.key).order_by(signing_keys.c.rank)).all()
            keys = [r.key for r in rows]
            if configured is not None and configured not in keys:
                low = conn.execute(sa.select(sa.func.min(signing_keys.c.rank))).scalar()
                rank = 0 if low is None else low - 1
                conn.execute(signing_keys.insert().values(rank=rank, key=configured))
                keys.insert(0, configured)
            elif not keys:
                key = secrets.token_urlsafe(32)
                conn.execute(signing_keys.insert().values(rank=0, key=key))
                keys = [key]
        return keys

    @property
    def signing_key(self) -> str:
        """The key that signs new tokens (lowest rank)."""
        return self.keys[0]

    def cached_claims(self, token: str) -> tuple[bool, Claims | None]:
        """Return ``(hit, claims)`` from the verified-token cache (tokens are immutable)."""
        with self._claims_lock:
            if token in self._claims:
                self._claims.move_to_end(token)
                return True, self._claims[token]
        return False, None

    def remember_claims(self, token: str, claims: Claims | None) -> None:
        """Cache the verification result of ``token``."""
        with self._claims_lock:
            self._claims[token] = claims
            if len(self._claims) > _CLAIMS_CACHE_SIZE:
                self._claims.popitem(last=False)
