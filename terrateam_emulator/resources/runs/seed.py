"""The runs part of a seed: repos, pull requests, work manifests (dirspaces, step outputs),
stacks, tasks and unlocks. Format: ``docs/emulator-seed.md``; demo data: ``demo_runs_seed``.

``apply_runs_seed`` inserts a seed dict's runs part; `server.seed.apply_seed` calls it after
users and installations exist (task owners are resolved by username then).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from terrateam_emulator.resources.identity import tables as identity_tables
from terrateam_emulator.resources.runs import tables
from terrateam_emulator.resources.runs.demo import demo_runs_seed
from terrateam_emulator.server.clock import ClockLike

__all__ = [
    "apply_runs_seed",
    "demo_runs_seed",
    "insert_work_manifest",
    "parse_timestamp",
]

RUN_KINDS = ("pr", "drift", "index")
RUN_TYPES = ("plan", "apply", "index", "build-config", "build-tree")
WM_STATES = ("queued", "running", "completed", "aborted")
PR_STATES = ("open", "closed", "merged")
TASK_STATES = ("pending", "running", "completed", "failed", "aborted")


def parse_timestamp(value: Any, default: float, where: str = "timestamp") -> float:
    """Epoch seconds from a number or an ISO 8601 string (``Z`` or offset; naive = UTC)."""
    if value is None:
        return default
    if isinstance(value, bool):
        raise ValueError(f"{where}: not a timestamp: {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{where}: not an ISO 8601 timestamp: {value!r}") from None
    else:
        raise ValueError(f"{where}: not a timestamp: {value!r}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.timestamp()


def _need(entry: Mapping[str, Any], key: str, where: str) -> Any:
    if entry.get(key) is None:
        raise ValueError(f"{where}: missing required field {key!r}")
    return entry[key]


def _choice(
    entry: Mapping[str, Any], key: str, allowed: Sequence[str], where: str, dflt: str
) -> str:
    value = entry.get(key, dflt)
    if value not in allowed:
        raise ValueError(f"{where}: {key} must be one of {', '.join(allowed)}, not {value!r}")
    return str(value)


def _repo_index(conn: sa.Connection) -> dict[tuple[str, int], Mapping[Any, Any]]:
    rows = conn.execute(sa.select(tables.repos)).mappings()
    return {(r["vcs"], r["id"]): r for r in rows}


def insert_work_manifest(
    conn: sa.Connection, spec: Mapping[str, Any], now: float, where: str = "work_manifest"
) -> str:
    """Insert one work manifest with its dirspaces and outputs; return its id.

    ``spec`` is a seed entry (see ``docs/emulator-seed.md``); ``repo_id`` must name a known repo
    of the same ``vcs``; the installation comes from the repo.
    """
    vcs = _choice(spec, "vcs", ("github", "gitlab"), where, "github")
    repo_id = int(_need(spec, "repo_id", where))
    repo = _repo_index(conn).get((vcs, repo_id))
    if repo is None:
        raise ValueError(f"{where}: unknown {vcs} repo_id {repo_id}")
    kind = _choice(spec, "kind", RUN_KINDS, where, "pr" if spec.get("pull_number") else "drift")
    pull_number = spec.get("pull_number")
    if kind == "pr" and pull_number is None:
        raise ValueError(f"{where}: kind 'pr' needs pull_number")
    run_type = _choice(spec, "run_type", RUN_TYPES, where, "plan")
    state = _choice(spec, "state", WM_STATES, where, "queued")
    wm_id = str(uuid.UUID(str(spec["id"]))) if spec.get("id") else str(uuid.uuid4())
    created_at = parse_timestamp(spec.get("created_at"), now, f"{where}.created_at")
    completed_default = created_at + 60 if state in ("completed", "aborted") else None
    completed_at = spec.get("completed_at")
    base_branch = str(spec.get("base_branch", "main"))
    conn.execute(
        tables.work_manifests.insert().values(
            id=wm_id,
            vcs=vcs,
            installation_id=repo["installation_id"],
            repo_id=repo_id,
            pull_number=int(pull_number) if pull_number is not None else None,
            run_kind=kind,
            run_type=run_type,
            state=state,
            base_branch=base_branch,
            base_ref=str(spec.get("base_ref", "0" * 40)),
            branch=str(spec.get("branch", base_branch)),
            branch_ref=str(spec.get("branch_ref", spec.get("base_ref", "0" * 40))),
            tag_query=str(spec.get("tag_query", "")),
            environment=spec.get("environment"),
            run_id=spec.get("run_id"),
            username=spec.get("user"),
            created_at=created_at,
            completed_at=(
                parse_timestamp(completed_at, 0.0, f"{where}.completed_at")
                if completed_at is not None
                else completed_default
            ),
        )
    )
    for i, ds in enumerate(spec.get("dirspaces") or []):
        w = f"{where}.dirspaces[{i}]"
        success = ds.get("success")
        conn.execute(
            tables.work_manifest_dirspaces.insert().values(
                work_manifest_id=wm_id,
                dir=str(_need(ds, "dir", w)),
                workspace=str(ds.get("workspace", "default")),
                success=None if success is None else bool(success),
            )
        )
    for i, out in enumerate(spec.get("outputs") or []):
        w = f"{where}.outputs[{i}]"
        scope = _need(out, "scope", w)
        if not isinstance(scope, Mapping) or scope.get("type") not in ("dirspace", "run"):
            raise ValueError(f"{w}: scope must be an object with type 'dirspace' or 'run'")
        payload = out.get("payload")
        conn.execute(
            tables.workflow_step_outputs.insert().values(
                work_manifest_id=wm_id,
                idx=int(out.get("idx", i)),
                step=str(_need(out, "step", w)),
                state=_choice(out, "state", ("success", "failure"), w, "success"),
                ignore_errors=bool(out.get("ignore_errors", False)),
                scope=json.dumps(dict(scope), separators=(",", ":")),
                payload=None if payload is None else json.dumps(payload, separators=(",", ":")),
                created_at=parse_timestamp(out.get("created_at"), created_at, f"{w}.created_at"),
            )
        )
    return wm_id


def _user_ids(conn: sa.Connection) -> dict[str, str]:
    found = {
        r.username: r.id
        for r in conn.execute(
            sa.select(identity_tables.users.c.id, identity_tables.users.c.username)
        )
    }
    for r in conn.execute(sa.select(identity_tables.user_vcs_accounts)).mappings():
        found.setdefault(r["username"], r["user_id"])
    return found


def apply_runs_seed(conn: sa.Connection, seed: Mapping[str, Any], clock: ClockLike) -> None:
    """Insert the runs part of ``seed`` (keys ``repos``, ``pull_requests``, ``work_manifests``,
    ``stacks``, ``tasks``, ``unlocks``; all optional) in one transaction-bound connection."""
    now = clock.now()
    for i, repo in enumerate(seed.get("repos") or []):
        w = f"repos[{i}]"
        conn.execute(
            tables.repos.insert().values(
                vcs=_choice(repo, "vcs", ("github", "gitlab"), w, "github"),
                id=int(_need(repo, "id", w)),
                installation_id=int(_need(repo, "installation_id", w)),
                owner=str(_need(repo, "owner", w)),
                name=str(_need(repo, "name", w)),
                setup=bool(repo.get("setup", True)),
                updated_at=parse_timestamp(repo.get("updated_at"), now, f"{w}.updated_at"),
            )
        )
    repos = _repo_index(conn)
    for i, pr in enumerate(seed.get("pull_requests") or []):
        w = f"pull_requests[{i}]"
        vcs = _choice(pr, "vcs", ("github", "gitlab"), w, "github")
        repo = repos.get((vcs, int(_need(pr, "repo_id", w))))
        if repo is None:
            raise ValueError(f"{w}: unknown {vcs} repo_id {pr['repo_id']}")
        merged_at = pr.get("merged_at")
        conn.execute(
            tables.pull_requests.insert().values(
                vcs=vcs,
                repo_id=repo["id"],
                pull_number=int(_need(pr, "pull_number", w)),
                installation_id=repo["installation_id"],
                base_branch=str(pr.get("base_branch", "main")),
                base_sha=str(pr.get("base_sha", "0" * 40)),
                branch=str(_need(pr, "branch", w)),
                sha=str(pr.get("sha", "0" * 40)),
                state=_choice(pr, "state", PR_STATES, w, "open"),
                merged_at=None if merged_at is None else parse_timestamp(merged_at, now, w),
                merged_sha=pr.get("merged_sha"),
                title=pr.get("title"),
                username=pr.get("user"),
            )
        )
    for i, wm in enumerate(seed.get("work_manifests") or []):
        insert_work_manifest(conn, wm, now, f"work_manifests[{i}]")
    for i, st in enumerate(seed.get("stacks") or []):
        w = f"stacks[{i}]"
        vcs = _choice(st, "vcs", ("github", "gitlab"), w, "github")
        repo = repos.get((vcs, int(_need(st, "repo_id", w))))
        if repo is None:
            raise ValueError(f"{w}: unknown {vcs} repo_id {st['repo_id']}")
        conn.execute(
            tables.stacks.insert().values(
                vcs=vcs,
                repo_id=repo["id"],
                pull_number=int(_need(st, "pull_number", w)),
                installation_id=repo["installation_id"],
                data=json.dumps(_need(st, "stacks", w), separators=(",", ":")),
            )
        )
    users = _user_ids(conn) if seed.get("tasks") else {}
    for i, task in enumerate(seed.get("tasks") or []):
        w = f"tasks[{i}]"
        user_id = task.get("user_id")
        if user_id is None and task.get("user") is not None:
            user_id = users.get(str(task["user"]))
            if user_id is None:
                raise ValueError(f"{w}: unknown user {task['user']!r}")
        conn.execute(
            tables.tasks.insert().values(
                id=str(uuid.UUID(str(task["id"]))) if task.get("id") else str(uuid.uuid4()),
                name=str(_need(task, "name", w)),
                state=_choice(task, "state", TASK_STATES, w, "pending"),
                user_id=user_id,
                updated_at=parse_timestamp(task.get("updated_at"), now, f"{w}.updated_at"),
            )
        )
    for i, un in enumerate(seed.get("unlocks") or []):
        w = f"unlocks[{i}]"
        pull_number = un.get("pull_number")
        conn.execute(
            tables.unlocks.insert().values(
                vcs=_choice(un, "vcs", ("github", "gitlab"), w, "github"),
                repo_id=int(_need(un, "repo_id", w)),
                pull_number=None if pull_number is None else int(pull_number),
                created_at=parse_timestamp(un.get("created_at"), now, f"{w}.created_at"),
            )
        )
