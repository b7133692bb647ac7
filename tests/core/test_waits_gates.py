"""wait_for / gate / find_outputs / stacks.gate of both clients against the emulator on a real
loopback socket. Runs move on the emulator's schedule (POST /_emulator/runs/{id}/schedule); the
client's sleeps advance the emulator clock instead of waiting, so nothing depends on wall time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import pytest

from terrateam_core import (
    AsyncTerrateamClient,
    NotFoundError,
    RetryPolicy,
    TaskTimeoutError,
    TerrateamClient,
)
from terrateam_core.gates import RunFilter, run_succeeded

REPO = "demo-org/infrastructure"


class Clocks:
    """The client's monotonic clock and sleep, both moving the emulator's clock."""

    def __init__(self, emulator: Any) -> None:
        self.emulator = emulator
        self.offset = 0.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.offset += seconds
        self.emulator.admin.advance_clock(seconds)

    async def async_sleep(self, seconds: float) -> None:
        await anyio.to_thread.run_sync(self.sleep, seconds)


def _kwargs(emulator: Any, clocks: Clocks) -> dict[str, Any]:
    return {
        "api_key": emulator.api_key,
        "base_url": emulator.url,
        "installation_id": emulator.installation_id,
        "monotonic": clocks.monotonic,
        "retry_policy": RetryPolicy(sleep=clocks.sleep, async_sleep=clocks.async_sleep),
    }


@pytest.fixture
def clocks(emulator: Any) -> Clocks:
    return Clocks(emulator)


@pytest.fixture
def client(emulator: Any, clocks: Clocks) -> Iterator[TerrateamClient]:
    with TerrateamClient(**_kwargs(emulator, clocks)) as c:
        yield c


def _run(emulator: Any, pr: int = 1, run_type: str = "apply", **kw: Any) -> dict[str, Any]:
    kw.setdefault("dirspaces", [{"dir": "vpc"}, {"dir": "dns", "workspace": "prod"}])
    return emulator.admin.create_work_manifest(
        installation_id=12345,
        repo="infrastructure",
        pull_number=pr,
        run_type=run_type,
        state="queued",
        **kw,
    )


def test_wait_for__follows_the_schedule_to_success(
    emulator: Any, client: TerrateamClient, clocks: Clocks
) -> None:
    wm = _run(emulator, pr=5)
    emulator.admin.schedule_run(
        wm["id"],
        [{"after_seconds": 20, "state": "running"}, {"after_seconds": 50, "state": "completed"}],
    )
    final = client.work_manifests.wait_for(repo=REPO, pr=5, kind="apply", timeout=600, poll=10)
    assert final.id == wm["id"]
    assert final.state == "completed"
    assert run_succeeded(final)
    assert 4 <= len(clocks.slept) <= 6  # polled through queued and running


def test_wait_for__waits_for_a_run_that_does_not_exist_yet(
    emulator: Any, client: TerrateamClient, clocks: Clocks
) -> None:
    started = datetime.now(UTC) - timedelta(seconds=5)
    calls = 0

    def sleep(seconds: float) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:  # the infra apply starts while we wait, and fails in dns
            wm = _run(emulator, pr=6)
            emulator.admin.schedule_run(
                wm["id"],
                [
                    {
                        "after_seconds": 5,
                        "state": "completed",
                        "dirspaces": {"dns:prod": False},
                    }
                ],
            )
        clocks.sleep(seconds)

    client._policy = RetryPolicy(sleep=sleep)
    final = client.work_manifests.wait_for(
        repo=REPO, pr=6, kind="apply", created_after=started, timeout=600, poll=10
    )
    assert final.state == "completed"
    assert not run_succeeded(final)


def test_wait_for__timeout_names_what_it_saw(emulator: Any, client: TerrateamClient) -> None:
    _run(emulator, pr=7)
    with pytest.raises(TaskTimeoutError, match=r"PR 7 apply runs: latest .* still queued"):
        client.work_manifests.wait_for(repo=REPO, pr=7, kind="apply", timeout=30, poll=10)
    with pytest.raises(TaskTimeoutError, match="none found"):
        client.work_manifests.wait_for(repo="networking", pr=99, timeout=5, poll=10)


def test_wait_for__owner_and_filters_are_checked(emulator: Any, client: TerrateamClient) -> None:
    with pytest.raises(TaskTimeoutError, match="none found"):
        client.work_manifests.wait_for(repo="someone-else/infrastructure", timeout=0, poll=1)
    with pytest.raises(ValueError, match="kind"):
        client.work_manifests.wait_for(repo=REPO, kind="destroy")
    with pytest.raises(ValueError, match="repo"):
        client.work_manifests.wait_for(repo="a/b/c")


def test_gate__latest_run_per_dirspace(emulator: Any, client: TerrateamClient) -> None:
    first = _run(emulator, pr=8, run_type="plan", dirspaces=[{"dir": "vpc"}, {"dir": "s3"}])
    emulator.admin.schedule_run(
        first["id"], [{"after_seconds": 0, "state": "completed", "dirspaces": {"s3": False}}]
    )
    verdict = client.work_manifests.gate(repo=REPO, pr=8, kind="plan")
    assert not verdict.ok
    assert verdict.reasons == [f"s3:default failure in plan {first['id']}"]
    assert {(d.dir, d.state) for d in verdict.dirspaces} == {("s3", "failure"), ("vpc", "success")}
    # A re-plan of s3 alone supersedes the failure for s3 only.
    emulator.admin.advance_clock(60)
    again = _run(emulator, pr=8, run_type="plan", dirspaces=[{"dir": "s3"}])
    emulator.admin.schedule_run(again["id"], [{"after_seconds": 0, "state": "completed"}])
    verdict = client.work_manifests.gate(repo=REPO, pr=8, kind="plan")
    assert verdict.ok, verdict.reasons
    assert verdict.reason == "demo-org/infrastructure PR 8 plan runs: 2 dirspaces succeeded"
    assert verdict.runs == [again["id"], first["id"]]
    assert verdict.to_dict()["ok"] is True
    none = client.work_manifests.gate(repo=REPO, pr=8, kind="apply")
    assert not none.ok
    assert none.reasons == ["no demo-org/infrastructure PR 8 apply runs found"]


def test_gate__pages_through_many_runs(emulator: Any, client: TerrateamClient) -> None:
    for n in range(105):  # more than one page of 100
        emulator.admin.create_work_manifest(
            installation_id=12345,
            repo="infrastructure",
            pull_number=9,
            run_type="plan",
            state="completed",
            dirspaces=[{"dir": f"d{n:03}", "success": True}],
        )
    verdict = client.work_manifests.gate(repo=REPO, pr=9, kind="plan")
    assert verdict.ok
    assert len(verdict.dirspaces) == 105


def test_find_outputs__by_dir_and_step(emulator: Any, client: TerrateamClient) -> None:
    scope = {"type": "dirspace", "dir": "vpc", "workspace": "default"}
    wm = _run(
        emulator,
        pr=10,
        run_type="plan",
        dirspaces=[{"dir": "vpc", "success": True}],
        outputs=[
            {"step": "tf/init", "scope": scope, "state": "success", "payload": {"text": "init"}},
            {"step": "tf/plan", "scope": scope, "state": "success", "payload": {"text": "+1"}},
        ],
    )
    found, outs = client.work_manifests.find_outputs(repo=REPO, pr=10, dir="vpc", step="tf/plan")
    assert found.id == wm["id"]
    assert [(o.step, o.payload) for o in outs] == [("tf/plan", {"text": "+1"})]
    _, both = client.work_manifests.find_outputs(repo=REPO, pr=10, dir="vpc")
    assert [o.step for o in both] == ["tf/init", "tf/plan"]
    with pytest.raises(NotFoundError, match="no infrastructure PR 10 apply runs"):
        client.work_manifests.find_outputs(repo="infrastructure", pr=10, kind="apply")


def test_stacks_gate(client: TerrateamClient) -> None:
    verdict = client.stacks.gate(repo="infrastructure", pr=1)
    assert not verdict.ok
    assert verdict.reasons == [
        "infrastructure PR 1: stack data/storage (plan_pending) has rds:default apply_failed"
    ]
    assert len(verdict.stacks) == 3
    applied = client.stacks.gate(repo=500001, pr=1, require="applied")
    assert not applied.ok
    assert len(applied.reasons) == 2
    missing = client.stacks.gate(repo="infrastructure", pr=2)
    assert not missing.ok
    assert missing.stacks == []
    with pytest.raises(NotFoundError, match="no repository"):
        client.stacks.gate(repo="nope", pr=1)


def test_run_filter_query_quotes_values() -> None:
    flt = RunFilter("o/r", 3, "plan", "my dir", environment="prod")
    assert flt.query() == 'repo:r and pr:3 and type:plan and "dir:my dir" and environment:prod'
    with pytest.raises(ValueError, match="quotes"):
        RunFilter("r", dir='a"b').query()


@pytest.mark.anyio
async def test_async_wait_for_and_gate(emulator: Any, clocks: Clocks) -> None:
    wm = _run(emulator, pr=11)
    emulator.admin.schedule_run(
        wm["id"], [{"after_seconds": 30, "state": "completed", "dirspaces": {"vpc": False}}]
    )
    async with AsyncTerrateamClient(**_kwargs(emulator, clocks)) as tt:
        final = await tt.work_manifests.wait_for(repo=REPO, pr=11, timeout=600, poll=10)
        assert final.id == wm["id"]
        assert final.state == "completed"
        verdict = await tt.work_manifests.gate(repo=REPO, pr=11, kind="apply")
        assert not verdict.ok
        assert verdict.reasons == [f"vpc:default failure in apply {wm['id']}"]
        _, outs = await tt.work_manifests.find_outputs(repo=REPO, pr=11)
        assert outs == []
        stacks = await tt.stacks.gate(repo="infrastructure", pr=1)
        assert not stacks.ok
        with pytest.raises(TaskTimeoutError):
            await tt.work_manifests.wait_for(repo=REPO, pr=12, timeout=20, poll=10)


@pytest.mark.anyio
async def test_async_wait_for_is_cancellable(emulator: Any) -> None:
    _run(emulator, pr=13)
    async with AsyncTerrateamClient(
        emulator.api_key, base_url=emulator.url, installation_id=emulator.installation_id
    ) as tt:
        with anyio.move_on_after(0.5) as scope:
            await tt.work_manifests.wait_for(repo=REPO, pr=13, timeout=3600, poll=60)
        assert scope.cancelled_caught
