"""API-key management, Enterprise edition only (docs/contract.md §3)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from terrateam_emulator.resources.identity.caps import CapabilityError
from terrateam_emulator.server.auth import emulator_state, require_caps
from terrateam_emulator.server.body import field_str, require_object
from terrateam_emulator.server.http import (
    Query,
    RouteMismatch,
    empty,
    json_body,
    json_response,
    parse_uuid,
)
from terrateam_emulator.storage.jsonb import to_plain

__all__ = ["router"]

router = APIRouter()
_PATH = "/api/v1/{vcs}/access-token"


def _vcs(request: Request) -> str:
    vcs: str = request.path_params["vcs"]
    if vcs not in ("github", "gitlab"):
        raise RouteMismatch
    return vcs


async def create(request: Request) -> Response:
    """``POST /api/v1/{vcs}/access-token``: 200 ``{"refresh_token"}``; bad caps → 400."""
    vcs = _vcs(request)
    body = require_object(to_plain(json_body(request, await request.body())))
    name = field_str(body, "name", required=True)
    requested = body.get("capabilities")
    if not isinstance(requested, list):
        raise RouteMismatch
    session = require_caps(request, "access_token_create")
    try:
        _, token = emulator_state(request).identity.create_api_key(
            user_id=session.user_id,
            held=session.capabilities,
            vcs=vcs,
            name=name,
            requested=requested,
        )
    except CapabilityError:
        return empty(400, json_type=True)
    return json_response({"refresh_token": token})


def _check_page(q: Query) -> None:
    # Parsed (so malformed values 404) but otherwise ignored, as upstream.
    q.int("limit", 20)
    page = q.list("page")
    if page is not None and (len(page) < 2 or page[0] not in ("n", "p")):
        raise RouteMismatch


async def list_keys(request: Request) -> Response:
    """``GET /api/v1/{vcs}/access-token``: the caller's keys (both VCSes), by name, ≤ 100."""
    _vcs(request)
    _check_page(Query.of(request))
    session = require_caps(request, "access_token_create")
    return json_response(
        {"results": emulator_state(request).identity.list_api_keys(session.user_id)}
    )


async def delete(request: Request) -> Response:
    """``DELETE /api/v1/{vcs}/access-token?id=<uuid>``: always 200, empty body."""
    _vcs(request)
    raw = Query.of(request).string("id")
    if raw is None:
        raise RouteMismatch
    token_id = parse_uuid(raw)
    session = require_caps(request, "access_token_create")
    emulator_state(request).identity.delete_api_key(session.user_id, token_id)
    return empty(200, json_type=True)


router.add_route(_PATH, create, methods=["POST"])
router.add_route(_PATH, list_keys, methods=["GET"])
router.add_route(_PATH, delete, methods=["DELETE"])
