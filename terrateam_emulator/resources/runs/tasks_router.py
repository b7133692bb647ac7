"""Repo refresh (→ task), tasks and PR stacks (docs/contract.md §6.3 refresh, §6.4, §6.5)."""

from __future__ import annotations

import json
import secrets
import uuid

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from terrateam_emulator.resources.runs import backend as store
from terrateam_emulator.resources.runs import tasks
from terrateam_emulator.server.auth import check_installation, emulator_state, require_session
from terrateam_emulator.server.errors import EmulatorError
from terrateam_emulator.server.http import RouteMismatch, json_raw, parse_int, parse_uuid

__all__ = ["router"]

router = APIRouter()


def _dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def refresh_repos(request: Request) -> Response:
    """``POST …/installations/{i}/repos/refresh`` (GitHub only): a task owned by the caller.

    The emulator has no GitHub to list repositories from, so the task is created already
    ``completed``; ``POST /_emulator/tasks/{id}/state`` moves it for tests that poll.
    """
    inst = parse_int(request.path_params["installation_id"])
    session = require_session(request)
    check_installation(request, session, "github", inst)
    state = emulator_state(request)
    task_id = str(uuid.uuid4())
    request_id = secrets.token_hex(8)
    with state.db.write() as conn:
        tasks.insert_task(
            conn,
            task_id,
            name=f"INSTALLATION : {request_id} : REPO_REFRESH : {inst}",
            state="completed",
            user_id=session.user_id,
            now=state.clock.now(),
        )
    return json_raw(_dumps({"id": task_id}))


def get_task(request: Request) -> Response:
    """``GET /api/v1/tasks/{uuid}``: only the owner sees it; otherwise 404 (empty body)."""
    task_id = parse_uuid(request.path_params["task_id"])
    session = require_session(request)
    state = emulator_state(request)
    with state.db.read() as conn:
        row = tasks.task_row(conn, task_id)
    if row is None or row["user_id"] is None or row["user_id"] != session.user_id:
        raise EmulatorError(404, json_type=True)
    return json_raw(_dumps(tasks.task_body(row)))


def get_stacks(request: Request) -> Response:
    """``GET /api/v1/{vcs}/installations/{i}/repos/{repo_id}/prs/{pr}/stacks``; none → 404."""
    vcs = request.path_params["vcs"]
    if vcs not in ("github", "gitlab"):
        raise RouteMismatch
    inst = parse_int(request.path_params["installation_id"])
    repo_id = parse_int(request.path_params["repo_id"])
    pull_number = parse_int(request.path_params["pull_number"])
    session = require_session(request)
    check_installation(request, session, vcs, inst)
    state = emulator_state(request)
    with state.db.read() as conn:
        body = store.stacks_body(conn, vcs, inst, repo_id, pull_number)
    if body is None:
        raise EmulatorError(404, json_type=True)
    return json_raw(_dumps(body))


for _prefix in ("/api/v1/github/installations", "/api/v1/installations"):
    router.add_route(_prefix + "/{installation_id}/repos/refresh", refresh_repos, methods=["POST"])
router.add_route("/api/v1/tasks/{task_id}", get_task, methods=["GET"])
router.add_route(
    "/api/v1/{vcs}/installations/{installation_id}/repos/{repo_id}/prs/{pull_number}/stacks",
    get_stacks,
    methods=["GET"],
)
