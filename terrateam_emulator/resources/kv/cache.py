"""A per-worker cache of KV rows, exact while the workers' ``KV`` change counter stands still.

On PostgreSQL a KV get is one database round trip (~65–80 µs of the worker's CPU). The workers
of one ``serve --workers N`` share a change counter (`terrateam_emulator.server.changes`);
every committed KV write, delete, commit and reset bumps its `KV` slot after the commit and
before the response. A reader compares the slot with the value its cache was filled under (an
8-byte load) and drops every entry when it moved, so the next get on any worker re-reads the
database. Rows are cached, not answers: capability checks, ``select`` projection and faults
still run per request. A row read while a write was in flight is not stored (the slot moved
between the read and the store).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

from terrateam_emulator.server.changes import KV, ChangeCounter

__all__ = ["MAX_AGE", "MAX_ENTRIES", "MAX_VALUE_BYTES", "KVReadCache"]

MAX_ENTRIES = 4096
#: Larger rows (artifact chunks) are never cached: they would crowd out the rest.
MAX_VALUE_BYTES = 64 * 1024
#: Also forget everything this often: a writer outside this ``serve`` (which cannot bump our
#: counter) is then seen within a second, as for the rest of the shared state.
MAX_AGE = 1.0

Key = tuple[str, str, int, bool]
_MISS = object()


class KVReadCache:
    """A bounded LRU of KV rows (or "no row") keyed by namespace, key, idx and committed."""

    def __init__(
        self,
        changes: ChangeCounter,
        *,
        max_entries: int = MAX_ENTRIES,
        max_value_bytes: int = MAX_VALUE_BYTES,
        max_age: float = MAX_AGE,
    ) -> None:
        self._changes = changes
        self._max_entries = max_entries
        self._max_value_bytes = max_value_bytes
        self._max_age = max_age
        self._rows: OrderedDict[Key, dict[str, Any] | None] = OrderedDict()
        self._gen = changes.value(KV)
        self._expires = time.monotonic() + max_age
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._rows)

    def generation(self) -> int:
        """The counter now, after dropping everything if it moved (or the entries aged out).

        Pass it to `store` so a row read meanwhile is not kept when a write was committed.
        """
        gen = self._changes.value(KV)
        now = time.monotonic()
        if gen != self._gen or now >= self._expires:
            with self._lock:
                self._rows.clear()
                self._gen, self._expires = gen, now + self._max_age
        return gen

    def lookup(self, key: Key) -> Any:
        """The cached row (a mapping), ``None`` for "no such row", or `missing` when unknown."""
        with self._lock:
            row = self._rows.get(key, _MISS)
            if row is not _MISS:
                self._rows.move_to_end(key)
            return row

    @staticmethod
    def missing(found: Any) -> bool:
        """Whether a `lookup` result means "not cached"."""
        return found is _MISS

    def store(self, key: Key, row: Any, gen: int) -> None:
        """Keep ``row`` (a mapping or None) read under counter value ``gen`` if it is current."""
        if row is not None:
            size = len(row["data_json"] or "") + len(row["data"] or "")
            if size > self._max_value_bytes:
                return
            row = dict(row)
        with self._lock:
            # A write committed since `generation` (its bump may not be seen by the next
            # `generation` call yet if it is still in flight): do not keep what we read.
            if self._changes.value(KV) != gen or gen != self._gen:
                return
            self._rows[key] = row
            self._rows.move_to_end(key)
            while len(self._rows) > self._max_entries:
                self._rows.popitem(last=False)
