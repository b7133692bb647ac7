"""Rows of the §6 list endpoints, read from the database and shaped like upstream's answers.

Each ``*_rows`` function returns dicts carrying the fields the ``q`` tags and the keyset need
plus ``"body"``: the response object (keys in upstream's alphabetical order, optional fields
omitted when absent). Every list is already limited to installations the user is a member of
(upstream filters on ``github_user_installations2`` in SQL, §2.3).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from terrateam_emulator.resources.identity import tables as identity_tables
from terrateam_emulator.resources.runs import tables

__all__ = [
    "STACK_STATE_ORDER",
    "dirspace_rows",
    "format_ts",
    "has_vcs_account",
    "installation_entries",
    "is_member",
    "output_rows",
    "pull_request_rows",
    "repo_rows",
    "roll_up",
    "stacks_body",
    "work_manifest_rows",
]

# Worst first (§6.4): a roll-up reports the first of these present, else no_changes.
STACK_STATE_ORDER = (
    "plan_failed",
    "plan_pending",
    "apply_failed",
    "apply_pending",
    "apply_ready",
    "apply_success",
)


def format_ts(epoch: float | None) -> str | None:
    """``to_char(…, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')``: second precision, UTC."""
    if epoch is None:
        return None
    return dt.datetime.fromtimestamp(int(epoch // 1), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _omit_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: d[k] for k in sorted(d) if d[k] is not None}


def is_member(conn: sa.Connection, user_id: str, vcs: str, installation_id: int) -> bool:
    """Whether ``user_id`` belongs to the installation (the SQL filter of every list)."""
    m = identity_tables.memberships
    row = conn.execute(
        sa.select(m.c.user_id).where(
            m.c.user_id == user_id, m.c.vcs == vcs, m.c.installation_id == installation_id
        )
    ).first()
    return row is not None


def has_vcs_account(conn: sa.Connection, user_id: str, vcs: str) -> bool:
    """Whether the user has a linked ``vcs`` account (upstream: a token row)."""
    a = identity_tables.user_vcs_accounts
    row = conn.execute(sa.select(a.c.user_id).where(a.c.user_id == user_id, a.c.vcs == vcs)).first()
    return row is not None


def installation_entries(conn: sa.Connection, user_id: str, vcs: str) -> list[dict[str, Any]]:
    """The user's installations of ``vcs`` as ``installation`` objects (§6.2)."""
    i, m = identity_tables.installations, identity_tables.memberships
    rows = conn.execute(
        sa.select(i)
        .join(m, sa.and_(m.c.vcs == i.c.vcs, m.c.installation_id == i.c.id))
        .where(m.c.user_id == user_id, i.c.vcs == vcs)
        .order_by(i.c.id)
    ).mappings()
    out = []
    for r in rows:
        if vcs == "gitlab":
            tier = {"features": {}, "name": "Unknown"}
            trial = None
        else:
            tier = {"features": json.loads(r["tier_features"] or "{}"), "name": r["tier_name"]}
            trial = format_ts(r["trial_ends_at"])
        out.append(
            _omit_none(
                {
                    "account_status": r["account_status"],
                    "created_at": format_ts(r["created_at"]),
                    "id": str(r["id"]),
                    "name": r["name"],
                    "tier": tier,
                    "trial_ends_at": trial,
                }
            )
        )
    return out


def _unlock_times(conn: sa.Connection, vcs: str) -> dict[tuple[int, int | None], float]:
    u = tables.unlocks
    rows = conn.execute(
        sa.select(u.c.repo_id, u.c.pull_number, sa.func.max(u.c.created_at))
        .where(u.c.vcs == vcs)
        .group_by(u.c.repo_id, u.c.pull_number)
    ).all()
    return {(r[0], r[1]): r[2] for r in rows}


def _unlocked_at(
    wm: Mapping[Any, Any], unlocks: Mapping[tuple[int, int | None], float]
) -> float | None:
    """The latest unlock that covers ``wm`` if it came at or after its creation: a PR unlock
    (``latest_unlocks`` joined on repository and pull number) for any run, a repository-wide
    drift unlock (``latest_drift_unlocks``) only for drift runs (``gdwm.work_manifest is not
    null``). upstream: ``select_work_manifests_page.sql`` lines 39-46,
    ``select_dirspaces_page.sql`` lines 38-47 (``gwm.created_at <= lu.unlocked_at``)."""
    if wm["pull_number"] is not None:
        at = unlocks.get((wm["repo_id"], wm["pull_number"]))
        if at is not None and wm["created_at"] <= at:
            return at
    if wm["run_kind"] == "drift":
        at = unlocks.get((wm["repo_id"], None))
        if at is not None and wm["created_at"] <= at:
            return at
    return None


def _reported_state(wm: Mapping[Any, Any], unlocks: Mapping[tuple[int, int | None], float]) -> str:
    """Queued/running runs created at or before the latest unlock covering them → aborted
    (``select_work_manifests_page.sql`` lines 39-46)."""
    state = str(wm["state"])
    if state not in ("queued", "running"):
        return state
    return "aborted" if _unlocked_at(wm, unlocks) is not None else state


def _wm_dirspace_success(success: bool | None, reported_state: str) -> bool | None:
    """``not ((gwmr.success is null and gwm.state = 'aborted') or not gwmr.success)`` in
    three-valued logic (``select_work_manifests_page.sql`` line 96; ``gwm`` there is the
    outer ``q``, so ``state`` is the reported one): no result in an aborted run → false, no
    result otherwise → NULL, which upstream's ``success : bool option [@default None]``
    (``terrat_api_components_work_manifest_dirspace.ml``) omits."""
    if success is None:
        return False if reported_state == "aborted" else None
    return success


def _kind(wm: Mapping[Any, Any], title: str | None) -> Any:
    if wm["run_kind"] in ("drift", "index"):
        return wm["run_kind"]
    return _omit_none({"pull_number": wm["pull_number"], "pull_request_title": title})


def _wm_query(vcs: str, installation_id: int) -> sa.Select[Any]:
    wm, r, pr = tables.work_manifests, tables.repos, tables.pull_requests
    return (
        sa.select(wm, r.c.owner, r.c.name.label("repo_name"), pr.c.title)
        .join(r, sa.and_(r.c.vcs == wm.c.vcs, r.c.id == wm.c.repo_id))
        .outerjoin(
            pr,
            sa.and_(
                pr.c.vcs == wm.c.vcs,
                pr.c.repo_id == wm.c.repo_id,
                pr.c.pull_number == wm.c.pull_number,
            ),
        )
        .where(wm.c.vcs == vcs, wm.c.installation_id == installation_id)
    )


def _dirspaces_by_wm(conn: sa.Connection, ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Each run's dirspaces with their stored ``success`` (NULL until finished); ordered by dir
    and workspace, where upstream's ``jsonb_agg`` has no ORDER BY (table order)."""
    d = tables.work_manifest_dirspaces
    out: dict[str, list[dict[str, Any]]] = {}
    id_list = list(ids)
    for chunk_start in range(0, len(id_list), 500):
        chunk = id_list[chunk_start : chunk_start + 500]
        rows = conn.execute(
            sa.select(d).where(d.c.work_manifest_id.in_(chunk)).order_by(d.c.dir, d.c.workspace)
        ).mappings()
        for row in rows:
            out.setdefault(row["work_manifest_id"], []).append(
                _omit_none(
                    {"dir": row["dir"], "success": row["success"], "workspace": row["workspace"]}
                )
            )
    return out


def _common(wm: Mapping[Any, Any], state: str) -> dict[str, Any]:
    """Fields shared by work-manifest and dirspace rows (filter keys of ``query.compiler``)."""
    return {
        "branch": wm["branch"],
        "created_at": format_ts(wm["created_at"]),
        "created_ts": float(int(wm["created_at"] // 1)),
        "environment": wm["environment"],
        "id": wm["id"],
        "kind": wm["run_kind"],
        "pull_number": wm["pull_number"],
        "repo": wm["repo_name"],
        "run_type": wm["run_type"],
        "state": state,
        "user": wm["username"],
    }


def _body_common(wm: Mapping[Any, Any], state: str) -> dict[str, Any]:
    return {
        "base_branch": wm["base_branch"],
        "base_ref": wm["base_ref"],
        "branch": wm["branch"],
        "branch_ref": wm["branch_ref"],
        "completed_at": format_ts(wm["completed_at"]),
        "created_at": format_ts(wm["created_at"]),
        "environment": wm["environment"],
        "id": wm["id"],
        "kind": _kind(wm, wm["title"]),
        "owner": wm["owner"],
        "repo": wm["repo_name"],
        "run_id": wm["run_id"],
        "run_type": wm["run_type"],
        "state": state,
        "tag_query": wm["tag_query"],
        "user": wm["username"],
    }


def work_manifest_rows(conn: sa.Connection, vcs: str, installation_id: int) -> list[dict[str, Any]]:
    """Rows of ``…/work-manifests`` (cursor ``[created_at, id]``)."""
    wms = list(conn.execute(_wm_query(vcs, installation_id)).mappings())
    unlocks = _unlock_times(conn, vcs)
    dirspaces = _dirspaces_by_wm(conn, (w["id"] for w in wms))
    rows = []
    for wm in wms:
        state = _reported_state(wm, unlocks)
        ds = [
            _omit_none({**d, "success": _wm_dirspace_success(d.get("success"), state)})
            for d in dirspaces.get(wm["id"], [])
        ]
        body = _body_common(wm, state)
        body["dirspaces"] = ds
        body["repo_id"] = str(wm["repo_id"])
        row = _common(wm, state)
        row["dirspaces"] = ds
        row["body"] = _omit_none(body)
        rows.append(row)
    return rows


def _dirspace_state(state: str, success: bool | None) -> str:
    """``select_dirspaces_page.sql`` lines 97-101, as PostgreSQL reads it::

        case when state = 'completed' and success then 'success'
             when (state = 'completed' and success is null) or (not success) then 'failure'
             else state end

    ``state`` is the stored run state (the unlock rule does not apply here) and ``and`` binds
    tighter than ``or``: any run with a failed result is ``failure`` (running and aborted
    included), a completed run without one too; NULL conditions fall through (§9 #24)."""
    if state == "completed" and success is True:
        return "success"
    if (state == "completed" and success is None) or success is False:
        return "failure"
    return state


def dirspace_rows(conn: sa.Connection, vcs: str, installation_id: int) -> list[dict[str, Any]]:
    """Rows of ``…/dirspaces`` (cursor ``[created_at, dir, workspace, id]``)."""
    d = tables.work_manifest_dirspaces
    q = _wm_query(vcs, installation_id).subquery()
    stmt = sa.select(q, d.c.dir, d.c.workspace, d.c.success).join(d, d.c.work_manifest_id == q.c.id)
    unlocks = _unlock_times(conn, vcs)
    rows = []
    for wm in conn.execute(stmt).mappings():
        stored = str(wm["state"])
        state = _dirspace_state(stored, wm["success"])
        body = _body_common(wm, state)
        # completed_at falls back to the covering unlock, whatever the state
        # (select_dirspaces_page.sql lines 38-47).
        completed = wm["completed_at"]
        body["completed_at"] = format_ts(
            completed if completed is not None else _unlocked_at(wm, unlocks)
        )
        body["dir"] = wm["dir"]
        body["workspace"] = wm["workspace"]
        row = _common(wm, state)
        # The `state` tag's SQL (`state = 'completed' and success`, …) reads the stored
        # columns of `q`, not the CASE above (terrat_vcs_service_github_ep_installations.ml
        # `Dirspaces.state_query`).
        row.update(dir=wm["dir"], workspace=wm["workspace"], wm_state=stored)
        row["success"] = wm["success"]
        row["body"] = _omit_none(body)
        rows.append(row)
    return rows


def output_rows(
    conn: sa.Connection, vcs: str, installation_id: int, work_manifest_id: str, lite: bool
) -> list[dict[str, Any]]:
    """Rows of ``…/work-manifests/{id}/outputs`` (cursor ``[idx]``); ``lite`` drops payloads."""
    o, wm = tables.workflow_step_outputs, tables.work_manifests
    stmt = (
        sa.select(o)
        .join(wm, wm.c.id == o.c.work_manifest_id)
        .where(
            wm.c.vcs == vcs,
            wm.c.installation_id == installation_id,
            o.c.work_manifest_id == work_manifest_id,
        )
    )
    rows = []
    for out in conn.execute(stmt).mappings():
        scope = json.loads(out["scope"])
        payload = None if lite or out["payload"] is None else json.loads(out["payload"])
        body = {
            "created_at": format_ts(out["created_at"]),
            "idx": out["idx"],
            "ignore_errors": bool(out["ignore_errors"]),
            "payload": payload,
            "scope": dict(sorted(scope.items())),
            "state": out["state"],
            "step": out["step"],
        }
        rows.append(
            {
                "idx": out["idx"],
                "ignore_errors": bool(out["ignore_errors"]),
                "scope": scope,
                "state": out["state"],
                "step": out["step"],
                "body": _omit_none(body),
            }
        )
    return rows


def pull_request_rows(conn: sa.Connection, installation_id: int) -> list[dict[str, Any]]:
    """Rows of the GitHub ``…/pull-requests`` (cursor ``[pull_number]``)."""
    pr, r, wm = tables.pull_requests, tables.repos, tables.work_manifests
    latest = (
        sa.select(sa.func.max(wm.c.created_at))
        .where(
            wm.c.vcs == pr.c.vcs,
            wm.c.repo_id == pr.c.repo_id,
            wm.c.pull_number == pr.c.pull_number,
        )
        .scalar_subquery()
    )
    stmt = (
        sa.select(pr, r.c.owner, r.c.name.label("repo_name"), latest.label("latest_run"))
        .join(r, sa.and_(r.c.vcs == pr.c.vcs, r.c.id == pr.c.repo_id))
        .where(pr.c.vcs == "github", pr.c.installation_id == installation_id)
    )
    rows = []
    for p in conn.execute(stmt).mappings():
        body = {
            "base_branch": p["base_branch"],
            "base_sha": p["base_sha"],
            "branch": p["branch"],
            "latest_work_manifest_run_at": format_ts(p["latest_run"]),
            "merged_at": format_ts(p["merged_at"]),
            "merged_sha": p["merged_sha"],
            "name": p["repo_name"],
            "owner": p["owner"],
            "pull_number": p["pull_number"],
            "repository": p["repo_id"],
            "sha": p["sha"],
            "state": p["state"],
            "title": p["title"],
            "user": p["username"],
        }
        rows.append({"pull_number": p["pull_number"], "body": _omit_none(body)})
    return rows


def repo_rows(conn: sa.Connection, vcs: str, installation_id: int) -> list[dict[str, Any]]:
    """Rows of ``…/repos`` (cursor ``[name]``)."""
    r = tables.repos
    stmt = sa.select(r).where(r.c.vcs == vcs, r.c.installation_id == installation_id)
    rows = []
    for repo in conn.execute(stmt).mappings():
        body = {
            "id": str(repo["id"]),
            "installation_id": str(repo["installation_id"]),
            "name": repo["name"],
            "setup": bool(repo["setup"]),
            "updated_at": format_ts(repo["updated_at"]),
        }
        rows.append({"name": repo["name"], "body": body})
    return rows


def roll_up(states: Iterable[str]) -> str:
    """The worst state present, by ``STACK_STATE_ORDER``; otherwise ``no_changes``."""
    present = set(states)
    for state in STACK_STATE_ORDER:
        if state in present:
            return state
    return "no_changes"


def stacks_body(
    conn: sa.Connection, vcs: str, installation_id: int, repo_id: int, pull_number: int
) -> dict[str, Any] | None:
    """The ``stacks`` object of a PR, or ``None`` when none is stored (→ 404)."""
    s = tables.stacks
    row = conn.execute(
        sa.select(s.c.data).where(
            s.c.vcs == vcs,
            s.c.installation_id == installation_id,
            s.c.repo_id == repo_id,
            s.c.pull_number == pull_number,
        )
    ).first()
    if row is None:
        return None
    outers = []
    for outer in json.loads(row[0]):
        inners = []
        for inner in outer.get("stacks", []):
            dirspaces = [
                {"dirspace": dict(sorted(d["dirspace"].items())), "state": d["state"]}
                for d in inner.get("dirspaces", [])
            ]
            state = inner.get("state") or roll_up(d["state"] for d in dirspaces)
            inners.append(
                {
                    "dirspaces": dirspaces,
                    "name": inner["name"],
                    "paths": inner.get("paths", []),
                    "state": state,
                }
            )
        state = outer.get("state") or roll_up(i["state"] for i in inners)
        outers.append({"name": outer["name"], "stacks": inners, "state": state})
    return {"stacks": outers}
