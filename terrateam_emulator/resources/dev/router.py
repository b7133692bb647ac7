"""The developer API under ``/_emulator/`` (docs/design/interfaces.md). Never under ``/api/``.

JSON in and out; a bad request gets 400 ``{"error": "..."}`` (these are our routes, so they
say what went wrong).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from terrateam_emulator.resources.identity.caps import CapabilityError, decode_caps
from terrateam_emulator.resources.identity.seed import DEMO_USER_ID, user_id_for
from terrateam_emulator.server.auth import emulator_state
from terrateam_emulator.server.http import json_response
from terrateam_emulator.server.limits import MAX_JSON_DEPTH, json_too_deep
from terrateam_emulator.server.state import EmulatorState

__all__ = ["DevError", "dev_body", "router"]

router = APIRouter()


class DevError(Exception):
    """A developer-API request error: 400 (or ``status``) with ``{"error": message}``."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


async def dev_body(request: Request) -> dict[str, Any]:
    """Return the JSON object body (empty body → ``{}``)."""
    raw = await request.body()
    if not raw.strip():
        return {}
    if json_too_deep(raw, MAX_JSON_DEPTH + 1):
        raise DevError(f"body nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise DevError("body is not JSON") from exc
    if not isinstance(body, dict):
        raise DevError("body must be a JSON object")
    return body


def _known_user(state: EmulatorState, body: dict[str, Any]) -> str:
    """The body's ``"user_id"`` (default: the demo user); 404 when there is no such user."""
    user_id = str(body.get("user_id") or DEMO_USER_ID)
    if not state.identity.user_exists(user_id):
        raise DevError(f"unknown user {user_id}", 404)
    return user_id


async def mint_api_key(request: Request) -> Response:
    """``POST /_emulator/api-keys``: any capabilities, for any user (default: the demo user)."""
    body = await dev_body(request)
    state = emulator_state(request)
    user_id = _known_user(state, body)
    try:
        caps = decode_caps(body.get("capabilities", []))
    except CapabilityError as exc:
        raise DevError(f"invalid capabilities: {exc}") from exc
    token_id, token = state.identity.insert_api_key(
        user_id=user_id, name=str(body.get("name", "")), capabilities=caps
    )
    return json_response({"id": token_id, "refresh_token": token, "user_id": user_id})


async def create_session(request: Request) -> Response:
    """``POST /_emulator/sessions``: a dashboard login; answers the ``session`` cookie value."""
    body = await dev_body(request)
    state = emulator_state(request)
    user_id = _known_user(state, body)
    return json_response({"cookie": state.identity.create_session(user_id), "user_id": user_id})


async def create_user(request: Request) -> Response:
    """``POST /_emulator/users``: a user with VCS accounts and installation memberships."""
    body = await dev_body(request)
    state = emulator_state(request)
    username = str(body.get("username") or f"user-{uuid.uuid4().hex[:8]}")
    vcses = body.get("vcs", ["github"])
    if not isinstance(vcses, list) or any(v not in ("github", "gitlab") for v in vcses):
        raise DevError("vcs must be a list of github/gitlab")
    uid = user_id_for(username) if body.get("username") else str(uuid.uuid4())
    installation_ids = [int(inst) for inst in body.get("installations", [])]
    if not state.identity.create_user(uid, username, vcses, installation_ids):
        raise DevError(f"user {username} exists", 409)
    return json_response({"id": uid})


async def advance_clock(request: Request) -> Response:
    """``POST /_emulator/clock/advance``."""
    body = await dev_body(request)
    try:
        now = emulator_state(request).clock.advance(float(body.get("seconds", 0)))
    except (TypeError, ValueError) as exc:
        raise DevError(str(exc)) from exc
    return json_response({"now": now})


async def add_fault(request: Request) -> Response:
    """``POST /_emulator/faults``."""
    body = await dev_body(request)
    try:
        fault = emulator_state(request).faults.add(**body)
    except (TypeError, ValueError, KeyError) as exc:
        raise DevError(str(exc)) from exc
    return json_response({"id": fault.id})


async def clear_faults(request: Request) -> Response:
    """``DELETE /_emulator/faults``."""
    emulator_state(request).faults.clear()
    return json_response({})


async def stats(request: Request) -> Response:
    """``GET /_emulator/stats``."""
    return json_response(emulator_state(request).stats.snapshot())


async def reset_stats(request: Request) -> Response:
    """``POST /_emulator/stats/reset``."""
    emulator_state(request).stats.reset()
    return json_response({})


async def reset(request: Request) -> Response:
    """``POST /_emulator/reset``: fresh data from the start-up seed; faults and stats cleared."""
    emulator_state(request).reset()
    return json_response({})


async def info(request: Request) -> Response:
    """``GET /_emulator/info``: what a subprocess user needs (demo key, ids, settings)."""
    state = emulator_state(request)
    return json_response(
        {
            "demo_api_key": state.demo_api_key,
            "demo_user_id": DEMO_USER_ID if state.demo_api_key else None,
            "installation_id": 12345,
            "gitlab_installation_id": 678,
            "edition": state.settings.edition,
            "select_mode": state.settings.select_mode,
            "token_ttl": state.settings.token_ttl,
        }
    )


async def put_blob(request: Request) -> Response:
    """``PUT /_emulator/blobs/{name}``: store raw bytes (benchmark baseline)."""
    emulator_state(request).blobs[request.path_params["name"]] = await request.body()
    return Response(status_code=200)


async def get_blob(request: Request) -> Response:
    """``GET /_emulator/blobs/{name}``: the bytes stored, or 404."""
    blob = emulator_state(request).blobs.get(request.path_params["name"])
    if blob is None:
        return Response(status_code=404)
    return Response(content=blob, media_type="application/octet-stream")


router.add_route("/_emulator/api-keys", mint_api_key, methods=["POST"])
router.add_route("/_emulator/users", create_user, methods=["POST"])
router.add_route("/_emulator/sessions", create_session, methods=["POST"])
router.add_route("/_emulator/clock/advance", advance_clock, methods=["POST"])
router.add_route("/_emulator/faults", add_fault, methods=["POST"])
router.add_route("/_emulator/faults", clear_faults, methods=["DELETE"])
router.add_route("/_emulator/stats", stats, methods=["GET"])
router.add_route("/_emulator/stats/reset", reset_stats, methods=["POST"])
router.add_route("/_emulator/reset", reset, methods=["POST"])
router.add_route("/_emulator/info", info, methods=["GET"])
router.add_route("/_emulator/blobs/{name:path}", put_blob, methods=["PUT"])
router.add_route("/_emulator/blobs/{name:path}", get_blob, methods=["GET"])
