"""Engine set-up and transaction discipline for SQLite (file or memory) and PostgreSQL.

All writes go through `Database.write()`, which holds one process-wide lock, so a
read-check-write sequence (CAS, set over a protected row, commit) is atomic. An in-memory
SQLite database is one shared connection (StaticPool), so every access takes the lock.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

# Every family's tables, so `create_all`, the migrations and `reset` see the whole schema.
from terrateam_emulator.resources.tables import metadata
from terrateam_emulator.storage.checkpoint import WAL_KEPT, WalCheckpointer
from terrateam_emulator.storage.migrations import upgrade
from terrateam_emulator.storage.schema import signing_keys

__all__ = ["Database", "DatabaseUnavailable", "pool_sizing"]

_PG_CONNECT_TIMEOUT = 10  # seconds
# A pooled connection idle for longer than this is pinged before use (a restarted server or a
# dropped idle connection then costs a reconnect, not a failed request); busy ones are not.
_PING_AFTER_IDLE = 5.0  # seconds
# Connections one emulator may open on PostgreSQL over all its workers (the server's default
# max_connections is 100: leave room for psql, tests and a second emulator).
_PG_CONNECTION_BUDGET = 48


def pool_sizing(workers: int) -> tuple[int, int]:
    """``(pool_size, max_overflow)`` of each worker's pool when ``workers`` share a database.

    A worker runs its handlers on one event-loop thread, whose database calls are synchronous
    (one connection at a time), next to the stats flusher thread: two connections are busy at
    most, plus the loop's own fast-read connection. The overflow absorbs anything else and
    shrinks as workers are added, so all pools together stay near `_PG_CONNECTION_BUDGET`
    (never below 3 connections per worker).
    """
    workers = max(1, workers)
    per_worker = max(3, _PG_CONNECTION_BUDGET // workers)
    pool_size = 2
    return pool_size, max(1, min(8, per_worker - pool_size - 1))


def _is_memory_sqlite(url: sa.URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


class DatabaseUnavailable(Exception):
    """The database cannot be opened; ``str(exc)`` says why and what to do (one line)."""


def _private_sqlite_file(path: str) -> None:
    """Create the database file 0600 before SQLite does (it would use 0644 & ~umask).

    SQLite gives its ``-wal``/``-shm``/``-journal`` files the database file's mode, so they are
    private too. An existing file readable by others is tightened: it holds the signing key.
    """
    if path.startswith("file:"):
        return  # a SQLite URI filename: left to SQLite
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise DatabaseUnavailable(
            f"the directory {parent} of the SQLite database does not exist: "
            f"create it (mkdir -p {parent}) or choose another path"
        )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except FileExistsError:
        pass
    except OSError as exc:
        raise DatabaseUnavailable(
            f"cannot create the SQLite database {path}: {exc.strerror}"
        ) from None
    else:
        os.close(fd)
        return
    for name in (path, path + "-wal", path + "-shm", path + "-journal"):
        with suppress(OSError):
            st = os.stat(name)
            if st.st_uid == os.geteuid() and stat.S_IMODE(st.st_mode) & 0o077:
                os.chmod(name, stat.S_IMODE(st.st_mode) & 0o700)


def _describe(url: sa.URL) -> str:
    return url.render_as_string(hide_password=True)


def _connect_error(url: sa.URL, exc: Exception) -> DatabaseUnavailable:
    """One line for a database that does not answer (no SQLAlchemy traceback)."""
    orig = getattr(exc, "orig", None) or exc
    detail = " ".join(str(orig).split())[:300]
    if url.get_backend_name() == "postgresql":
        where = f"{url.host or 'localhost'}:{url.port or 5432}"
        return DatabaseUnavailable(
            f"cannot connect to PostgreSQL at {where} ({detail}): start the server or fix "
            f"the URL {_describe(url)}"
        )
    return DatabaseUnavailable(f"cannot open the database {_describe(url)} ({detail})")


def _stamp_checkin(dbapi_conn: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_conn: Any, record: Any, proxy: Any) -> None:
    # Pre-ping, only for connections that sat idle: a busy pool pays no extra round trip.
    since = record.info.get("idle_since")
    if since is None or time.monotonic() - since < _PING_AFTER_IDLE:
        return
    try:
        cur = dbapi_conn.cursor()
        try:
            cur.execute("SELECT 1")
        finally:
            cur.close()
        dbapi_conn.rollback()  # leave no transaction open behind the pool's back
    except Exception as exc:
        # The pool discards this connection and checks out (or opens) another.
        raise sa.exc.DisconnectionError(str(exc)) from exc


class Database:
    """One engine plus the locks that make the emulator's writes atomic."""

    def __init__(self, url: str, *, workers: int = 1) -> None:
        """Open (and migrate) the database; ``workers``: processes sharing it (pool sizing).

        Raises:
            DatabaseUnavailable: a missing directory, an unreachable server (one-line reason).
        """
        self.url = sa.make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.is_memory = _is_memory_sqlite(self.url)
        self._write_lock = threading.RLock()
        self._compiled: dict[int, tuple[str, tuple[str, ...]]] = {}
        self._local = threading.local()
        self._checkpointer: WalCheckpointer | None = None
        kwargs: dict[str, Any] = {}
        if self.is_memory:
            kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
        elif self.is_sqlite:
            _private_sqlite_file(self.url.database or "")
            self._checkpointer = WalCheckpointer(self.url.database or "")
            kwargs = {"connect_args": {"check_same_thread": False, "timeout": 30}}
        elif self.url.get_backend_name() == "postgresql":
            pool_size, max_overflow = pool_sizing(workers)
            kwargs = {"pool_size": pool_size, "max_overflow": max_overflow, "pool_timeout": 30}
            if self.url.get_driver_name() in ("psycopg", "psycopg2") and (
                "connect_timeout" not in self.url.query
            ):
                # A deadline on connecting: an unreachable host must not hang start-up.
                kwargs["connect_args"] = {"connect_timeout": _PG_CONNECT_TIMEOUT}
        self.engine = sa.create_engine(self.url, **kwargs)
        if self.url.get_backend_name() == "postgresql":
            sa.event.listen(self.engine.pool, "checkin", _stamp_checkin)
            sa.event.listen(self.engine.pool, "checkout", _ping_if_idle)
        if self.is_sqlite:
            sa.event.listen(self.engine, "connect", self._sqlite_pragmas)
        if self.is_sqlite and not self.is_memory:
            # Writers start with BEGIN IMMEDIATE, so read-check-write sequences stay atomic
            # even across processes sharing the file (the lock only covers this process).
            sa.event.listen(self.engine, "begin", self._sqlite_begin)
        try:
            self.migrations_applied = upgrade(self.engine)
        except sa.exc.DatabaseError as exc:
            # Unreachable server, refused login, a file that is not a database; not a bug of
            # ours (those are ProgrammingError, IntegrityError... and keep their traceback).
            if (
                not isinstance(exc, sa.exc.OperationalError)
                and type(exc) is not sa.exc.DatabaseError
            ):
                raise
            self.engine.dispose()
            raise _connect_error(self.url, exc) from exc

    def _sqlite_begin(self, conn: sa.Connection) -> None:
        immediate = conn.get_execution_options().get("emulator_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    def _sqlite_pragmas(self, dbapi_conn: Any, _record: Any) -> None:
        if not self.is_memory:
            dbapi_conn.isolation_level = None  # SQLAlchemy's "begin" event emits BEGIN
        cur = dbapi_conn.cursor()
        if not self.is_memory:
            # Megabyte artifact chunks (docs/performance.md): 16 KiB pages (a new file only;
            # an existing one keeps its size) write a chunk in a quarter of the WAL frames.
            # Checkpoints (copy + two fsyncs, ~0.3 s per 64 MiB here) run in the background
            # from 64 MiB of WAL (storage/checkpoint.py); the commit's own autocheckpoint, at
            # 256 MiB with 16 KiB pages, is only the backstop. After a checkpoint the WAL file
            # is cut back to `WAL_KEPT` (16 MiB), below the background mark.
            cur.execute("PRAGMA page_size=16384")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA wal_autocheckpoint=16384")
            cur.execute(f"PRAGMA journal_size_limit={WAL_KEPT}")
            # Some builds default to secure_delete=1: deleting a 64 MiB artifact's old chunks
            # then zero-fills every freed overflow page (~1 s here). FAST still zeroes deleted
            # content on b-tree pages (small rows: tokens, keys), where it costs no extra I/O.
            cur.execute("PRAGMA secure_delete=FAST")
        cur.close()

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        """Yield a connection for reads (memory SQLite: serialised with writes)."""
        if self.is_memory:
            with self._write_lock, self.engine.connect() as conn:
                yield conn
                conn.rollback()
        else:
            with self.engine.connect() as conn:
                yield conn
                conn.rollback()

    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """Yield a connection in a transaction that commits on success, under the write lock."""
        with self._write_lock, self.engine.connect() as conn:
            conn.execution_options(emulator_write=True)
            with conn.begin():
                yield conn
            if self._checkpointer is not None:
                self._checkpointer.after_write()

    def _raw_sqlite(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self.is_memory:
                # The one shared connection of the StaticPool (used under the lock only).
                raw = self.engine.raw_connection().driver_connection
                assert isinstance(raw, sqlite3.Connection)
                conn = raw
            else:
                conn = sqlite3.connect(self.url.database or "", check_same_thread=False)
            self._local.conn = conn
        return conn

    def first(self, stmt: sa.Select[Any], params: dict[str, Any]) -> Any:
        """Run a prebuilt SELECT and return its first row as a mapping (``row["col"]``).

        On SQLite this skips SQLAlchemy's execution layer (the KV read hot path): the
        statement is compiled once and run on a raw connection in autocommit, so each call
        sees the latest committed data.
        """
        if self.url.get_backend_name() == "postgresql" and self.url.get_driver_name() == "psycopg":
            return self._pg_first(stmt, params)
        if not self.is_sqlite:
            with self.read() as conn:
                row = conn.execute(stmt, params).first()
            return None if row is None else row._mapping
        key = id(stmt)
        compiled = self._compiled.get(key)
        if compiled is None:
            c = stmt.compile(dialect=self.engine.dialect)
            compiled = (str(c), tuple(c.positiontup or ()))
            self._compiled[key] = compiled
        sql, order = compiled
        args = tuple(params[name] for name in order)
        if self.is_memory:
            with self._write_lock:
                return self._fetch_first(sql, args)
        return self._fetch_first(sql, args)

    def _pg_first(self, stmt: sa.Select[Any], params: dict[str, Any]) -> Any:
        # PostgreSQL hot path: one autocommit round trip on this thread's own psycopg
        # connection (the pool path costs BEGIN … ROLLBACK around every read).
        import psycopg
        from psycopg.rows import dict_row

        key = id(stmt)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = (str(stmt.compile(dialect=self.engine.dialect)), ())
            self._compiled[key] = compiled
        for attempt in range(2):
            # This thread's connection and its one cursor (reused: ~20 % less CPU per read).
            cur: psycopg.Cursor[Any] | None = getattr(self._local, "pg_cursor", None)
            fresh = cur is None or cur.closed or cur.connection.closed
            if cur is None or fresh:
                conn = psycopg.connect(self._pg_dsn(), autocommit=True, row_factory=dict_row)
                self._local.pg = conn
                self._local.pg_cursor = cur = conn.cursor()
            try:
                return cur.execute(compiled[0], params, prepare=True).fetchone()
            except psycopg.OperationalError:
                self._local.pg = self._local.pg_cursor = None
                with suppress(Exception):
                    cur.connection.close()
                if fresh or attempt:
                    raise
                # A connection that died while idle (server restart): one read is safe to
                # repeat on a new one.
        raise AssertionError("unreachable")

    def _pg_dsn(self) -> str:
        url = self.url.set(drivername="postgresql")
        if "connect_timeout" not in url.query:
            # Like the pool's connections: an unreachable server fails, it does not hang.
            url = url.update_query_dict({"connect_timeout": str(_PG_CONNECT_TIMEOUT)})
        return url.render_as_string(hide_password=False)

    def _fetch_first(self, sql: str, args: tuple[Any, ...]) -> Any:
        cur = self._raw_sqlite().cursor()
        cur.row_factory = sqlite3.Row
        try:
            return cur.execute(sql, args).fetchone()
        finally:
            cur.close()  # ends the statement, so no read snapshot stays open

    def reset(self) -> None:
        """Delete every row of every table except the signing keys."""
        with self.write() as conn:
            for table in reversed(metadata.sorted_tables):
                if table is not signing_keys:
                    conn.execute(table.delete())

    def dump_rows(self) -> dict[str, list[dict[str, Any]]]:
        """Every row of every table except the signing keys (for `restore_rows`)."""
        with self.read() as conn:
            return {
                t.name: [dict(r._mapping) for r in conn.execute(t.select())]
                for t in metadata.sorted_tables
                if t is not signing_keys
            }

    def restore_rows(self, rows: dict[str, list[dict[str, Any]]]) -> None:
        """Replace every table's rows (signing keys kept) by a `dump_rows` copy, atomically."""
        tables = [t for t in metadata.sorted_tables if t is not signing_keys]
        with self.write() as conn:
            if self.is_sqlite:
                for table in reversed(tables):
                    conn.execute(table.delete())
            else:
                conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables))
            for table in tables:
                if rows.get(table.name):
                    conn.execute(table.insert(), rows[table.name])

    def snapshot(self) -> sqlite3.Connection | None:
        """Copy the whole SQLite database into memory (None for other backends)."""
        if not self.is_sqlite:
            return None
        snap = sqlite3.connect(":memory:", check_same_thread=False)
        with self._write_lock, self.engine.connect() as conn:
            live = conn.connection.driver_connection
            assert isinstance(live, sqlite3.Connection)
            live.backup(snap)
        return snap

    def restore(self, snap: sqlite3.Connection) -> None:
        """Replace the database content with a `snapshot` (fast reset)."""
        with self._write_lock, self.engine.connect() as conn:
            live = conn.connection.driver_connection
            assert isinstance(live, sqlite3.Connection)
            snap.backup(live)

    def dispose(self) -> None:
        """Close the pool's connections (and this thread's fast-read connection)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None and not self.is_memory:
            conn.close()
        pg = getattr(self._local, "pg", None)
        if pg is not None:
            pg.close()
        self._local = threading.local()
        self.engine.dispose()
