"""`create_app(settings)`: the emulator as a FastAPI app, used thinly (docs/contract.md §0).

Routes are plain Starlette-style handlers that parse requests themselves, so every parse
failure can be upstream's 404 ``text/html``; FastAPI's own docs and validation are off.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from terrateam_emulator.resources.dev import router as dev
from terrateam_emulator.resources.dev import runs_router as dev_runs
from terrateam_emulator.resources.identity import router as identity
from terrateam_emulator.resources.identity import tokens_router
from terrateam_emulator.resources.kv import router as kv
from terrateam_emulator.resources.runs import repos_router, tasks_router
from terrateam_emulator.resources.runs import router as runs
from terrateam_emulator.server.devguard import DevGuardMiddleware
from terrateam_emulator.server.errors import EmulatorError
from terrateam_emulator.server.faults import FaultMiddleware
from terrateam_emulator.server.http import (
    Forbidden,
    RouteMismatch,
    empty,
    json_response,
    not_found_html,
)
from terrateam_emulator.server.limits import BodyLimitMiddleware, LimitExceeded, error_body
from terrateam_emulator.server.settings import EmulatorSettings
from terrateam_emulator.server.state import EmulatorState

__all__ = ["create_app"]


def _mount(app: FastAPI, router: APIRouter) -> None:
    # Flat route list (no nested routers): one match loop per request, and Starlette then
    # records the matched route in the scope, which the stats use.
    app.router.routes.extend(router.routes)


async def _mismatch(request: Request, exc: Exception) -> Response:
    return not_found_html()


async def _forbidden(request: Request, exc: Exception) -> Response:
    return Response(status_code=403)


async def _emulator_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, EmulatorError)
    return empty(exc.status, json_type=exc.json_type)


async def _dev_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, dev.DevError)
    return json_response({"error": exc.message}, exc.status)


async def _limit_exceeded(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LimitExceeded)
    return json_response(error_body(exc, request.url.path), exc.status)


async def _http_exception(request: Request, exc: Exception) -> Response:
    # Starlette's own 404/405 (no route, wrong method): upstream's router default.
    if request.url.path.startswith("/_emulator/"):
        status = getattr(exc, "status_code", 404)
        return json_response({"error": "no such developer route"}, status)
    return not_found_html()


async def _crash(request: Request, exc: Exception) -> Response:
    # An uncaught exception in a handler: 500, empty body, no Content-Type (upstream run_handler).
    return Response(status_code=500)


def create_app(settings: EmulatorSettings | None = None) -> FastAPI:
    """Build an emulator app with its own database, clock, keys and seed.

    Args:
        settings: `EmulatorSettings`; default: in-memory SQLite, enterprise, faithful select.

    Returns:
        A FastAPI app; its `EmulatorState` is ``app.state.emulator`` and its clock
        ``app.state.clock``.
    """
    settings = settings or EmulatorSettings()
    state = EmulatorState(settings)
    app = FastAPI(
        title="terrateam-emulator",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,
    )
    app.state.emulator = state
    app.state.clock = state.clock
    app.state.settings = settings
    # Upstream registration order: /health, tasks, per VCS (access tokens, stacks, KV, the
    # rest), then refresh/whoami/logout/server config. Non-overlapping patterns make the
    # order mostly moot, but keep it.
    _mount(app, identity.health_router)
    # KV first: it is the hot path and its patterns overlap no other route.
    _mount(app, kv.router)
    _mount(app, dev.router)
    if settings.edition == "enterprise":
        _mount(app, tokens_router.router)
    _mount(app, runs.router)
    _mount(app, dev_runs.router)
    _mount(app, tasks_router.router)
    _mount(app, repos_router.router)
    _mount(app, identity.router)
    app.add_exception_handler(RouteMismatch, _mismatch)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(EmulatorError, _emulator_error)
    app.add_exception_handler(dev.DevError, _dev_error)
    app.add_exception_handler(LimitExceeded, _limit_exceeded)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(Exception, _crash)
    # Innermost first: the body limit and the dev guard run inside the fault middleware, so
    # their answers carry the version header and unrouted methods stay 404.
    if settings.max_body is not None:
        app.add_middleware(BodyLimitMiddleware, limit=settings.max_body)
    app.add_middleware(DevGuardMiddleware, enabled=settings.dev_api, token=settings.dev_token)
    app.add_middleware(FaultMiddleware)
    state.apply_seed(only_if_empty=not state.db.is_memory)
    return app
