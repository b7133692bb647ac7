"""``DELETE …/installations/{i}/repos/{repo_id}`` (docs/contract.md §5): the one endpoint that
answers ``error-response`` bodies.

400 ``{"id":"INVALID_REPO_ID"}`` (not an integer), ``{"id":"REPO_NOT_FOUND"}``,
``{"id":"REPO_NOT_ARCHIVED"}``; success ``200 {}``; no session or no access → 403 with an
empty body (never the 401 the spec lists). Members count as admins here. A repository is
archived through ``POST /_emulator/repos/archive`` (`resources.dev.runs_router`).
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from terrateam_emulator.resources.runs import writes
from terrateam_emulator.server.auth import check_installation, emulator_state, require_session
from terrateam_emulator.server.http import RouteMismatch, json_response, parse_int

__all__ = ["router"]

router = APIRouter()


def _error(error_id: str) -> Response:
    return json_response({"id": error_id}, 400)


async def delete_repo(request: Request) -> Response:
    """Delete an archived repository of the installation."""
    path = request.url.path
    vcs = "gitlab" if path.startswith("/api/v1/gitlab/") else "github"
    installation_id = parse_int(request.path_params["installation_id"])
    raw_repo_id = request.path_params["repo_id"]
    session = require_session(request)
    check_installation(request, session, vcs, installation_id)
    try:
        repo_id = parse_int(raw_repo_id)
    except RouteMismatch:
        return _error("INVALID_REPO_ID")
    state = emulator_state(request)
    with state.db.write() as conn:
        error_id = writes.delete_archived_repo(conn, vcs, installation_id, repo_id)
    if error_id is not None:
        return _error(error_id)
    return json_response({})


for _prefix in (
    "/api/v1/github/installations/{installation_id}",
    "/api/v1/installations/{installation_id}",
    "/api/v1/gitlab/installations/{installation_id}",
):
    router.add_route(_prefix + "/repos/{repo_id}", delete_repo, methods=["DELETE"])
