"""The sync client against the emulator on a real loopback socket (``emulator`` fixture)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from terrateam_core import (
    AuthenticationError,
    KVConflictError,
    KVNotFoundError,
    NotFoundError,
    RetryPolicy,
    RunTokenInactiveError,
    ServerError,
    TaskFailedError,
    TerrateamClient,
)

NO_SLEEP = RetryPolicy(sleep=lambda _s: None)


class Monotonic:
    """A monotonic clock the test can move forward together with the emulator's clock."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset


@pytest.fixture
def client(emulator: Any) -> Iterator[TerrateamClient]:
    """A sync client for the demo installation (no real sleeps between retries)."""
    with TerrateamClient(
        emulator.api_key,
        base_url=emulator.url,
        installation_id=emulator.installation_id,
        retry_policy=NO_SLEEP,
    ) as c:
        yield c


def _refreshes(emulator: Any) -> int:
    return int(emulator.admin.stats()["refreshes"])


def test_token_refresh_across_expiry(emulator: Any) -> None:
    """After the emulator clock passes the token's exp, calls keep working (one new refresh)."""
    mono = Monotonic()
    with TerrateamClient(
        emulator.api_key,
        base_url=emulator.url,
        installation_id=emulator.installation_id,
        monotonic=mono,
    ) as client:
        client.kv.set("refresh/k", 1)
        assert _refreshes(emulator) == 1
        emulator.admin.advance_clock(61)
        mono.offset += 61
        assert client.kv.get("refresh/k").data == 1
    assert _refreshes(emulator) == 2


def test_403_on_stale_token_refreshes_and_retries_once(
    emulator: Any, client: TerrateamClient
) -> None:
    """Server clock past exp, client unaware: 403 → one refresh → the retry succeeds."""
    client.whoami()
    emulator.admin.reset_stats()
    emulator.admin.advance_clock(61)
    assert client.whoami().vcs
    stats = emulator.admin.stats()
    assert stats["refreshes"] == 1
    whoami = [n for route, n in stats["requests"].items() if route.endswith("/api/v1/whoami")]
    assert whoami == [2]


def test_sixteen_threads_crossing_expiry_refresh_once_each_time(emulator: Any) -> None:
    """16 threads, three expiries: exactly one refresh per expiry."""
    mono = Monotonic()
    with TerrateamClient(
        emulator.api_key,
        base_url=emulator.url,
        installation_id=emulator.installation_id,
        monotonic=mono,
    ) as client:
        for round_ in range(1, 4):
            barrier = threading.Barrier(16)
            errors: list[BaseException] = []

            def work(barrier: threading.Barrier = barrier, errors: list[Any] = errors) -> None:
                try:
                    barrier.wait()
                    client.kv.get_or_none("threads/k")
                except BaseException as exc:  # collected for the assertion below
                    errors.append(exc)

            threads = [threading.Thread(target=work) for _ in range(16)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert errors == []
            assert _refreshes(emulator) == round_
            emulator.admin.advance_clock(61)
            mono.offset += 61


def test_revoked_key_is_authentication_error(emulator: Any, client: TerrateamClient) -> None:
    """A deleted API key fails with AuthenticationError on the next exchange."""
    created = client.access_tokens.create("short-lived", ["kv_store_read"])
    assert created.id is not None
    client.access_tokens.delete(created.id)
    with (
        TerrateamClient(
            created.refresh_token.get_secret_value(), base_url=emulator.url, retry_policy=NO_SLEEP
        ) as revoked,
        pytest.raises(AuthenticationError, match="API key rejected"),
    ):
        revoked.whoami()


def test_429_and_503_faults_are_recovered(emulator: Any, client: TerrateamClient) -> None:
    """Injected 429 (Retry-After) and 503 answers are retried until the call succeeds."""
    client.kv.set("faults/k", {"v": 1})
    emulator.admin.inject_fault(kind="status", status=429, retry_after=1, count=1, path="/kv/")
    emulator.admin.inject_fault(kind="status", status=503, count=2, path="/kv/")
    assert client.kv.get("faults/k").data == {"v": 1}


def test_post_is_not_retried_on_503(emulator: Any, client: TerrateamClient) -> None:
    """repos.refresh (a POST) hits a 503 once and is not repeated."""
    client.whoami()  # the token is cached: the only POST below is the refresh call
    emulator.admin.reset_stats()
    emulator.admin.inject_fault(
        kind="status", status=503, count=1, method="POST", path="repos/refresh$"
    )
    with pytest.raises(ServerError) as info:
        client.repos.refresh()
    assert info.value.status_code == 503
    posts = [n for r, n in emulator.admin.stats()["requests"].items() if r.startswith("POST")]
    assert sum(posts) == 1


def test_dropped_connection_on_get_is_retried(emulator: Any, client: TerrateamClient) -> None:
    """A GET whose connection is dropped is retried and succeeds."""
    client.kv.set("drop/k", 5)
    emulator.admin.inject_fault(kind="drop", count=1, method="GET", path="/kv/")
    assert client.kv.get("drop/k").data == 5


def test_cas_conflicts(client: TerrateamClient) -> None:
    """Insert-if-absent twice and a stale version both raise KVConflictError."""
    first = client.kv.cas("cas/k", {"n": 1})
    assert first.version == 0
    with pytest.raises(KVConflictError):
        client.kv.cas("cas/k", {"n": 2})
    second = client.kv.cas("cas/k", {"n": 2}, version=0)
    assert second.version == 1
    with pytest.raises(KVConflictError):
        client.kv.cas("cas/k", {"n": 3}, version=0)
    assert client.kv.get("cas/k").data == {"n": 2}


def test_update_loop_under_concurrent_writers(client: TerrateamClient) -> None:
    """Six threads incrementing through kv.update never lose an increment."""
    client.kv.set("counter", 0)

    def bump() -> None:
        for _ in range(4):
            client.kv.update("counter", lambda v: (v or 0) + 1, max_attempts=100)

    threads = [threading.Thread(target=bump) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert client.kv.get("counter").data == 24


def test_kv_round_trip_count_size_delete(client: TerrateamClient) -> None:
    """set/get/count/size/delete behave as the server does; keys with '/' work everywhere."""
    key = "dir/sub key,+%"
    for idx in range(3):
        client.kv.set(key, [idx, "x"], idx=idx)
    assert client.kv.get(key, idx=2).data == [2, "x"]
    count = client.kv.count(key)
    assert (count.count, count.max_idx) == (3, 2)
    assert client.kv.size(key, idx=0) == len('[0, "x"]')
    assert client.kv.size("no/such/key") == 0
    assert client.kv.delete(key, idx=1) is True
    assert client.kv.count(key).count == 2
    assert client.kv.delete(key) is True
    assert client.kv.delete(key) is False
    with pytest.raises(KVNotFoundError):
        client.kv.get(key)


def test_uncommitted_then_commit(client: TerrateamClient) -> None:
    """Uncommitted rows are invisible by default until commit flips them."""
    client.kv.set("draft", "d", committed=False)
    assert client.kv.get_or_none("draft") is None
    assert client.kv.get("draft", committed=False).data == "d"
    flipped = client.kv.commit(["draft", ("missing", 0)])
    assert [(r.key, r.idx) for r in flipped] == [("draft", 0)]
    assert client.kv.get("draft").data == "d"


def test_kv_iter_prefix_past_one_page(client: TerrateamClient) -> None:
    """Iterating a prefix with small pages returns every key once, in order, and stops at
    the prefix's end."""
    for i in range(23):
        client.kv.set(f"it/{i:03d}", i)
    client.kv.set("it0", "after")
    client.kv.set("is", "before")
    keys = [r.key for r in client.kv.iter("it/", prefix=True, page_size=5)]
    assert keys == [f"it/{i:03d}" for i in range(23)]
    assert [r.key for r in client.kv.iter("it/", prefix=True, page_size=5, limit=7)] == keys[:7]
    everything = [r.key for r in client.kv.iter("", page_size=4)]
    assert everything == sorted(everything)
    assert "it0" in everything


def test_every_list_endpoint_paged_to_the_end(client: TerrateamClient) -> None:
    """repos, pull requests, work manifests, dirspaces and outputs read completely page by
    page, with the same items as big pages."""
    lists = {
        "repos": lambda n: client.repos.list(limit=n),
        "wms": lambda n: client.work_manifests.list(limit=n),
        "dirspaces": lambda n: client.dirspaces.list(limit=n),
    }
    for name, make in lists.items():
        small = list(make(7))
        big = list(make(100))
        assert small == big, name
        assert len(small) > 0, name
    # Pull requests page on pull_number alone (upstream's cursor), so rows sharing a number
    # across repos can fall between pages: small pages never duplicate, and the default page
    # size is the maximum to keep the gap small.
    small_prs = [(p.repository, p.pull_number) for p in client.pull_requests.list(limit=7)]
    all_prs = [(p.repository, p.pull_number) for p in client.pull_requests.list()]
    assert len(set(small_prs)) == len(small_prs)
    assert set(small_prs) <= set(all_prs)
    assert len(all_prs) == 29
    wms = list(client.work_manifests.list(limit=100))
    assert len(wms) >= 150
    assert len({w.id for w in wms}) == len(wms)
    with_outputs = next(w for w in wms if list(client.work_manifests.outputs(w.id, limit=100)))
    small_out = list(client.work_manifests.outputs(with_outputs.id, limit=1))
    assert small_out == list(client.work_manifests.outputs(with_outputs.id, limit=100))


def test_work_manifest_get_wait_and_q(emulator: Any, client: TerrateamClient) -> None:
    """get() finds one manifest by id; wait() returns once it completes; q filters."""
    wm = emulator.admin.create_work_manifest(
        installation_id=emulator.installation_id,
        repo="infrastructure",
        run_type="plan",
        state="running",
    )
    assert client.work_manifests.get(wm["id"]).state == "running"
    done = threading.Timer(0.3, emulator.admin.set_work_manifest_state, (wm["id"], "completed"))
    done.start()
    final = client.work_manifests.wait(wm["id"], timeout=30, poll_interval=0.1)
    assert final.state == "completed"
    with pytest.raises(NotFoundError):
        client.work_manifests.get("00000000-0000-4000-8000-000000000000")
    running = list(client.work_manifests.list(q="state:completed and type:plan", limit=50))
    assert all(w.state == "completed" and w.run_type == "plan" for w in running)


def test_tasks_refresh_and_wait(emulator: Any, client: TerrateamClient) -> None:
    """repos.refresh returns a task id; wait returns the completed task, or raises on failure."""
    task_id = client.repos.refresh()
    emulator.admin.set_task_state(task_id, "completed")
    assert client.tasks.wait(task_id, timeout=10, poll_interval=0.05).state == "completed"
    other = client.repos.refresh()
    emulator.admin.set_task_state(other, "failed")
    with pytest.raises(TaskFailedError) as info:
        client.tasks.wait(other, timeout=10, poll_interval=0.05)
    assert info.value.result.state == "failed"


def test_identity_installations_stacks_server(emulator: Any, client: TerrateamClient) -> None:
    """whoami, installations, stacks, server config and client id all parse."""
    me = client.whoami()
    assert me.vcs == ["github", "gitlab"]
    assert {i.id for i in client.installations.list()} >= {str(emulator.installation_id)}
    infra = next(r for r in client.repos.list() if r.name == "infrastructure")
    stacks = client.stacks.get(infra.id, 1)
    assert [s.name for s in stacks] == ["default", "data"]
    assert stacks[0].stacks[0].dirspaces[0].dirspace == {"dir": "vpc", "workspace": "default"}
    with pytest.raises(NotFoundError):
        client.stacks.get(infra.id, 999)
    assert client.server.config().github is not None
    assert client.server.client_id()


def test_access_tokens_create_list_delete(client: TerrateamClient) -> None:
    """create returns the key once (SecretStr) and its id; list shows it; delete removes it."""
    created = client.access_tokens.create("ci", ["kv_store_read", "installation_id=12345"])
    assert created.id is not None
    assert "ci" in repr(created)
    assert created.refresh_token.get_secret_value() not in repr(created)
    listed = {k.id: k for k in client.access_tokens.list()}
    assert created.id in listed
    client.access_tokens.delete(created.id)
    client.access_tokens.delete(created.id)  # idempotent, like the server
    assert created.id not in {k.id for k in client.access_tokens.list()}


def test_run_token_works_while_running_then_fails_clearly(emulator: Any) -> None:
    """A work-manifest token reads/writes KV while its run runs; after, RunTokenInactiveError."""
    wm = emulator.admin.create_work_manifest(
        installation_id=emulator.installation_id,
        repo="infrastructure",
        run_type="apply",
        state="running",
    )
    token = emulator.admin.run_token(wm["id"])
    with TerrateamClient(
        access_token=token,
        base_url=emulator.url,
        installation_id=emulator.installation_id,
        retry_policy=NO_SLEEP,
    ) as run:
        run.kv.set("run/out", {"ok": True})
        assert run.kv.get("run/out").data == {"ok": True}
        emulator.admin.set_work_manifest_state(wm["id"], "completed")
        with pytest.raises(RunTokenInactiveError, match="no longer queued or running"):
            run.kv.get("run/out")


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "status", "status": 503},
        {"kind": "drop"},
        {"kind": "drop_response"},  # the key is created, its answer lost
    ],
    ids=["503", "dropped-request", "dropped-answer"],
)
def test_access_tokens_create__retried_without_a_second_key(
    emulator: Any, client: TerrateamClient, fault: dict[str, Any]
) -> None:
    """A create that fails ambiguously is retried, and exactly one working key remains."""
    emulator.admin.inject_fault(**fault, count=1, method="POST", path="/access-token$")
    created = client.access_tokens.create("ci-retry", ["kv_store_read"])
    named = [k for k in client.access_tokens.list() if k.name == "ci-retry"]
    assert [k.id for k in named] == [created.id]
    with TerrateamClient(
        api_key=created.refresh_token.get_secret_value(), base_url=emulator.url
    ) as fresh:
        assert fresh.whoami().id
