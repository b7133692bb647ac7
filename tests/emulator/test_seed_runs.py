"""The runs part of the seed: determinism, coverage of the demo data, file format errors."""

from __future__ import annotations

import collections
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from terrateam_emulator.resources.identity.seed import DEMO_USER_ID
from terrateam_emulator.resources.runs import backend as store
from terrateam_emulator.resources.runs import tables
from terrateam_emulator.resources.runs.seed import apply_runs_seed, demo_runs_seed, parse_timestamp
from terrateam_emulator.server.clock import Clock
from terrateam_emulator.server.seed import apply_seed, demo_seed
from terrateam_emulator.storage.engine import Database

REPO_ROOT = Path(__file__).resolve().parents[2]


def _db(seed: dict[str, Any]) -> Database:
    db = Database("sqlite://")
    with db.write() as conn:
        apply_seed(conn, seed, Clock())
    return db


def test_demo_runs_seed__is_deterministic() -> None:
    assert demo_runs_seed() == demo_runs_seed()


def test_demo_runs_seed__covers_states_types_and_kinds() -> None:
    db = _db(demo_seed())
    with db.read() as conn:
        wms = store.work_manifest_rows(conn, "github", 12345)
        gitlab = store.work_manifest_rows(conn, "gitlab", 678)
        repos = store.repo_rows(conn, "github", 12345)
        prs = store.pull_request_rows(conn, 12345)
        dirspaces = store.dirspace_rows(conn, "github", 12345)
        tasks = conn.execute(sa.select(tables.tasks)).mappings().all()
        has_stacks = store.stacks_body(conn, "github", 12345, 500001, 1) is not None
    assert len(wms) + len(gitlab) >= 150
    assert len(wms) > 100  # several pages at the maximum page size
    assert gitlab
    assert {w["state"] for w in wms} == {"queued", "running", "completed", "aborted"}
    assert {w["run_type"] for w in wms} == {"plan", "apply", "index", "build-config", "build-tree"}
    assert {w["kind"] for w in wms} == {"pr", "drift", "index"}
    assert len(repos) >= 3
    assert {p["body"]["state"] for p in prs} == {"open", "merged", "closed"}
    assert {"success", "failure"} <= {d["body"]["state"] for d in dirspaces}
    assert has_stacks
    assert [t["user_id"] for t in tasks] == [DEMO_USER_ID]
    # Two runs share a created_at second somewhere: the id breaks the tie in the keyset.
    counts = collections.Counter(w["created_at"] for w in wms)
    assert max(counts.values()) >= 2


def test_demo_runs_seed__queued_run_before_unlock_reports_aborted() -> None:
    seed = demo_seed()
    db = _db(seed)
    unlocked_repo = seed["unlocks"][0]["repo_id"]
    queued_raw = [
        w["id"]
        for w in seed["work_manifests"]
        if w["state"] == "queued" and w["repo_id"] == unlocked_repo
    ]
    with db.read() as conn:
        rows = {w["id"]: w for w in store.work_manifest_rows(conn, "github", 12345)}
        raw = conn.execute(
            sa.select(tables.work_manifests.c.state).where(
                tables.work_manifests.c.id == queued_raw[0]
            )
        ).scalar()
    assert rows[queued_raw[0]]["body"]["state"] == "aborted"
    assert raw == "queued"  # the run token stays valid: the raw state is untouched


def test_example_seed_file_loads(tmp_path: Path) -> None:
    seed = yaml.safe_load((REPO_ROOT / "examples" / "seeds" / "small.yaml").read_text())
    db = _db(seed)
    with db.read() as conn:
        assert store.work_manifest_rows(conn, "github", 4242)
        assert store.repo_rows(conn, "github", 4242)


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        (
            {"repos": [{"id": 1, "installation_id": 1, "owner": "o"}]},
            "repos[0]: missing required field 'name'",
        ),
        ({"work_manifests": [{"repo_id": 9}]}, "unknown github repo_id 9"),
        (
            {
                "repos": [{"id": 1, "installation_id": 1, "owner": "o", "name": "r"}],
                "work_manifests": [{"repo_id": 1, "state": "done"}],
            },
            "state must be one of",
        ),
        (
            {
                "repos": [{"id": 1, "installation_id": 1, "owner": "o", "name": "r"}],
                "work_manifests": [{"repo_id": 1, "kind": "pr"}],
            },
            "needs pull_number",
        ),
        ({"tasks": [{"name": "t", "user": "ghost"}]}, "unknown user 'ghost'"),
    ],
)
def test_apply_runs_seed__errors_name_the_entry(seed: dict[str, Any], message: str) -> None:
    db = Database("sqlite://")
    with pytest.raises(ValueError, match=re.escape(message)), db.write() as conn:
        apply_runs_seed(conn, seed, Clock())


def test_parse_timestamp() -> None:
    assert parse_timestamp("1970-01-01T00:01:00Z", 0.0) == 60.0
    assert parse_timestamp("1970-01-01T01:01:00+01:00", 0.0) == 60.0
    assert parse_timestamp("1970-01-01T00:01:00", 0.0) == 60.0
    assert parse_timestamp(None, 5.0) == 5.0
    assert parse_timestamp(7, 0.0) == 7.0
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_timestamp("yesterday", 0.0)


def test_example_seed_file__served_over_http() -> None:
    """`serve --seed examples/seeds/small.yaml`: the file's runs answer on the list endpoints."""
    import httpx

    from terrateam_emulator.server.settings import EmulatorSettings
    from terrateam_emulator.testing import EmulatorServer

    path = REPO_ROOT / "examples" / "seeds" / "small.yaml"
    with EmulatorServer(EmulatorSettings(seed=path)) as server:
        assert server.api_key is not None  # the seed's key marked `demo: true`
        headers = {"authorization": f"Bearer {server.api_key}"}
        base = server.url + "/api/v1/github/installations/4242"
        wms = httpx.get(base + "/work-manifests", headers=headers).json()["work_manifests"]
        assert [w["state"] for w in wms] == ["queued", "completed"]
        steps = httpx.get(f"{base}/work-manifests/{wms[1]['id']}/outputs", headers=headers)
        assert [s["step"] for s in steps.json()["steps"]] == ["tf/init", "tf/plan"]
        stacks = httpx.get(base + "/repos/7001/prs/1/stacks", headers=headers).json()
        assert stacks["stacks"][0]["state"] == "apply_ready"
