"""The KV store, literally as upstream's SQL behaves (docs/contract.md §4). No FastAPI here.

Every operation takes the caller's capability list (for ``read_caps``/``write_caps``
containment) and raises `EmulatorError` with upstream's status and Content-Type rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from terrateam_emulator.resources.identity.caps import contains
from terrateam_emulator.resources.kv.cache import KVReadCache
from terrateam_emulator.resources.kv.jsonpath import JsonPathSyntaxError, compile_path, first_match
from terrateam_emulator.resources.kv.sql import (
    GET_ANY,
    GET_COMMITTED,
    INSERT,
    JSON_404,
    MAX_VERSION,
    ROW_CAPS,
    ROW_CAPS_AT,
    UPDATE,
    caps_or_none,
    check_key,
    dump,
    namespace,
    record,
    server_error,
    wrap16,
    wrap32,
)
from terrateam_emulator.resources.kv.tables import kv
from terrateam_emulator.server.changes import KV, ChangeCounter
from terrateam_emulator.server.clock import Clock
from terrateam_emulator.server.errors import EmulatorError
from terrateam_emulator.storage.engine import Database
from terrateam_emulator.storage.jsonb import (
    JsonbError,
    canonicalise_for_store,
    loads_lossless,
    normalise,
    to_compact,
)

# Guarded writes (see `KVStore._write_row`).
_PG_INSERT_IF_ABSENT = pg_insert(kv).on_conflict_do_nothing().returning(kv.c.idx)
_UPDATE_SEEN = UPDATE.where(
    kv.c.version == sa.bindparam("b_version"),
    kv.c.write_caps.is_not_distinct_from(sa.bindparam("b_caps")),
)
_MAX_RACES = 100

__all__ = ["MAX_VERSION", "KVStore", "KVWrite", "namespace", "wrap16", "wrap32"]


@dataclass(frozen=True)
class KVWrite:
    """A decoded ``kv-set`` / ``kv-cas`` body (caps already validated and canonical)."""

    data: Any
    idx: int = 0
    committed: bool = True
    read_caps: list[Any] | None = None
    write_caps: list[Any] | None = None
    #: No string in ``data`` needs a JSON escape (its body had no backslash): see `canonicalise`.
    plain: bool = False


Select = list[tuple[str, str]]


class KVStore:
    """The eight KV operations over one database and clock."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        select_mode: str = "faithful",
        changes: ChangeCounter | None = None,
    ) -> None:
        """``changes``: the workers' change counter; every committed write bumps its `KV` slot.

        Reads are cached (`KVReadCache`) only when that counter is shared by the workers of
        one ``serve --workers N`` on PostgreSQL; SQLite reads are in process and not cached.
        """
        self.db = db
        self.clock = clock
        self.select_mode = select_mode
        self.changes = changes
        self.read_cache: KVReadCache | None = None
        if changes is not None and changes.shared and not db.is_sqlite:
            self.read_cache = KVReadCache(changes)

    def changed(self) -> None:
        """Tell every worker that KV rows changed (call after the commit, before answering)."""
        if self.changes is not None:
            self.changes.bump(KV)

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        """`Database.write`, then the `KV` bump (also when it failed: it may have committed)."""
        try:
            with self.db.write() as conn:
                yield conn
        finally:
            self.changed()

    def _row(self, ns: str, key: str, idx16: int, committed: bool) -> Any:
        """The row a get reads (a mapping or None), from the read cache when it is current."""
        cache = self.read_cache
        params = {"ns": ns, "key": key, "idx": idx16}
        stmt = GET_COMMITTED if committed else GET_ANY
        if cache is None:
            return self.db.first(stmt, params)
        cache_key = (ns, key, idx16, committed)
        gen = cache.generation()
        found = cache.lookup(cache_key)
        if not cache.missing(found):
            return found
        row = self.db.first(stmt, params)
        cache.store(cache_key, row, gen)
        return row

    # -- helpers ---------------------------------------------------------------------------

    def _projector(self, select: Select | None) -> Any:
        """Return ``None`` (no select) or a function ``pg_text -> compact data``."""
        if select is None:
            return None
        entries = [(n, p) for n, p in select]
        if entries and self.select_mode == "faithful":
            # Upstream snapshot ca522df: jsonpath sent without its version byte → 500 (§4.7).
            raise server_error()
        try:
            compiled = [(name, compile_path(path)) for name, path in entries]
        except JsonPathSyntaxError as exc:
            raise EmulatorError(400, json_type=True) from exc

        def project(pg_text: str) -> str:
            data = loads_lossless(pg_text)
            out: dict[str, Any] = {}
            for name, steps in compiled:
                found, value = first_match(steps, data)
                out.pop(name, None)  # duplicate names: the last entry wins
                out[name] = value if found else None
            return "{" + ",".join(f"{dump(k)}:{to_compact(v)}" for k, v in out.items()) + "}"

        return project

    @staticmethod
    def _where(ns: str, key: str, idx: int | None = None) -> list[Any]:
        cond = [kv.c.namespace == ns, kv.c.key == key]
        if idx is not None:
            cond.append(kv.c.idx == idx)
        return cond

    @staticmethod
    def _encode_data(body: KVWrite) -> tuple[str, str, int]:
        try:
            return canonicalise_for_store(body.data, plain_strings=body.plain)
        except JsonbError as exc:
            raise server_error() from exc

    # -- operations ------------------------------------------------------------------------

    def get(
        self,
        ns: str,
        key: str,
        *,
        idx: int,
        committed: bool,
        caps: list[Any],
        select: Select | None = None,
    ) -> str:
        """Return the record JSON; 404 (JSON type) when missing, uncommitted or unreadable."""
        check_key(key)
        project = self._projector(select)
        row = self._row(ns, key, wrap16(idx), committed)
        if row is None or not contains(caps, caps_or_none(row["read_caps"])):
            raise JSON_404
        return record(
            committed=bool(row["committed"]),
            created_at=row["created_at"],
            data_json=project(row["data"] or row["data_json"]) if project else row["data_json"],
            idx=idx,
            key=key,
            read_caps=row["read_caps"],
            size=row["data_size"],
            version=row["version"],
            write_caps=row["write_caps"],
        )

    def _write_row(
        self,
        conn: sa.Connection,
        ns: str,
        key: str,
        body: KVWrite,
        version: int,
        *,
        insert: bool,
        encoded: tuple[str, str, int] | None = None,
        seen: Any = None,
    ) -> tuple[float, int] | None:
        """Insert (only if absent) or update the row last read as ``seen``; None if it moved.

        Each write is one guarded statement (``INSERT … ON CONFLICT DO NOTHING`` on
        PostgreSQL, ``UPDATE … WHERE version = :seen AND write_caps IS NOT DISTINCT FROM``),
        so two processes on one database can never both win from the same read.
        """
        pg, compact, size = encoded or self._encode_data(body)
        now = self.clock.now()
        values = {
            # '' when the compact text rebuilds it: a chunk's megabytes are written once.
            "data": pg,
            "data_json": compact,
            "data_size": size,
            "committed": body.committed,
            "created_at": now,
            "version": version,
            "read_caps": None if body.read_caps is None else dump(body.read_caps),
            "write_caps": None if body.write_caps is None else dump(body.write_caps),
        }
        if insert:
            row = {"namespace": ns, "key": key, "idx": wrap16(body.idx), **values}
            if self.db.is_sqlite:
                done = conn.execute(INSERT, row).rowcount
            else:
                done = len(conn.execute(_PG_INSERT_IF_ABSENT, row).all())
        elif seen is None:
            done = conn.execute(
                UPDATE, {"b_ns": ns, "b_key": key, "b_idx": wrap16(body.idx), **values}
            ).rowcount
        else:
            params = {"b_ns": ns, "b_key": key, "b_idx": wrap16(body.idx), **values}
            params |= {"b_version": seen.version, "b_caps": seen.write_caps}
            done = conn.execute(_UPDATE_SEEN, params).rowcount
        return (now, size) if done == 1 else None

    def _write_answer(self, key: str, body: KVWrite, now: float, size: int, version: int) -> str:
        return record(
            committed=body.committed,
            created_at=now,
            data_json="null",
            idx=body.idx,
            key=key,
            read_caps=None if body.read_caps is None else dump(body.read_caps),
            size=size,
            version=version,
            write_caps=None if body.write_caps is None else dump(body.write_caps),
        )

    def set(self, ns: str, key: str, body: KVWrite, *, caps: list[Any]) -> str:
        """Upsert; the answer has ``data: null``. Overwriting a write-protected row → 500."""
        check_key(key)
        encoded = self._encode_data(body)  # bad data fails before anything else
        with self._write() as conn:
            params = {"ns": ns, "key": key, "idx": wrap16(body.idx)}
            # Last writer wins: retry when another process wrote between read and write.
            for _ in range(_MAX_RACES):
                row = conn.execute(ROW_CAPS, params).first()
                if row is None:
                    version = 0
                    done = self._write_row(
                        conn, ns, key, body, version, insert=True, encoded=encoded
                    )
                else:
                    if not contains(caps, caps_or_none(row.write_caps)):
                        raise server_error()  # upstream: `assert false` on an empty RETURNING
                    if row.version >= MAX_VERSION:
                        raise server_error()  # smallint out of range
                    version = row.version + 1
                    done = self._write_row(
                        conn, ns, key, body, version, insert=False, encoded=encoded, seen=row
                    )
                if done is not None:
                    return self._write_answer(key, body, done[0], done[1], version)
        raise server_error()

    def cas(self, ns: str, key: str, body: KVWrite, *, version: int | None, caps: list[Any]) -> str:
        """Insert-if-absent (``version`` None) or compare-and-set; any failure → 400."""
        check_key(key)
        encoded = self._encode_data(body)
        conflict = EmulatorError(400, json_type=True)
        with self._write() as conn:
            params = {"ns": ns, "key": key, "idx": wrap16(body.idx)}
            if version is None:
                if conn.execute(ROW_CAPS, params).first() is not None:
                    raise conflict
                new_version = 0
                done = self._write_row(
                    conn, ns, key, body, new_version, insert=True, encoded=encoded
                )
            else:
                row = conn.execute(ROW_CAPS_AT, {**params, "version": wrap16(version)}).first()
                if row is None or not contains(caps, caps_or_none(row.write_caps)):
                    raise conflict
                if row.version >= MAX_VERSION:
                    raise server_error()
                new_version = row.version + 1
                done = self._write_row(
                    conn, ns, key, body, new_version, insert=False, encoded=encoded, seen=row
                )
            if done is None:
                raise conflict  # another process won the race since our read
        return self._write_answer(key, body, done[0], done[1], new_version)

    def delete(
        self, ns: str, key: str, *, idx: int | None, version: int | None, caps: list[Any]
    ) -> bool:
        """Delete the writable rows matching; no committed filter. True if any was deleted."""
        check_key(key)
        cond = self._where(ns, key, None if idx is None else wrap16(idx))
        if version is not None:
            cond.append(kv.c.version == wrap16(version))
        with self._write() as conn:
            rows = conn.execute(sa.select(kv.c.idx, kv.c.write_caps).where(*cond)).all()
            doomed = [r.idx for r in rows if contains(caps, caps_or_none(r.write_caps))]
            if not doomed:
                return False
            gone = conn.execute(kv.delete().where(*cond, kv.c.idx.in_(doomed))).rowcount
        return bool(gone)

    def _readable_rows(
        self, ns: str, key: str, *, idx: int | None, committed: bool, caps: list[Any]
    ) -> list[Any]:
        cond = self._where(ns, key, idx)
        if committed:
            cond.append(kv.c.committed.is_(True))
        with self.db.read() as conn:
            rows = conn.execute(
                sa.select(kv.c.idx, kv.c.data_size, kv.c.read_caps).where(*cond)
            ).all()
        return [r for r in rows if contains(caps, caps_or_none(r.read_caps))]

    def count(self, ns: str, key: str, *, committed: bool, caps: list[Any]) -> tuple[int, int]:
        """Return ``(count, max_idx)`` of exactly this key; zero rows → 404 (JSON type)."""
        check_key(key)
        rows = self._readable_rows(ns, key, idx=None, committed=committed, caps=caps)
        if not rows:
            raise JSON_404
        return len(rows), max(r.idx for r in rows)

    def size(self, ns: str, key: str, *, idx: int | None, committed: bool, caps: list[Any]) -> int:
        """Sum of ``data_size``; zero matching rows → 500 (upstream's NULL ``sum``)."""
        check_key(key)
        idx16 = None if idx is None else wrap16(idx)
        rows = self._readable_rows(ns, key, idx=idx16, committed=committed, caps=caps)
        if not rows:
            raise server_error()
        return sum(r.data_size for r in rows)

    def iter(
        self,
        ns: str,
        key: str,
        *,
        idx: int | None,
        inclusive: bool,
        committed: bool,
        prefix: bool,
        limit: int,
        caps: list[Any],
        select: Select | None = None,
    ) -> list[str]:
        """Return record JSONs from the start condition of §4.4.7, in byte order of (key, idx)."""
        check_key(key)
        project = self._projector(select)
        limit = wrap32(limit)
        if limit < 0:
            raise server_error()  # negative LIMIT is a DB error
        if limit == 0:
            return []
        cond: list[Any] = [kv.c.namespace == ns]
        if idx is None:
            cond.append(kv.c.key >= key if inclusive else kv.c.key > key)
        elif inclusive:
            cond += [kv.c.key == key, kv.c.idx >= wrap16(idx)]
        else:
            cond.append(sa.or_(sa.and_(kv.c.key == key, kv.c.idx > wrap16(idx)), kv.c.key > key))
        if committed:
            cond.append(kv.c.committed.is_(True))
        out: list[str] = []
        with self.db.read() as conn:
            result = conn.execute(sa.select(kv).where(*cond).order_by(kv.c.key, kv.c.idx))
            for row in result:
                if prefix and not row.key.startswith(key):
                    if row.key > key:
                        break  # keys sharing the prefix are contiguous in byte order
                    continue
                if not contains(caps, caps_or_none(row.read_caps)):
                    continue
                out.append(
                    record(
                        committed=row.committed,
                        created_at=row.created_at,
                        data_json=project(row.data or row.data_json) if project else row.data_json,
                        idx=row.idx,
                        key=row.key,
                        read_caps=row.read_caps,
                        size=row.data_size,
                        version=row.version,
                        write_caps=row.write_caps,
                    )
                )
                if len(out) >= limit:
                    break
            result.close()
        return out

    def commit(
        self, ns: str, keys: list[tuple[str, int | None]], *, caps: list[Any]
    ) -> list[tuple[int, str]]:
        """Flip uncommitted, writable targeted rows to committed; return ``(idx, key)`` flipped."""
        for key, _ in keys:
            check_key(key)
        flipped: dict[tuple[str, int], None] = {}
        with self._write() as conn:
            for key, idx in keys:
                cond = self._where(ns, key, None if idx is None else wrap16(idx))
                rows = conn.execute(
                    sa.select(kv.c.idx, kv.c.write_caps).where(*cond, kv.c.committed.is_(False))
                ).all()
                for r in rows:
                    if contains(caps, caps_or_none(r.write_caps)):
                        flipped[(key, r.idx)] = None
            for key, idx in list(flipped):
                # Guarded flip: a row another process committed first is not reported twice.
                done = conn.execute(
                    kv.update()
                    .where(*self._where(ns, key, idx), kv.c.committed.is_(False))
                    .values(committed=True)
                ).rowcount
                if done != 1:
                    del flipped[(key, idx)]
        return [(idx, key) for key, idx in flipped]

    def seed_record(self, ns: str, key: str, body: KVWrite) -> None:
        """Write a record unconditionally (seed data)."""
        normalise(body.data)
        with self._write() as conn:
            conn.execute(kv.delete().where(*self._where(ns, key, wrap16(body.idx))))
            self._write_row(conn, ns, key, body, 0, insert=True)
