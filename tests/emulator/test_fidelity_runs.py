"""Computed fields of the run lists, each as PostgreSQL evaluates upstream's SQL
(terrateamio/terrateam ``code/src/terrat_vcs_service_github/sql/select_dirspaces_page.sql``
and ``select_work_manifests_page.sql``; docs/contract-audit.md)."""

from __future__ import annotations

import os
from typing import Any

import pytest
import sqlalchemy as sa

from terrateam_emulator.query.compiler import (
    DIRSPACE_TAGS,
    WORK_MANIFEST_TAGS,
    CompiledQuery,
    compile_query,
)
from terrateam_emulator.resources.runs import backend as store
from terrateam_emulator.resources.runs.seed import apply_runs_seed
from terrateam_emulator.server.clock import Clock
from terrateam_emulator.storage.engine import Database

CREATED = "2026-01-01T00:00:00Z"


def _db(
    state: str,
    success: bool | None,
    *,
    kind: str = "pr",
    unlock: dict[str, Any] | None = None,
    completed_at: str | None = None,
) -> Database:
    db = Database("sqlite://")
    wm: dict[str, Any] = {
        "repo_id": 1,
        "kind": kind,
        "state": state,
        "created_at": CREATED,
        "dirspaces": [{"dir": "d", "workspace": "w", "success": success}],
    }
    if kind == "pr":
        wm["pull_number"] = 7
    if completed_at is not None:
        wm["completed_at"] = completed_at
    seed: dict[str, Any] = {
        "repos": [{"id": 1, "installation_id": 5, "owner": "o", "name": "r"}],
        "pull_requests": [
            {
                "repo_id": 1,
                "pull_number": 7,
                "branch": "b",
                "base_branch": "main",
                "sha": "s",
                "base_sha": "t",
            }
        ],
        "work_manifests": [wm],
    }
    if unlock is not None:
        seed["unlocks"] = [{"repo_id": 1, **unlock}]
    with db.write() as conn:
        apply_runs_seed(conn, seed, Clock())
    return db


def _ds(db: Database) -> dict[str, Any]:
    with db.read() as conn:
        (row,) = store.dirspace_rows(conn, "github", 5)
    return row


def _wm(db: Database) -> dict[str, Any]:
    with db.read() as conn:
        (row,) = store.work_manifest_rows(conn, "github", 5)
    return row


# state, success → CASE result: `when state = 'completed' and success then 'success'
# when state = 'completed' and success is null or not success then 'failure' else state`.
DIRSPACE_CASE = [
    ("completed", True, "success"),
    ("completed", False, "failure"),
    ("completed", None, "failure"),
    ("running", True, "running"),
    ("running", False, "failure"),
    ("running", None, "running"),
    ("queued", False, "failure"),
    ("queued", None, "queued"),
    ("aborted", True, "aborted"),
    ("aborted", False, "failure"),
    ("aborted", None, "aborted"),
]


@pytest.mark.parametrize(("state", "success", "expected"), DIRSPACE_CASE)
def test_dirspace_state_case_with_sql_precedence(
    state: str, success: bool | None, expected: str
) -> None:
    """select_dirspaces_page.sql lines 97-101: ``a and b or not c`` is ``(a and b) or (not c)``."""
    assert _ds(_db(state, success))["body"]["state"] == expected


def test_dirspace_state_ignores_unlocks_but_completed_at_does_not() -> None:
    """select_dirspaces_page.sql: ``state`` is the stored ``gwm.state`` (line 51), while
    ``completed_at`` falls back to the unlock time (lines 38-47); the work-manifest list
    reports the same run as aborted (select_work_manifests_page.sql lines 39-46)."""
    db = _db("queued", None, unlock={"pull_number": 7, "created_at": "2026-01-01T00:05:00Z"})
    body = _ds(db)["body"]
    assert body["state"] == "queued"
    assert body["completed_at"] == "2026-01-01T00:05:00Z"
    assert _wm(db)["body"]["state"] == "aborted"
    assert "completed_at" not in _wm(db)["body"]


@pytest.mark.parametrize(
    ("kind", "unlock", "aborted"),
    [
        ("pr", {"pull_number": 7, "created_at": CREATED}, True),  # `<=`: same instant counts
        ("pr", {"pull_number": 7, "created_at": "2025-12-31T23:59:59Z"}, False),
        ("pr", {"pull_number": 8, "created_at": "2026-01-02T00:00:00Z"}, False),
        ("pr", {"created_at": "2026-01-02T00:00:00Z"}, False),  # drift unlock: drift runs only
        ("drift", {"created_at": "2026-01-02T00:00:00Z"}, True),
        ("index", {"created_at": "2026-01-02T00:00:00Z"}, False),
    ],
)
def test_unlock_rule(kind: str, unlock: dict[str, Any], aborted: bool) -> None:
    """select_work_manifests_page.sql lines 39-46: a PR unlock (``latest_unlocks`` on
    repository and pull number) or, for drift runs, a drift unlock, at or after creation."""
    state = _wm(_db("running", None, kind=kind, unlock=unlock))["body"]["state"]
    assert state == ("aborted" if aborted else "running")


@pytest.mark.parametrize(
    ("state", "unlocked", "success", "expected"),
    [
        ("completed", False, True, True),
        ("completed", False, False, False),
        ("completed", False, None, None),
        ("aborted", False, None, False),
        ("aborted", False, True, True),
        ("running", True, None, False),  # reported aborted through the unlock
        ("running", False, None, None),
        ("queued", False, False, False),
    ],
)
def test_work_manifest_dirspace_success(
    state: str, unlocked: bool, success: bool | None, expected: bool | None
) -> None:
    """select_work_manifests_page.sql line 96: ``not ((gwmr.success is null and gwm.state =
    'aborted') or not gwmr.success)``; NULL is omitted (terrat_api_components_work_manifest_
    dirspace.ml: ``success : bool option [@default None]``)."""
    unlock = {"pull_number": 7, "created_at": "2026-01-02T00:00:00Z"} if unlocked else None
    (ds,) = _wm(_db(state, success, unlock=unlock))["body"]["dirspaces"]
    assert ds.get("success", "omitted") == ("omitted" if expected is None else expected)


def _match(q: str, row: dict[str, Any], tags: Any = DIRSPACE_TAGS) -> bool:
    out = compile_query(q, tags=tags, default_sort="desc", now=2e9)
    assert isinstance(out, CompiledQuery)
    return out.matches(row)


def test_dirspace_state_tag_reads_stored_columns() -> None:
    """terrat_vcs_service_github_ep_installations.ml ``Dirspaces.state_query``: the tag's SQL
    (``state = 'completed' and not success``…) reads ``q``'s stored state and success, not
    the CASE: a completed dirspace without a result shows ``failure`` but ``state:failure``
    does not find it; a queued run's dirspace stays ``state:queued`` after an unlock."""
    completed_no_result = _ds(_db("completed", None))
    assert completed_no_result["body"]["state"] == "failure"
    assert not _match("state:failure", completed_no_result)
    assert not _match("not state:failure", completed_no_result)  # NULL both ways
    running_failed = _ds(_db("running", False))
    assert running_failed["body"]["state"] == "failure"
    assert _match("state:running", running_failed)
    assert not _match("state:failure", running_failed)
    unlocked = _ds(_db("queued", None, unlock={"pull_number": 7, "created_at": CREATED}))
    assert _match("state:queued", unlocked)
    assert _match("state:pending", unlocked)
    assert not _match("state:aborted", unlocked)


def test_work_manifest_state_tag_reads_reported_state() -> None:
    """select_work_manifests_page.sql: the ``state`` column of ``q`` is the CASE (lines 39-46),
    and the ``where`` is applied to ``q``."""
    row = _wm(_db("queued", None, unlock={"pull_number": 7, "created_at": CREATED}))
    assert _match("state:aborted", row, WORK_MANIFEST_TAGS)
    assert not _match("state:queued", row, WORK_MANIFEST_TAGS)


# Upstream's expressions verbatim (DSQL lines 97-101, WSQL line 96), evaluated by PostgreSQL.
_UPSTREAM_SQL = """
select state, success,
    (case
       when state = 'completed' and success then 'success'
       when state = 'completed' and success is null or not success then 'failure'
       else state
    end),
    not ((success is null and state = 'aborted') or not success)
from (values {rows}) as v(state, success)
"""


def test_rollups_match_live_postgres() -> None:
    """Both rollups for every state × success, against PostgreSQL itself (under
    `make test-postgres`): select_dirspaces_page.sql and select_work_manifests_page.sql."""
    url = os.environ.get("TERRATEAM_EMULATOR_TEST_DB", "")
    if not url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: runs under `make test-postgres`")
    states = ("completed", "running", "queued", "aborted")
    successes = ("true", "false", "null::boolean")
    rows = ", ".join(f"('{s}', {b})" for s in states for b in successes)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            answers = conn.execute(sa.text(_UPSTREAM_SQL.format(rows=rows))).all()
    finally:
        engine.dispose()
    assert len(answers) == 12
    for state, success, ds_state, wm_success in answers:
        assert store._dirspace_state(state, success) == ds_state, (state, success)
        assert store._wm_dirspace_success(success, state) == wm_success, (state, success)
