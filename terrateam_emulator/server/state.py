"""Everything one emulator instance owns, kept on ``app.state.emulator`` (never module globals)."""

from __future__ import annotations

import secrets
import sqlite3
import threading
from collections import OrderedDict
from typing import Any

import sqlalchemy as sa

from terrateam_emulator.resources.identity.backend import Identity
from terrateam_emulator.resources.identity.seed import demo_key_id
from terrateam_emulator.resources.identity.tables import access_tokens, users
from terrateam_emulator.resources.identity.tokens import Claims
from terrateam_emulator.resources.kv.backend import KVStore
from terrateam_emulator.resources.runs import schedule
from terrateam_emulator.server.changes import AUTH, ChangeCounter, counter_for
from terrateam_emulator.server.clock import Clock
from terrateam_emulator.server.faults import FaultTable
from terrateam_emulator.server.seed import apply_seed, load_seed
from terrateam_emulator.server.settings import EmulatorSettings
from terrateam_emulator.server.shared import SharedClock, SharedFaults, SharedStats, SharedSync
from terrateam_emulator.server.stats import Stats, StatsRecorder
from terrateam_emulator.storage.engine import Database
from terrateam_emulator.storage.schema import signing_keys

__all__ = ["EmulatorState"]

_CLAIMS_CACHE_SIZE = 4096

# Seeded in-memory databases, by seed name: seeding the demo organisation row by row takes
# about a second, restoring a copy takes milliseconds. Immutable once stored.
_SEED_TEMPLATES: dict[str, sqlite3.Connection] = {}
_SEED_TEMPLATES_LOCK = threading.Lock()


class EmulatorState:
    """Settings, database, clock, keys, stats and the benchmark blob store of one app."""

    def __init__(self, settings: EmulatorSettings) -> None:
        self.settings = settings
        self.db = Database(settings.db_url, workers=settings.workers)
        shared = settings.shared_state
        self.shared = (not self.db.is_sqlite) if shared is None else shared
        self._sync: SharedSync | None = None
        self.clock: Clock
        self.faults: FaultTable
        self.stats: StatsRecorder
        # API keys seen to exist (shared state only): dropped when any process deletes a key.
        self._live_keys: set[str] = set()
        self._keys_seen = 0
        # The change counter shared with the other workers (shared state only).
        self.changes: ChangeCounter | None = None
        if self.shared:
            changes = counter_for(self.db.url.render_as_string(hide_password=True))
            self.changes = changes
            clock, faults = SharedClock(self.db, changes), SharedFaults(self.db, changes)
            stats = SharedStats(self.db, changes)
            self.clock, self.faults, self.stats = clock, faults, stats
            self._sync = SharedSync(self.db, changes, clock, faults, stats, self._forget_caches)
            self._sync.sync()
        else:
            self.clock, self.faults, self.stats = Clock(), FaultTable(), Stats()
        self.keys = self._load_keys(settings.signing_key)
        self.blobs: dict[str, bytes] = {}
        self.demo_api_key: str | None = None
        self._claims: OrderedDict[str, Claims | None] = OrderedDict()
        self._claims_lock = threading.Lock()
        # Positive installation-membership checks (user, vcs, installation); cleared on reset.
        self.members: set[tuple[str, str, int]] = set()
        self.kv = KVStore(
            self.db, self.clock, select_mode=settings.select_mode, changes=self.changes
        )
        self.identity = Identity(
            self.db,
            self.clock,
            self.keys,
            token_ttl=settings.token_ttl,
            on_keys_deleted=None if self.changes is None else self._key_deleted,
        )
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
        self.kv.changed()  # seeded KV rows: cached reads must go
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

    def _key_deleted(self) -> None:
        # After the commit: every worker's next key check forgets the keys it remembered.
        if self.changes is not None:
            self.changes.bump(AUTH)

    def _forget_caches(self) -> None:
        # Another process reset the data: cached memberships and API keys may be gone.
        self.members.clear()
        self._live_keys = set()

    def reset(self) -> None:
        """Empty the database, re-apply the seed, clear faults, stats and blobs."""
        self._forget_caches()
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
        self.kv.changed()  # every worker's cached KV reads go (after the new rows are in)
        self.faults.clear()
        self.stats.reset()
        self.blobs.clear()
        if self._sync is not None:
            # After the new rows are in: a worker that catches up now drops what it cached.
            self._sync.announce_reset()
            self._key_deleted()

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

    def token_id_valid(self, token_id: str) -> bool:
        """Whether a token's id is still good: an API key that exists, or a run still active.

        With shared state, keys found are remembered until any process deletes a key (the
        `AUTH` change counter moves) or resets, so a revoked key stops working at once.
        """
        if self.changes is not None:
            seen = self.changes.value(AUTH)
            if seen != self._keys_seen:
                self._live_keys, self._keys_seen = set(), seen
            if token_id in self._live_keys:
                return True
            if self.identity.api_key_exists(token_id):
                # Only if no deletion started meanwhile (else the answer may be stale).
                if self.changes.value(AUTH) == seen:
                    self._live_keys.add(token_id)
                return True
        elif self.identity.api_key_exists(token_id):
            return True
        return schedule.run_is_active(self.db, self.clock.now(), token_id)

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
