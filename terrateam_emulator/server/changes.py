"""A change counter that every worker of one ``serve --workers N`` reads for free.

The workers keep copies of shared state (clock offset, faults, reset and stats generations,
known-good API keys). Instead of reading ``emulator_meta`` on every request, a process that
changes shared state bumps a 64-bit counter in a small file all the workers map into memory
(`ChangeCounter.bump`, after its transaction committed). A request starts by reading the counter
(`ChangeCounter.value`, an 8-byte load from the mapping) and catches up with the database only
when it moved. Because the bump happens after the commit and before the dev-API call answers,
the next request to any worker sees the change.

The parent of the workers creates the file (`create_file`, 0600, in ``/dev/shm`` when there is
one) and passes its path in `CHANGES_ENV`; a process without it (one ``serve``, the pytest
plugin) uses a private anonymous mapping, one per database (`counter_for`), so several apps of
one process on one database also agree. Processes outside one ``serve`` (another host, a second
``serve`` on the same database) do not share the counter: `server.shared.SharedSync` also
re-reads the database every `server.shared.SYNC_INTERVAL` seconds for them.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import stat
import struct
import tempfile
import threading

__all__ = ["AUTH", "CHANGES_ENV", "KV", "STATE", "ChangeCounter", "counter_for", "create_file"]

CHANGES_ENV = "TERRATEAM_EMULATOR_CHANGES_FILE"
STATE = 0  # clock, faults, resets, stats generation
AUTH = 1  # API keys deleted (cached "this key exists" answers must go)
KV = 2  # KV rows written, deleted, committed or reset (cached KV reads must go)
_SIZE = 64
_SLOT = struct.Struct("<Q")


def create_file() -> str:
    """Create the shared counter file (0600, zeroed); return its path (the caller unlinks it)."""
    shm = "/dev/shm"
    folder = shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None
    fd, path = tempfile.mkstemp(prefix="terrateam-emulator-", suffix=".changes", dir=folder)
    try:
        os.write(fd, bytes(_SIZE))
    finally:
        os.close(fd)
    return path


class ChangeCounter:
    """Counters (`STATE`, `AUTH`, `KV`) in a mapping shared by the workers of one ``serve``."""

    def __init__(self, path: str | None = None) -> None:
        """Map ``path`` (a `create_file` file), else `CHANGES_ENV`'s, else a private mapping.

        Raises:
            OSError: the file cannot be opened, or it is not a private file of this user.
        """
        path = path if path is not None else os.environ.get(CHANGES_ENV)
        self._fd: int | None = None
        self._lock = threading.Lock()
        if path is None:
            self._map = mmap.mmap(-1, _SIZE)
            return
        fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            st = os.fstat(fd)
            # Anyone who could write it could hide changes from the workers.
            if st.st_uid != os.geteuid() or stat.S_IMODE(st.st_mode) & 0o077 or st.st_size < _SIZE:
                raise OSError(f"{path}: not a private change-counter file of this user")
            self._map = mmap.mmap(fd, _SIZE)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    @property
    def shared(self) -> bool:
        """Whether other processes see this counter (a file mapping)."""
        return self._fd is not None

    def value(self, slot: int) -> int:
        """The counter ``slot`` now (aligned 8-byte load: never torn)."""
        return int(_SLOT.unpack_from(self._map, slot * 8)[0])

    def bump(self, slot: int) -> None:
        """Add one to ``slot`` (call after the change is committed)."""
        with self._lock:
            if self._fd is not None:
                fcntl.lockf(self._fd, fcntl.LOCK_EX)  # other processes bump too
            try:
                _SLOT.pack_into(self._map, slot * 8, (self.value(slot) + 1) % 2**64)
            finally:
                if self._fd is not None:
                    fcntl.lockf(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Unmap (the file itself belongs to whoever created it)."""
        self._map.close()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


_PRIVATE: dict[str, ChangeCounter] = {}
_PRIVATE_LOCK = threading.Lock()


def counter_for(database: str) -> ChangeCounter:
    """The counter of ``database`` (a URL without password) in this process.

    The workers of one ``serve`` map `CHANGES_ENV`'s file; otherwise the apps of this process
    on the same database share one private mapping.
    """
    with _PRIVATE_LOCK:
        counter = _PRIVATE.get(database)
        if counter is None:
            counter = _PRIVATE[database] = ChangeCounter()
        return counter
