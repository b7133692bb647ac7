"""The per-worker KV read cache (``terrateam_emulator/resources/kv/cache.py``).

On ``serve --workers 4`` with PostgreSQL each worker keeps the rows KV gets read, valid while
the `KV` slot of the workers' change counter stands still. Every test below first reads the
key on several keep-alive connections (which the kernel spreads over the workers, so each
worker has the row cached), then changes it through one connection and checks every
connection at once: a write that did not move the counter would be answered from a stale
cache. The unit tests at the end check the cache itself (bound, large values, generations).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from rel_helpers import EmulatorProcess

from terrateam_emulator.resources.kv.cache import KVReadCache
from terrateam_emulator.server.changes import KV, ChangeCounter, create_file
from terrateam_emulator.testing import EmulatorAdmin

KV_PATH = "/api/v1/github/kv/12345"
CONNECTIONS = 12  # keep-alive connections: with 4 workers, every one holds some (kernel permitting)


def _token(url: str, api_key: str) -> str:
    with httpx.Client(base_url=url, timeout=30) as http:
        r = http.post(
            "/api/v1/access-token/refresh", headers={"authorization": f"Bearer {api_key}"}
        )
    assert r.status_code == 200
    return str(r.json()["token"])


@pytest.fixture
def conns(pg_workers: EmulatorProcess) -> Iterator[list[httpx.Client]]:
    """Keep-alive connections, each authorised with a token of the demo API key."""
    auth = {"authorization": f"Bearer {_token(pg_workers.url, pg_workers.api_key)}"}
    clients = [
        httpx.Client(base_url=pg_workers.url, headers=auth, timeout=30) for _ in range(CONNECTIONS)
    ]
    try:
        yield clients
    finally:
        for c in clients:
            c.close()


def _get_all(conns: list[httpx.Client], key: str, **params: Any) -> list[tuple[int, Any]]:
    out = []
    for c in conns:
        r = c.get(f"{KV_PATH}/key/{key}", params=params)
        out.append((r.status_code, r.json()["data"] if r.status_code == 200 else None))
    return out


def _versions(conns: list[httpx.Client], key: str) -> list[int]:
    out = []
    for c in conns:
        r = c.get(f"{KV_PATH}/key/{key}")
        assert r.status_code == 200
        out.append(int(r.json()["version"]))
    return out


def _warm(conns: list[httpx.Client], key: str, **params: Any) -> list[tuple[int, Any]]:
    first = _get_all(conns, key, **params)
    assert _get_all(conns, key, **params) == first  # the second read is a cache hit
    return first


def test_set_is_seen_by_the_next_get_on_every_worker(conns: list[httpx.Client]) -> None:
    writer = conns[0]
    assert _warm(conns, "cached") == [(404, None)] * CONNECTIONS  # "no row" is cached too
    for n in range(4):
        assert writer.put(f"{KV_PATH}/key/cached", json={"data": {"n": n}}).status_code == 200
        assert _get_all(conns, "cached") == [(200, {"n": n})] * CONNECTIONS
        assert _versions(conns, "cached") == [n] * CONNECTIONS
        assert _get_all(conns, "cached") == [(200, {"n": n})] * CONNECTIONS


def test_delete_is_a_404_on_the_next_get_everywhere(conns: list[httpx.Client]) -> None:
    writer = conns[0]
    for n in range(3):
        assert writer.put(f"{KV_PATH}/key/doomed", json={"data": n}).status_code == 200
        assert _warm(conns, "doomed") == [(200, n)] * CONNECTIONS
        r = writer.delete(f"{KV_PATH}/key/doomed")
        assert r.status_code == 200
        assert r.json() == {"result": True}
        assert _get_all(conns, "doomed") == [(404, None)] * CONNECTIONS


def test_cas_versions_and_commits_are_seen_everywhere(conns: list[httpx.Client]) -> None:
    writer = conns[0]
    assert writer.put(f"{KV_PATH}/cas/key/counter", json={"data": 0}).status_code == 200
    for n in range(4):
        assert _warm(conns, "counter") == [(200, n)] * CONNECTIONS
        assert _versions(conns, "counter") == [n] * CONNECTIONS
        body = {"data": n + 1, "version": n}
        assert writer.put(f"{KV_PATH}/cas/key/counter", json=body).status_code == 200
        assert _versions(conns, "counter") == [n + 1] * CONNECTIONS
    # Uncommitted, then committed: `committed=true` gets go from 404 to the row at once.
    body = {"data": "draft", "committed": False, "idx": 1}
    assert writer.put(f"{KV_PATH}/key/counter", json=body).status_code == 200
    assert _warm(conns, "counter", idx=1) == [(404, None)] * CONNECTIONS
    r = writer.post(f"{KV_PATH}/commit", json={"keys": [{"key": "counter", "idx": 1}]})
    assert r.status_code == 200
    assert r.json() == {"keys": [{"idx": 1, "key": "counter"}]}
    assert _get_all(conns, "counter", idx=1) == [(200, "draft")] * CONNECTIONS


def test_large_values_and_reset_are_exact(
    pg_workers: EmulatorProcess, conns: list[httpx.Client]
) -> None:
    writer = conns[0]
    for n in range(3):
        big = f"{n}" * (100 * 1024)  # over the 64 KiB that the cache keeps
        assert writer.put(f"{KV_PATH}/key/big", json={"data": big}).status_code == 200
        assert _warm(conns, "big") == [(200, big)] * CONNECTIONS
    admin = EmulatorAdmin(pg_workers.url)
    assert writer.put(f"{KV_PATH}/key/small", json={"data": 1}).status_code == 200
    assert _warm(conns, "small") == [(200, 1)] * CONNECTIONS
    admin.reset()
    assert _get_all(conns, "small") == [(404, None)] * CONNECTIONS
    admin.close()


def test_faults_and_capabilities_still_apply_to_cached_rows(
    pg_workers: EmulatorProcess, conns: list[httpx.Client]
) -> None:
    writer = conns[0]
    assert writer.put(f"{KV_PATH}/key/guarded", json={"data": 7}).status_code == 200
    assert _warm(conns, "guarded") == [(200, 7)] * CONNECTIONS
    admin = EmulatorAdmin(pg_workers.url)
    admin.inject_fault(kind="status", status=503, method="GET", path="^/api/v1/github/kv/")
    codes = [c.get(f"{KV_PATH}/key/guarded").status_code for c in conns]
    assert codes.count(503) == 1  # count=1: fires once across all workers, cache or not
    admin.clear_faults()
    # A key without `kv_store_read` is refused although every worker has the row cached.
    demo_user = admin.info()["demo_user_id"]
    key = admin.mint_api_key("write-only", ["kv_store_write"], user_id=demo_user)
    auth = {"authorization": f"Bearer {_token(pg_workers.url, key.refresh_token)}"}
    codes = [c.get(f"{KV_PATH}/key/guarded", headers=auth).status_code for c in conns]
    assert codes == [403] * CONNECTIONS
    admin.close()


# -- the cache itself (no server) -------------------------------------------------------------


@pytest.fixture
def counter() -> Iterator[ChangeCounter]:
    path = create_file()
    changes = ChangeCounter(path)
    try:
        yield changes
    finally:
        changes.close()
        Path(path).unlink()


def _row(data: str) -> dict[str, Any]:
    return {"data": data, "data_json": f'"{data}"'}


def test_lru_keeps_at_most_max_entries(counter: ChangeCounter) -> None:
    cache = KVReadCache(counter, max_entries=3)
    keys = [("ns", f"k{i}", 0, True) for i in range(5)]
    for k in keys[:3]:
        cache.store(k, _row(k[1]), cache.generation())
    assert cache.lookup(keys[0]) == _row("k0")  # now the most recently used
    for k in keys[3:]:
        cache.store(k, _row(k[1]), cache.generation())
    assert len(cache) == 3
    assert cache.missing(cache.lookup(keys[1]))
    assert cache.missing(cache.lookup(keys[2]))
    assert [cache.lookup(k) for k in (keys[0], keys[3], keys[4])] == [
        _row("k0"),
        _row("k3"),
        _row("k4"),
    ]


def test_large_rows_are_not_kept_and_none_is(counter: ChangeCounter) -> None:
    cache = KVReadCache(counter, max_value_bytes=100)
    gen = cache.generation()
    cache.store(("ns", "big", 0, True), _row("x" * 60), gen)
    cache.store(("ns", "gone", 0, True), None, gen)
    assert cache.missing(cache.lookup(("ns", "big", 0, True)))
    assert cache.lookup(("ns", "gone", 0, True)) is None
    assert not cache.missing(cache.lookup(("ns", "gone", 0, True)))


def test_a_bump_drops_everything_and_stale_reads_are_not_kept(counter: ChangeCounter) -> None:
    cache = KVReadCache(counter)
    gen = cache.generation()
    cache.store(("ns", "a", 0, True), _row("a"), gen)
    counter.bump(KV)
    assert cache.missing(cache.lookup(("ns", "a", 0, True))) is False  # not yet checked
    new = cache.generation()
    assert new != gen
    assert len(cache) == 0
    # Read before the bump, stored after it: dropped.
    cache.store(("ns", "a", 0, True), _row("old"), gen)
    assert len(cache) == 0
    later = cache.generation()
    counter.bump(KV)  # a write committed between the read and the store
    cache.store(("ns", "a", 0, True), _row("old"), later)
    assert len(cache) == 0
