"""Developer API for runs (``/_emulator/…``, never under ``/api/``): run tokens, work-manifest
and task states, creating a work manifest, archiving a repository (docs/design/interfaces.md).
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from terrateam_emulator.resources.dev.router import DevError, dev_body
from terrateam_emulator.resources.identity.tokens import encode_run_token
from terrateam_emulator.resources.runs import backend as store
from terrateam_emulator.resources.runs import schedule, tasks, writes
from terrateam_emulator.resources.runs.seed import TASK_STATES, WM_STATES, insert_work_manifest
from terrateam_emulator.server.auth import emulator_state
from terrateam_emulator.server.http import json_response

__all__ = ["router"]

router = APIRouter()


def _wm_row(conn: sa.Connection, wm_id: str) -> sa.RowMapping:
    row = writes.work_manifest_row(conn, wm_id)
    if row is None:
        raise DevError(f"unknown work manifest {wm_id}", 404)
    return row


def _wm_answer(request: Request, conn: sa.Connection, wm_id: str) -> dict[str, Any]:
    """The work manifest as the list endpoint shows it, plus its run token."""
    row = _wm_row(conn, wm_id)
    body = next(
        r["body"]
        for r in store.work_manifest_rows(conn, row["vcs"], row["installation_id"])
        if r["id"] == wm_id
    )
    key = emulator_state(request).signing_key
    token = encode_run_token(key, work_manifest_id=wm_id, installation_id=row["installation_id"])
    return {**body, "installation_id": row["installation_id"], "token": token, "vcs": row["vcs"]}


async def _new_state(request: Request, allowed: tuple[str, ...]) -> str:
    """The body's ``"state"``, one of ``allowed``."""
    new_state = (await dev_body(request)).get("state")
    if new_state not in allowed:
        raise DevError(f"state must be one of {', '.join(allowed)}")
    return str(new_state)


async def run_token(request: Request) -> Response:
    """``GET /_emulator/work-manifests/{id}/token`` → ``{"token"}`` (valid while active)."""
    wm_id = request.path_params["wm_id"].lower()
    state = emulator_state(request)
    with state.db.read() as conn:
        row = _wm_row(conn, wm_id)
    token = encode_run_token(
        state.signing_key, work_manifest_id=wm_id, installation_id=row["installation_id"]
    )
    return json_response({"token": token})


async def set_wm_state(request: Request) -> Response:
    """``POST /_emulator/work-manifests/{id}/state`` ``{"state"}`` → the work manifest."""
    wm_id = request.path_params["wm_id"].lower()
    new_state = await _new_state(request, WM_STATES)
    state = emulator_state(request)
    with state.db.write() as conn:
        _wm_row(conn, wm_id)
        writes.set_work_manifest_state(conn, wm_id, new_state, state.clock.now())
        answer = _wm_answer(request, conn, wm_id)
    return json_response(answer)


async def schedule_wm(request: Request) -> Response:
    """``POST /_emulator/runs/{id}/schedule`` ``[{"after_seconds", "state", "success"?,
    "dirspaces"?}]`` → ``{"id", "steps": [... with "due_at"]}``.

    The steps are due at the emulator clock's now plus ``after_seconds`` and are applied by the
    first read at or after that time (``terrateam_emulator/resources/runs/schedule.py``).
    """
    wm_id = request.path_params["wm_id"].lower()
    try:
        steps = schedule.parse_steps(await dev_json(request))
    except schedule.ScheduleError as exc:
        raise DevError(str(exc)) from None
    state = emulator_state(request)
    with state.db.write() as conn:
        _wm_row(conn, wm_id)
        stored = schedule.store_steps(conn, wm_id, steps, state.clock.now())
    return json_response({"id": wm_id, "steps": stored})


async def dev_json(request: Request) -> Any:
    """The JSON body, list or object (``dev_body`` accepts objects only)."""
    raw = await request.body()
    try:
        return json.loads(raw)
    except ValueError:
        raise DevError("body is not JSON") from None


async def create_wm(request: Request) -> Response:
    """``POST /_emulator/work-manifests``: ``{"installation_id", "repo", "pull_number"?,
    "run_type", "state"?, "dirspaces"?, "vcs"?, …}`` → the work manifest with ``token``.

    ``repo`` is a repository name or id of that installation; every other field of a seed
    work-manifest entry (docs/emulator-seed.md) is accepted too.
    """
    body = await dev_body(request)
    state = emulator_state(request)
    vcs = str(body.get("vcs", "github"))
    try:
        installation_id = int(body["installation_id"])
    except (KeyError, TypeError, ValueError):
        raise DevError("installation_id (integer) is required") from None
    repo_ref = body.get("repo")
    ref = repo_ref if isinstance(repo_ref, int) else str(repo_ref)
    with state.db.write() as conn:
        repo_id = writes.find_repo_id(conn, vcs, installation_id, ref)
        if repo_id is None:
            raise DevError(f"unknown {vcs} repo {repo_ref!r} in installation {installation_id}")
        spec = {k: v for k, v in body.items() if k not in ("repo", "installation_id")}
        spec["repo_id"] = repo_id
        spec.setdefault("kind", "pr" if spec.get("pull_number") is not None else "drift")
        try:
            wm_id = insert_work_manifest(conn, spec, state.clock.now())
        except ValueError as exc:
            raise DevError(str(exc)) from exc
        answer = _wm_answer(request, conn, wm_id)
    return json_response(answer)


async def set_task_state(request: Request) -> Response:
    """``POST /_emulator/tasks/{id}/state`` ``{"state"}`` → the task."""
    task_id = request.path_params["task_id"].lower()
    new_state = await _new_state(request, TASK_STATES)
    state = emulator_state(request)
    with state.db.write() as conn:
        row = tasks.set_task_state(conn, task_id, new_state, state.clock.now())
    if row is None:
        raise DevError(f"unknown task {task_id}", 404)
    return json_response(tasks.task_body(row))


async def archive_repo(request: Request) -> Response:
    """``POST /_emulator/repos/archive`` ``{"vcs"?, "repo_id"}``: mark a repository archived."""
    body = await dev_body(request)
    vcs = str(body.get("vcs", "github"))
    if vcs not in ("github", "gitlab") or not isinstance(body.get("repo_id"), int):
        raise DevError("need vcs github|gitlab and an integer repo_id")
    state = emulator_state(request)
    with state.db.write() as conn:
        writes.archive_repo(conn, vcs, body["repo_id"])
    return json_response({"vcs": vcs, "repo_id": body["repo_id"]})


router.add_route("/_emulator/work-manifests/{wm_id}/token", run_token, methods=["GET"])
router.add_route("/_emulator/work-manifests/{wm_id}/state", set_wm_state, methods=["POST"])
router.add_route("/_emulator/work-manifests", create_wm, methods=["POST"])
router.add_route("/_emulator/runs/{wm_id}/schedule", schedule_wm, methods=["POST"])
router.add_route("/_emulator/tasks/{task_id}/state", set_task_state, methods=["POST"])
router.add_route("/_emulator/repos/archive", archive_repo, methods=["POST"])
