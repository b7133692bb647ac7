"""kv namespace logic over a small in-memory KV fake: iteration, the update loop, P19."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from core.fakes import API_KEY, BASE, FakeTerrateam
from terrateam_core import KVConflictError, RetryPolicy, TerrateamClient

KV = "/api/v1/github/kv/1"


class MemoryKV:
    """Just enough of KV get/cas/iter semantics, with switchable lost responses."""

    def __init__(self, fake: FakeTerrateam) -> None:
        self.rows: dict[tuple[str, int], dict[str, Any]] = {}
        self.lose_next_cas_response = False
        fake.routes[("GET", f"{KV}/key/k")] = self.get
        fake.routes[("PUT", f"{KV}/cas/key/k")] = self.cas

    def get(self, request: httpx.Request) -> httpx.Response:
        row = self.rows.get(("k", 0))
        return httpx.Response(200, json=row) if row else httpx.Response(404)

    def cas(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        row = self.rows.get(("k", 0))
        if ("version" in body) != (row is not None):
            return httpx.Response(400)
        if row is not None and row["version"] != body["version"]:
            return httpx.Response(400)
        version = 0 if row is None else row["version"] + 1
        self.rows[("k", 0)] = {"key": "k", "idx": 0, "data": body["data"], "version": version}
        if self.lose_next_cas_response:
            self.lose_next_cas_response = False
            raise httpx.ReadTimeout("response lost", request=request)
        return httpx.Response(200, json={"key": "k", "idx": 0, "data": None, "version": version})


def _client(fake: FakeTerrateam) -> TerrateamClient:
    return TerrateamClient(
        API_KEY,
        base_url=BASE,
        installation_id=1,
        transport=fake.transport(),
        retry_policy=RetryPolicy(sleep=lambda _s: None),
    )


def test_update__lost_response_then_conflict_counts_as_success() -> None:
    """A CAS applied server-side whose response is lost is retried, conflicts, and the loop
    recognises its own value instead of applying fn twice."""
    fake = FakeTerrateam()
    kv = MemoryKV(fake)
    kv.rows[("k", 0)] = {"key": "k", "idx": 0, "data": 1, "version": 0}
    kv.lose_next_cas_response = True
    calls = []

    def inc(v: Any) -> Any:
        calls.append(v)
        return v + 1

    with _client(fake) as client:
        record = client.kv.update("k", inc)
    assert record.data == 2
    assert record.version == 1
    assert calls == [1]


def test_update__gives_up_after_max_attempts() -> None:
    """A key that always conflicts raises KVConflictError after max_attempts."""
    fake = FakeTerrateam()
    MemoryKV(fake)
    fake.routes[("PUT", f"{KV}/cas/key/k")] = lambda _r: httpx.Response(400)
    with _client(fake) as client, pytest.raises(KVConflictError, match="3 conflicting"):
        client.kv.update("k", lambda v: 1, max_attempts=3)


def _iter_fake(records: list[tuple[str, int]], page_limit_seen: list[int]) -> FakeTerrateam:
    """An iter endpoint implementing the server's start-key/prefix/inclusive predicates."""
    fake = FakeTerrateam()
    rows = sorted(records)

    def handler(request: httpx.Request) -> httpx.Response:
        q = request.url.params
        key = unquote(request.url.path.split("/iter/", 1)[1])
        inclusive = q.get("inclusive") == "true"
        prefix = q.get("prefix") == "true"
        idx = int(q["idx"]) if "idx" in q else None
        limit = int(q.get("limit", "30"))
        page_limit_seen.append(limit)
        out = []
        for k, i in rows:
            if inclusive and idx is None:
                ok = k >= key
            elif inclusive:
                ok = k == key and i >= idx
            elif idx is None:
                ok = k > key
            else:
                ok = (k == key and i > idx) or k > key
            if ok and prefix:
                ok = k.startswith(key)
            if ok:
                out.append({"key": k, "idx": i, "data": None, "version": 0})
        return httpx.Response(200, json={"results": out[:limit]})

    fake.prefix_routes[("GET", f"{KV}/iter/")] = handler
    return fake


def test_iter__prefix_pages_continue_after_last_key_and_stop_at_prefix_end() -> None:
    """Pages continue with inclusive=false&prefix=false after the last (key, idx) and stop
    when keys leave the prefix."""
    records = [(f"p/{i}", j) for i in range(4) for j in range(3)] + [("q", 0), ("p", 0)]
    seen: list[int] = []
    fake = _iter_fake(records, seen)
    with _client(fake) as client:
        got = [(r.key, r.idx) for r in client.kv.iter("p/", prefix=True, page_size=5)]
    assert got == sorted(r for r in records if r[0].startswith("p/"))
    assert len(seen) >= 3


def test_iter__idx_inclusive_stays_on_the_start_key() -> None:
    """With idx and inclusive=true the server returns only the start key; so does the client
    across pages."""
    records = [("a", i) for i in range(7)] + [("b", 0)]
    fake = _iter_fake(records, [])
    with _client(fake) as client:
        got = [(r.key, r.idx) for r in client.kv.iter("a", idx=2, page_size=2)]
    assert got == [("a", i) for i in range(2, 7)]


def test_iter__limit_caps_total_and_page_size_validated() -> None:
    """limit caps the items; page_size must be positive."""
    fake = _iter_fake([(f"k{i:02d}", 0) for i in range(30)], [])
    with _client(fake) as client:
        assert len(list(client.kv.iter("", page_size=4, limit=10))) == 10
        with pytest.raises(ValueError, match="page_size"):
            list(client.kv.iter("", page_size=0))
