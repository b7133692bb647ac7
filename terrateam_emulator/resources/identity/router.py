"""Refresh, whoami, logout, server config and client id (docs/contract.md §1.4, §6.1, §6.6)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from terrateam_emulator.server.auth import emulator_state, require_session
from terrateam_emulator.server.http import Forbidden, RouteMismatch, empty, json_response

__all__ = ["CLIENT_ID", "health_router", "router"]

CLIENT_ID = "Iv1.terrateam-emulator"
router = APIRouter()
health_router = APIRouter()


async def health(request: Request) -> Response:
    """``GET /health``: 200, no authentication."""
    return Response(status_code=200)


async def refresh(request: Request) -> Response:
    """``POST /api/v1/access-token/refresh``: API key → access token (body ignored)."""
    state = emulator_state(request)
    state.stats.count_refresh()
    session = require_session(request)
    if "access_token_refresh" not in session.capabilities or session.access_token_id is None:
        raise Forbidden
    token = state.identity.refresh(session.access_token_id, session.user_id)
    if token is None:
        return empty(403, json_type=True)  # row deleted between auth and lookup
    return json_response({"token": token})


async def whoami(request: Request) -> Response:
    """``GET /api/v1/whoami``."""
    session = require_session(request)
    return json_response(emulator_state(request).identity.whoami(session.user_id))


async def vcs_whoami(request: Request) -> Response:
    """``GET /api/v1/{github|gitlab}/whoami``: 403 when the user has no account there."""
    vcs = request.path_params["vcs"]
    if vcs not in ("github", "gitlab"):
        raise RouteMismatch
    session = require_session(request)
    user = emulator_state(request).identity.vcs_user(session.user_id, vcs)
    if user is None:
        raise Forbidden
    return json_response(user)


async def logout(request: Request) -> Response:
    """``POST /api/v1/logout``: 200 empty; ends a cookie session, a Bearer token stays valid."""
    session = require_session(request)
    if session.cookie and session.access_token_id is not None:
        emulator_state(request).identity.delete_session(session.access_token_id)
    return empty(200, json_type=True)


def _api_base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/api"


async def server_config(request: Request) -> Response:
    """``GET /api/v1/server/config`` (no authentication)."""
    return json_response(
        {
            "github": {
                "api_base_url": "https://api.github.com",
                "app_client_id": CLIENT_ID,
                "app_url": "https://github.com/apps/terrateam-emulator",
                "web_base_url": "https://github.com",
            },
            "gitlab": {
                "api_base_url": "https://gitlab.com/api/v4",
                "app_id": "terrateam-emulator",
                "redirect_url": _api_base(request) + "/v1/gitlab/callback",
                "web_base_url": "https://gitlab.com",
            },
        }
    )


async def client_id(request: Request) -> Response:
    """``GET /api/v1/github/client_id`` (no authentication)."""
    return json_response({"client_id": CLIENT_ID})


health_router.add_route("/health", health, methods=["GET"])
router.add_route("/api/v1/github/client_id", client_id, methods=["GET"])
router.add_route("/api/v1/{vcs}/whoami", vcs_whoami, methods=["GET"])
router.add_route("/api/v1/access-token/refresh", refresh, methods=["POST"])
router.add_route("/api/v1/whoami", whoami, methods=["GET"])
router.add_route("/api/v1/logout", logout, methods=["POST"])
router.add_route("/api/v1/server/config", server_config, methods=["GET"])
