"""``DELETE …/installations/{i}/repos/{repo_id}`` (docs/contract.md §5): the one endpoint that
answers ``error-response`` bodies.

400 ``{"id":"INVALID_REPO_ID"}`` (not an integer), ``{"id":"REPO_NOT_FOUND"}``,
``{"id":"REPO_NOT_ARCHIVED"}``; success ``200 {}``; no session or no access → 403 with an
empty body (never the 401 the spec lists). Members count as admins here. A repository is
archived through ``POST /_emulator/repos/archive``.
"""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from terrateam_emulator.resources.dev.router import DevError, dev_body
from terrateam_emulator.resources.runs.tables import archived_repos
from terrateam_emulator.server.auth import check_installation, emulator_state, require_session
from terrateam_emulator.server.http import RouteMismatch, json_response, parse_int
from terrateam_emulator.storage.schema import metadata

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
    repos = metadata.tables.get("repos")
    state = emulator_state(request)
    with state.db.write() as conn:
        found = (
            repos is not None
            and conn.execute(
                sa.select(repos.c.id).where(
                    repos.c.vcs == vcs,
                    repos.c.id == repo_id,
                    repos.c.installation_id == installation_id,
                )
            ).first()
        )
        if not found:
            return _error("REPO_NOT_FOUND")
        archived = conn.execute(
            sa.select(archived_repos.c.repo_id).where(
                archived_repos.c.vcs == vcs, archived_repos.c.repo_id == repo_id
            )
        ).first()
        if archived is None:
            return _error("REPO_NOT_ARCHIVED")
        assert repos is not None
        conn.execute(repos.delete().where(repos.c.vcs == vcs, repos.c.id == repo_id))
    return json_response({})


async def archive_repo(request: Request) -> Response:
    """``POST /_emulator/repos/archive`` ``{"vcs"?, "repo_id"}``: mark a repository archived."""
    body = await dev_body(request)
    vcs = str(body.get("vcs", "github"))
    if vcs not in ("github", "gitlab") or not isinstance(body.get("repo_id"), int):
        raise DevError("need vcs github|gitlab and an integer repo_id")
    state = emulator_state(request)
    with state.db.write() as conn:
        conn.execute(
            archived_repos.delete().where(
                archived_repos.c.vcs == vcs, archived_repos.c.repo_id == body["repo_id"]
            )
        )
        conn.execute(archived_repos.insert().values(vcs=vcs, repo_id=body["repo_id"]))
    return json_response({"vcs": vcs, "repo_id": body["repo_id"]})


for _prefix in (
    "/api/v1/github/installations/{installation_id}",
    "/api/v1/installations/{installation_id}",
    "/api/v1/gitlab/installations/{installation_id}",
):
    router.add_route(_prefix + "/repos/{repo_id}", delete_repo, methods=["DELETE"])
router.add_route("/_emulator/repos/archive", archive_repo, methods=["POST"])
