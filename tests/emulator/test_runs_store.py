"""Row shaping of the §6 lists: timestamps, stack roll-ups, the dirspace-state CASE, unlocks."""

from __future__ import annotations

from typing import Any

import pytest

from terrateam_emulator.resources.runs import backend as store
from terrateam_emulator.resources.runs.seed import apply_runs_seed
from terrateam_emulator.server.clock import Clock
from terrateam_emulator.storage.engine import Database


def test_format_ts__second_precision_utc() -> None:
    assert store.format_ts(0.999) == "1970-01-01T00:00:00Z"
    assert store.format_ts(86400 + 61.5) == "1970-01-02T00:01:01Z"
    assert store.format_ts(None) is None


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ([], "no_changes"),
        (["no_changes", "apply_success"], "apply_success"),
        (["apply_success", "apply_ready"], "apply_ready"),
        (["apply_ready", "apply_pending"], "apply_pending"),
        (["apply_pending", "apply_failed"], "apply_failed"),
        (["apply_failed", "plan_pending"], "plan_pending"),
        (["plan_pending", "plan_failed", "apply_success"], "plan_failed"),
    ],
)
def test_roll_up__worst_state_wins(states: list[str], expected: str) -> None:
    assert store.roll_up(states) == expected


def _seeded(wm_state: str, success: bool | None, unlock_at: str | None = None) -> Database:
    db = Database("sqlite://")
    seed: dict[str, Any] = {
        "repos": [{"id": 1, "installation_id": 5, "owner": "o", "name": "r"}],
        "work_manifests": [
            {
                "repo_id": 1,
                "kind": "drift",
                "state": wm_state,
                "created_at": "2026-01-01T00:00:00Z",
                "dirspaces": [{"dir": "d", "workspace": "w", "success": success}],
            }
        ],
    }
    if unlock_at is not None:
        seed["unlocks"] = [{"repo_id": 1, "created_at": unlock_at}]
    with db.write() as conn:
        apply_runs_seed(conn, seed, Clock())
    return db


@pytest.mark.parametrize(
    ("wm_state", "success", "expected"),
    [
        ("completed", True, "success"),
        ("completed", False, "failure"),
        ("completed", None, "failure"),
        ("running", False, "failure"),  # upstream precedence bug (§9 #24)
        ("running", None, "running"),
        ("queued", None, "queued"),
        ("aborted", False, "failure"),  # `or not success` again (select_dirspaces_page.sql)
        ("aborted", None, "aborted"),
        ("aborted", True, "aborted"),
    ],
)
def test_dirspace_state__upstream_case(wm_state: str, success: bool | None, expected: str) -> None:
    db = _seeded(wm_state, success)
    with db.read() as conn:
        (row,) = store.dirspace_rows(conn, "github", 5)
    assert row["body"]["state"] == expected


@pytest.mark.parametrize(
    ("wm_state", "unlock_at", "expected"),
    [
        ("queued", "2026-01-01T00:00:01Z", "aborted"),
        ("running", "2026-01-01T00:00:01Z", "aborted"),
        ("queued", "2025-12-31T23:59:59Z", "queued"),
        ("completed", "2026-01-01T00:00:01Z", "completed"),
    ],
)
def test_work_manifest_state__unlock_rule(wm_state: str, unlock_at: str, expected: str) -> None:
    db = _seeded(wm_state, None, unlock_at)
    with db.read() as conn:
        (row,) = store.work_manifest_rows(conn, "github", 5)
    assert row["body"]["state"] == expected


def test_work_manifest_body__optional_fields_omitted() -> None:
    db = _seeded("queued", None)
    with db.read() as conn:
        (row,) = store.work_manifest_rows(conn, "github", 5)
    body = row["body"]
    assert list(body) == sorted(body)
    for absent in ("completed_at", "environment", "run_id", "user"):
        assert absent not in body
    assert body["kind"] == "drift"
    assert body["repo_id"] == "1"
    assert body["dirspaces"] == [{"dir": "d", "workspace": "w"}]
