"""`_engine`/`_db`: the schema works on SQLite and compiles for PostgreSQL."""

from __future__ import annotations

import json

import sqlalchemy as sa

from terrateam_emulator.resources.kv.tables import kv
from terrateam_emulator.resources.tables import metadata
from terrateam_emulator.storage.engine import Database


def test_schema_compiles_for_postgresql():
    """Every table's DDL renders for PostgreSQL, with byte-order (C) collation on KV keys."""
    ddl: list[str] = []
    engine = sa.create_mock_engine(
        "postgresql+psycopg://",
        lambda sql, *a, **k: ddl.append(str(sql.compile(dialect=engine.dialect))),
    )
    metadata.create_all(engine, checkfirst=False)
    kv_ddl = next(d for d in ddl if "CREATE TABLE kv " in d)
    assert 'COLLATE "C"' in kv_ddl


def test_memory_database_is_shared_across_threads():
    """`sqlite://` is one database for every thread (StaticPool), and reset empties it."""
    import threading

    db = Database("sqlite://")
    with db.write() as conn:
        conn.execute(
            kv.insert().values(
                namespace="n",
                key="k",
                idx=0,
                data="1",
                data_json="1",
                data_size=1,
                committed=True,
                created_at=0.0,
                version=0,
            )
        )
    seen: list[int] = []

    def read() -> None:
        with db.read() as conn:
            seen.append(conn.execute(sa.select(sa.func.count()).select_from(kv)).scalar_one())

    t = threading.Thread(target=read)
    t.start()
    t.join()
    assert seen == [1]
    db.reset()
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(kv)).scalar_one() == 0


def test_file_database_uses_wal(tmp_path):
    """A SQLite file database runs in WAL mode."""
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with db.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
    db.dispose()


def test_fast_read_sees_every_commit_on_a_file_database(tmp_path):
    """`Database.first` (raw SQLite, per thread) sees each committed write at once."""
    import threading

    from terrateam_emulator.resources.kv.sql import GET_ANY as _GET_ANY

    db = Database(f"sqlite:///{tmp_path / 'f.db'}")
    params = {"ns": "n", "key": "k", "idx": 0}
    row_values = {
        "namespace": "n",
        "key": "k",
        "idx": 0,
        "data": "1",
        "data_json": "1",
        "data_size": 1,
        "committed": True,
        "created_at": 0.0,
        "version": 0,
    }
    assert db.first(_GET_ANY, params) is None
    with db.write() as conn:
        conn.execute(kv.insert().values(**row_values))
    assert db.first(_GET_ANY, params)["version"] == 0
    with db.write() as conn:
        conn.execute(kv.update().values(version=1))
    seen: list[int] = []
    t = threading.Thread(target=lambda: seen.append(db.first(_GET_ANY, params)["version"]))
    t.start()
    t.join()
    assert seen == [1]
    assert db.first(_GET_ANY, params)["version"] == 1
    db.dispose()


def test_writers_in_separate_processes_stay_atomic(tmp_path):
    """Two `Database` objects on one file (as two processes) CAS-increment without losses."""
    import threading

    from terrateam_emulator.resources.kv.backend import KVStore, KVWrite
    from terrateam_emulator.server.clock import Clock
    from terrateam_emulator.server.errors import EmulatorError

    url = f"sqlite:///{tmp_path / 'shared.db'}"
    stores = [KVStore(Database(url), Clock()), KVStore(Database(url), Clock())]
    stores[0].set("n", "c", KVWrite(data=0), caps=[])

    def bump(store: KVStore) -> None:
        done = 0
        while done < 50:
            row = store.iter(
                "n", "c", idx=None, inclusive=True, committed=True, prefix=False, limit=1, caps=[]
            )[0]
            rec = json.loads(row)
            try:
                store.cas("n", "c", KVWrite(data=rec["data"] + 1), version=rec["version"], caps=[])
                done += 1
            except EmulatorError:
                continue

    threads = [threading.Thread(target=bump, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = json.loads(stores[0].get("n", "c", idx=0, committed=True, caps=[]))
    assert (final["data"], final["version"]) == (100, 100)
