"""storage/checkpoint.py: a SQLite file's WAL is checkpointed in the background, not in a commit.

The proof that a checkpoint ran is the database file itself: opened with ``immutable=1``, SQLite
reads the main file only (never the WAL), so the rows are there only once a checkpoint copied
them in.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from terrateam_emulator.storage.checkpoint import CHECKPOINT_AT, WalCheckpointer
from terrateam_emulator.storage.engine import Database

_MIB = 1024 * 1024


def _rows_in_main_file(path: Path) -> int:
    """Rows of ``blobs`` in the database file alone (the WAL ignored)."""
    with sqlite3.connect(f"file:{path}?immutable=1", uri=True) as conn:
        try:
            return int(conn.execute("SELECT count(*) FROM blobs").fetchone()[0])
        except sqlite3.OperationalError:  # the table itself is still only in the WAL
            return 0


def _wait_for(checkpointer: WalCheckpointer, count: int) -> None:
    deadline = time.monotonic() + 20  # generous: a loaded CI machine
    while checkpointer.completed < count and time.monotonic() < deadline:
        time.sleep(0.01)
    assert checkpointer.completed >= count, "the background checkpoint did not run"


def _database(tmp_path: Path, threshold: int) -> tuple[Database, WalCheckpointer, Path]:
    path = tmp_path / "emu.db"
    db = Database(f"sqlite:///{path}")
    checkpointer = db._checkpointer
    assert checkpointer is not None, "a SQLite file database has a checkpointer"
    checkpointer.threshold = threshold
    with db.write() as conn:
        conn.exec_driver_sql("CREATE TABLE blobs (b BLOB)")
    return db, checkpointer, path


def _write_blobs(db: Database, mib: int) -> None:
    for _ in range(mib):
        with db.write() as conn:
            conn.exec_driver_sql("INSERT INTO blobs VALUES (?)", (os.urandom(_MIB),))


def test_checkpoint_runs_in_the_background_past_the_threshold(tmp_path: Path) -> None:
    """Past the mark, a write starts a checkpoint that brings the WAL's rows into the file."""
    db, checkpointer, path = _database(tmp_path, threshold=2 * _MIB)
    try:
        _write_blobs(db, 4)
        _wait_for(checkpointer, 1)
        assert _rows_in_main_file(path) >= 2
        # Nothing was lost or half-written: every row reads back through the WAL as well.
        with db.read() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM blobs").scalar_one() == 4
    finally:
        db.dispose()


def test_below_the_threshold_no_checkpoint_starts(tmp_path: Path) -> None:
    """Small writes leave the WAL alone (SQLite's own autocheckpoint is far above them)."""
    db, checkpointer, path = _database(tmp_path, threshold=64 * _MIB)
    try:
        _write_blobs(db, 2)
        assert checkpointer.completed == 0
        assert _rows_in_main_file(path) == 0
    finally:
        db.dispose()


def test_the_wal_is_cut_back_below_the_mark_after_a_checkpoint(tmp_path: Path) -> None:
    """After a checkpoint the next write restarts the WAL, cut back under `CHECKPOINT_AT`, so a
    write does not start a checkpoint every time."""
    db, checkpointer, _ = _database(tmp_path, threshold=CHECKPOINT_AT)
    wal = Path(db.url.database or "").with_name("emu.db-wal")
    try:
        _write_blobs(db, 66)
        # A checkpoint that ran while writes went on leaves their frames for the next one: write
        # and wait until a writer finds the WAL wholly copied and restarts it.
        for _ in range(20):
            _wait_for(checkpointer, checkpointer.completed + 1)
            _write_blobs(db, 1)
            if wal.stat().st_size < CHECKPOINT_AT:
                break
        assert wal.stat().st_size < CHECKPOINT_AT
    finally:
        db.dispose()


def test_no_wal_file_is_not_an_error(tmp_path: Path) -> None:
    """A path without a WAL (removed, or not in WAL mode) starts nothing and raises nothing."""
    checkpointer = WalCheckpointer(str(tmp_path / "missing.db"), threshold=1)
    checkpointer.after_write()
    assert checkpointer.completed == 0


def test_memory_database_has_no_checkpointer() -> None:
    """An in-memory database has no WAL to checkpoint."""
    db = Database("sqlite://")
    try:
        assert db._checkpointer is None
    finally:
        db.dispose()
