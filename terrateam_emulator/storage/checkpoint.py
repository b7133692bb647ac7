"""WAL checkpoints of a SQLite file, off the request path.

SQLite's own autocheckpoint runs inside the commit that crosses its threshold: the handler that
wrote the chunk waits while SQLite copies the WAL into the database file and fsyncs both (a
quarter of a second per 64 MiB here, seconds on a loaded machine; one artifact put in three
paid it, docs/performance.md "Artifacts"). `WalCheckpointer` starts a PASSIVE checkpoint in a
short-lived thread of its own once the WAL file passes `CHECKPOINT_AT`, so the commit returns at
once. PASSIVE never blocks readers or writers; the autocheckpoint stays on, at a higher mark, as
the backstop should writes outrun the thread.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import closing

__all__ = ["CHECKPOINT_AT", "WAL_KEPT", "WalCheckpointer"]

# Start a background checkpoint when the WAL file is this large.
CHECKPOINT_AT = 64 * 1024 * 1024  # bytes
# What the WAL file is cut back to after a checkpoint (engine.py sets it as journal_size_limit).
# Below the mark, or the file would stay past it and every write would start a checkpoint.
WAL_KEPT = CHECKPOINT_AT // 4


class WalCheckpointer:
    """Checkpoint the WAL of the SQLite file at ``path`` in the background when it has grown."""

    def __init__(self, path: str, *, threshold: int = CHECKPOINT_AT) -> None:
        self.path = path
        self.threshold = threshold
        self.completed = 0  # checkpoints run (for tests and the curious)
        self._running = threading.Lock()

    def after_write(self) -> None:
        """Call after a commit: starts a checkpoint if the WAL passed the threshold (≈ 2 µs)."""
        try:
            size = os.stat(self.path + "-wal").st_size
        except OSError:
            return  # no WAL file (yet, or any more)
        if size < self.threshold or not self._running.acquire(blocking=False):
            return
        try:
            threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True).start()
        except RuntimeError:  # no thread can start (interpreter shutting down): the backstop
            self._running.release()

    def _run(self) -> None:
        try:
            # Its own connection: the pool's are the handlers', and a checkpoint must not hold
            # one of them. timeout=0: PASSIVE does not wait on locks anyway.
            with closing(sqlite3.connect(self.path, timeout=0)) as conn:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            self.completed += 1
        except sqlite3.Error:
            pass  # e.g. the file was removed under us; the autocheckpoint is the backstop
        finally:
            self._running.release()
