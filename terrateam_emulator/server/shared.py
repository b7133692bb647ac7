"""State that every process on one PostgreSQL database must agree on (``serve --workers N``).

Clock offset, injected faults and request counters live in the tables of `storage.migrations`
(``emulator_meta``, ``emulator_faults``, ``emulator_stats``) instead of process memory. Each
request starts with `SharedSync.sync`: it reads the change counter the workers share
(`server.changes`, no database round trip) and only when that moved (or every `SYNC_INTERVAL`
seconds, for processes that do not share it) reads ``emulator_meta``, picks up the newest clock
offset and reloads the fault list (or forgets per-process caches) when another process changed
them. Every write of shared state bumps the counter after its commit. Fault uses are consumed
by a guarded ``UPDATE … WHERE remaining > 0``, so a ``count=1`` fault fires exactly once across
all workers. Counters are per-worker rows flushed in batches by a background thread, summed
when read.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from terrateam_emulator.server.changes import STATE, ChangeCounter
from terrateam_emulator.server.clock import Clock
from terrateam_emulator.server.faults import Fault, FaultTable
from terrateam_emulator.storage.engine import Database
from terrateam_emulator.storage.migrations import emulator_faults, emulator_meta, emulator_stats

__all__ = ["SYNC_INTERVAL", "SharedClock", "SharedFaults", "SharedStats", "SharedSync"]

# Catch-up with the database without a signal: bounds staleness for processes that do not share
# the change counter (another host, another ``serve`` on the same database).
SYNC_INTERVAL = 1.0

_REFRESH_LABEL = "*refreshes"  # request labels always start with a method
_META = sa.select(
    emulator_meta.c.clock_offset,
    emulator_meta.c.faults_gen,
    emulator_meta.c.reset_gen,
    emulator_meta.c.stats_gen,
)


class SharedClock(Clock):
    """Wall clock plus the database's offset (refreshed by `SharedSync.sync`)."""

    def __init__(self, db: Database, changes: ChangeCounter) -> None:
        super().__init__()
        self._db = db
        self._changes = changes

    def observe(self, offset: float) -> None:
        """Adopt an offset read from the database (offsets only grow)."""
        with self._lock:
            self._offset = max(self._offset, offset)

    def advance(self, seconds: float) -> float:
        """Move the shared clock forward for every process; return the new `now`."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._db.write() as conn:
            offset = conn.execute(
                emulator_meta.update()
                .where(emulator_meta.c.id == 1)
                .values(clock_offset=emulator_meta.c.clock_offset + seconds)
                .returning(emulator_meta.c.clock_offset)
            ).scalar_one()
        self._changes.bump(STATE)
        self.observe(float(offset))
        return self.now()


def _bump(conn: sa.Connection, column: str) -> None:
    col = emulator_meta.c[column]
    conn.execute(emulator_meta.update().where(emulator_meta.c.id == 1).values({column: col + 1}))


class SharedFaults(FaultTable):
    """Faults stored in ``emulator_faults``; this process keeps a copy for matching."""

    def __init__(self, db: Database, changes: ChangeCounter) -> None:
        super().__init__()
        self._db = db
        self._changes = changes
        self._gen = -1

    def add(self, **kw: Any) -> Fault:
        """Validate like `FaultTable.add`, then store the fault for every process."""
        probe = FaultTable().add(**kw)  # raises ValueError/TypeError on a bad body
        with self._db.write() as conn:
            fid = conn.execute(
                emulator_faults.insert()
                .values(spec=json.dumps(kw), remaining=probe.count)
                .returning(emulator_faults.c.id)
            ).scalar_one()
            _bump(conn, "faults_gen")
        self._changes.bump(STATE)
        probe.id = int(fid)
        return probe

    def clear(self) -> None:
        """Remove every fault, in every process."""
        with self._db.write() as conn:
            conn.execute(emulator_faults.delete())
            _bump(conn, "faults_gen")
        self._changes.bump(STATE)
        super().clear()

    def reload(self, gen: int) -> None:
        """Re-read the fault list when its generation moved."""
        if gen == self._gen:
            return
        with self._db.read() as conn:
            rows = conn.execute(sa.select(emulator_faults).order_by(emulator_faults.c.id)).all()
        faults = []
        for row in rows:
            fault = FaultTable().add(**json.loads(row.spec))
            fault.id, fault.count = row.id, row.remaining
            faults.append(fault)
        with self._lock:
            self._faults = faults
            self._gen = gen

    def take(self, method: str, path: str) -> Fault | None:
        """Like `FaultTable.take`, consuming counted uses atomically in the database."""
        while True:
            with self._lock:
                fault = next(
                    (
                        f
                        for f in self._faults
                        if f.matches(method, path)
                        and (f.probability >= 1.0 or self._rng.random() < f.probability)
                    ),
                    None,
                )
            if fault is None or fault.count is None:
                return fault
            with self._db.write() as conn:
                left = conn.execute(
                    emulator_faults.update()
                    .where(emulator_faults.c.id == fault.id, emulator_faults.c.remaining > 0)
                    .values(remaining=emulator_faults.c.remaining - 1)
                    .returning(emulator_faults.c.remaining)
                ).scalar()
            with self._lock:
                fault.count = 0 if left is None else int(left)
            if left is not None:
                return fault
            # Another worker used the last one: look again.


class SharedStats:
    """Request counters as per-worker rows of ``emulator_stats`` (same API as `Stats`).

    Counting is in memory; a background thread flushes every `FLUSH_INTERVAL` seconds with
    one upsert batch, guarded by the reset generation the counts were made under (a reset
    bumps ``stats_gen``, so counts from before it are dropped, never resurrected). Reading
    waits for one flush round of every worker.
    """

    FLUSH_INTERVAL = 0.1

    def __init__(self, db: Database, changes: ChangeCounter) -> None:
        self._db = db
        self._changes = changes
        self._worker = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        upsert = pg_insert(emulator_stats).values(
            worker=sa.bindparam("w"), label=sa.bindparam("l"), n=sa.bindparam("k")
        )
        self._upsert = upsert.on_conflict_do_update(
            index_elements=["worker", "label"],
            set_={"n": emulator_stats.c.n + upsert.excluded.n},
        )
        self._pending: Counter[tuple[int, str]] = Counter()
        self._lock = threading.Lock()
        self.gen = 0  # the stats generation last read from the database (`SharedSync`)
        self._flusher: threading.Thread | None = None

    def count(self, label: str) -> None:
        """Count one request under ``"<METHOD> <route template>"``."""
        # PostgreSQL text cannot hold NUL (a raw path may carry one).
        label = label.replace("\x00", "\\x00")
        with self._lock:
            self._pending[(self.gen, label)] += 1
            if self._flusher is None:
                self._flusher = threading.Thread(
                    target=self._run, name="emulator-stats", daemon=True
                )
                self._flusher.start()

    def count_refresh(self) -> None:
        """Count one call of the refresh endpoint."""
        self.count(_REFRESH_LABEL)

    def _run(self) -> None:
        while True:
            time.sleep(self.FLUSH_INTERVAL)
            with contextlib.suppress(Exception):  # a closed engine at shutdown
                self.flush()

    def flush(self) -> None:
        """Write this worker's pending counts (those of the current generation)."""
        with self._lock:
            pending, self._pending = self._pending, Counter()
        if not pending:
            return
        with self._db.write() as conn:
            # FOR SHARE: a concurrent reset waits until these rows are in, then deletes them.
            gen = conn.execute(
                sa.select(emulator_meta.c.stats_gen)
                .where(emulator_meta.c.id == 1)
                .with_for_update(read=True)
            ).scalar_one()
            rows = [
                {"w": self._worker, "l": label, "k": n}
                for (g, label), n in pending.items()
                if g == gen
            ]
            if rows:
                conn.execute(self._upsert, rows)

    def snapshot(self) -> dict[str, Any]:
        """Sum every worker's counters (after one flush round)."""
        self.flush()
        time.sleep(self.FLUSH_INTERVAL * 2.5)  # the other workers' flushers
        with self._db.read() as conn:
            rows = conn.execute(
                sa.select(emulator_stats.c.label, sa.func.sum(emulator_stats.c.n)).group_by(
                    emulator_stats.c.label
                )
            ).all()
        counts = {label: int(n) for label, n in rows}
        refreshes = counts.pop(_REFRESH_LABEL, 0)
        return {"requests": counts, "refreshes": refreshes, "total": sum(counts.values())}

    def reset(self) -> None:
        """Zero every worker's counters; counts made before this are never flushed."""
        with self._db.write() as conn:
            gen = conn.execute(
                emulator_meta.update()
                .where(emulator_meta.c.id == 1)
                .values(stats_gen=emulator_meta.c.stats_gen + 1)
                .returning(emulator_meta.c.stats_gen)
            ).scalar_one()
            conn.execute(emulator_stats.delete())
        self._changes.bump(STATE)
        with self._lock:
            self._pending.clear()
            self.gen = max(self.gen, int(gen))


class SharedSync:
    """Per-request catch-up with the database: clock offset, faults, resets elsewhere."""

    def __init__(
        self,
        db: Database,
        changes: ChangeCounter,
        clock: SharedClock,
        faults: SharedFaults,
        stats: SharedStats,
        on_reset: Callable[[], None],
    ) -> None:
        self._db = db
        self._changes = changes
        self._clock = clock
        self._faults = faults
        self._stats = stats
        self._on_reset = on_reset
        self._reset_gen: int | None = None
        self._seen = -1  # the counter value the last catch-up started from
        self._due = 0.0  # monotonic time of the next unconditional catch-up
        self._lock = threading.Lock()

    def sync(self) -> None:
        """Catch up when the change counter moved or `SYNC_INTERVAL` passed (else no I/O)."""
        seen = self._changes.value(STATE)
        now = time.monotonic()
        if seen == self._seen and now < self._due:
            return
        # Recorded before reading: a change committed meanwhile bumps again, so it is not lost.
        self._seen, self._due = seen, now + SYNC_INTERVAL
        try:
            self.read()
        except BaseException:
            self._seen = -1  # try again on the next request
            raise

    def read(self) -> None:
        """Read ``emulator_meta`` once and apply what changed."""
        row = self._db.first(_META, {})
        offset, faults_gen, reset_gen, stats_gen = (
            row["clock_offset"],
            row["faults_gen"],
            row["reset_gen"],
            row["stats_gen"],
        )
        self._clock.observe(float(offset))
        self._stats.gen = max(self._stats.gen, int(stats_gen))
        self._faults.reload(int(faults_gen))
        with self._lock:
            changed = self._reset_gen is not None and reset_gen != self._reset_gen
            self._reset_gen = int(reset_gen)
        if changed:
            self._on_reset()

    def announce_reset(self) -> None:
        """Tell the other processes that the data was reset (they drop their caches)."""
        with self._db.write() as conn:
            _bump(conn, "reset_gen")
        self._changes.bump(STATE)
