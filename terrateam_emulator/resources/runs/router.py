"""Per-installation and installation lists (docs/contract.md §6.2, §6.3; §2.3 membership filter).

Order of checks, as upstream: route match (path ints, declared query parameters, page token:
any mismatch → 404 ``text/html``) → session (403) → installation check (403) → ``q`` (400/500)
→ ``limit <= 0`` (500) → rows of the installations the user is a member of → keyset page with
the always-present ``Link`` header.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from terrateam_emulator.query.compiler import (
    DIRSPACE_TAGS,
    OUTPUT_TAGS,
    WORK_MANIFEST_TAGS,
    Rejection,
    SortDir,
    TagSpec,
    compile_query,
)
from terrateam_emulator.query.pagination import (
    DEFAULT_LIMIT,
    ColumnKind,
    Page,
    build_link_header,
    page_size,
    paginate,
    parse_page_token,
    request_base,
)
from terrateam_emulator.query.querystring import (
    QueryItems,
    bool_param,
    int_param,
    parse_query,
    scalar,
    values,
)
from terrateam_emulator.resources.runs import backend as store
from terrateam_emulator.resources.runs import schedule
from terrateam_emulator.server.auth import check_installation, emulator_state, require_session
from terrateam_emulator.server.errors import EmulatorError
from terrateam_emulator.server.http import (
    RouteMismatch,
    json_raw,
    json_response,
    parse_int,
    parse_uuid,
)

__all__ = ["router"]

router = APIRouter()
Row = dict[str, Any]


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class _ListSpec:
    """What differs between the paginated lists: tags, sort, cursor columns, envelope key."""

    def __init__(
        self,
        envelope: str,
        columns: Sequence[ColumnKind],
        cursor: Callable[[Row], list[str]],
        key: Callable[[Row], tuple[Any, ...]],
        *,
        tags: dict[str, TagSpec] | None = None,
        sort: SortDir = "asc",
        extra: Sequence[str] = (),
    ) -> None:
        self.envelope = envelope
        self.columns = columns
        self.cursor = cursor
        self.key = key
        self.tags = tags
        self.sort: SortDir = sort
        self.extra = extra


_WM = _ListSpec(
    "work_manifests",
    ("text", "uuid"),
    lambda r: [r["created_at"], r["id"]],
    lambda r: (r["created_at"], r["id"]),
    tags=WORK_MANIFEST_TAGS,
    sort="desc",
)
_DS = _ListSpec(
    "dirspaces",
    ("text", "text", "text", "uuid"),
    lambda r: [r["created_at"], r["dir"], r["workspace"], r["id"]],
    lambda r: (r["created_at"], r["dir"], r["workspace"], r["id"]),
    tags=DIRSPACE_TAGS,
    sort="desc",
)
_OUT = _ListSpec(
    "steps",
    ("int",),
    lambda r: [str(r["idx"])],
    lambda r: (r["idx"],),
    tags=OUTPUT_TAGS,
    sort="asc",
)
_PR = _ListSpec(
    "pull_requests",
    ("int",),
    lambda r: [str(r["pull_number"])],
    lambda r: (r["pull_number"],),
    sort="desc",
)
_REPO = _ListSpec("repositories", ("text",), lambda r: [r["name"]], lambda r: (r["name"],))


class _Params:
    """The declared query parameters of one list route, parsed or → 404."""

    def __init__(self, request: Request, spec: _ListSpec) -> None:
        self.items: QueryItems = parse_query(
            request.scope.get("query_string", b"").decode("latin-1")
        )
        ok_limit, self.limit = int_param(self.items, "limit", DEFAULT_LIMIT)
        ok_page, self.token = parse_page_token(values(self.items, "page"), spec.columns)
        self.q: str | None = None
        self.tz: str | None = None
        ok = ok_limit and ok_page
        if spec.tags is not None:
            ok_q, self.q = scalar(self.items, "q")
            ok_tz, self.tz = scalar(self.items, "tz")
            ok = ok and ok_q and ok_tz
        if not ok:
            raise RouteMismatch


def _installation(request: Request) -> int:
    return parse_int(request.path_params["installation_id"])


def _vcs_of(request: Request) -> str:
    return "gitlab" if request.url.path.startswith("/api/v1/gitlab/") else "github"


def _rejection(r: Rejection) -> Response:
    if r.body is None:
        raise EmulatorError(r.status, json_type=r.json_type)
    return json_response(r.body, status=r.status)


def _paged(
    request: Request,
    spec: _ListSpec,
    params: _Params,
    vcs: str,
    installation_id: int,
    load: Callable[[sa.Connection], list[Row]],
) -> Response:
    """Everything after the route match: auth, ``q``, limit, membership, page, Link."""
    session = require_session(request)
    check_installation(request, session, vcs, installation_id)
    state = emulator_state(request)
    sort: SortDir = spec.sort
    predicate: Callable[[Row], bool] = lambda row: True  # noqa: E731
    rejection: Rejection | None = None
    if spec.tags is not None:
        compiled = compile_query(
            params.q, tags=spec.tags, default_sort=spec.sort, tz=params.tz, now=state.clock.now()
        )
        if isinstance(compiled, Rejection):
            if compiled.status == 400 or not compiled.json_type:
                return _rejection(compiled)
            rejection = compiled  # a PostgreSQL error: raised only once the query runs
        else:
            sort, predicate = compiled.sort, compiled.matches
    size = page_size(params.limit)
    if size is None:
        raise EmulatorError(500, json_type=False)  # assertion in Pgsql_pagination
    if rejection is not None:
        return _rejection(rejection)
    schedule.apply_due(state.db, state.clock.now())
    with state.db.read() as conn:
        rows = load(conn) if store.is_member(conn, session.user_id, vcs, installation_id) else []
    page: Page[Row] = paginate(
        [r for r in rows if predicate(r)], key=spec.key, sort=sort, size=size, token=params.token
    )
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    link = build_link_header(
        page,
        cursor_of=spec.cursor,
        base=request_base(request.headers, request.headers.get("host", "")),
        path=raw_path.decode("latin-1").split("?", 1)[0],
        items=params.items,
    )
    body = _dumps({spec.envelope: [r["body"] for r in page.items]})
    return json_raw(body, headers={"link": link})


def list_work_manifests(request: Request) -> Response:
    """``GET …/installations/{i}/work-manifests``."""
    inst, vcs = _installation(request), _vcs_of(request)
    params = _Params(request, _WM)
    return _paged(request, _WM, params, vcs, inst, lambda c: store.work_manifest_rows(c, vcs, inst))


def list_outputs(request: Request) -> Response:
    """``GET …/installations/{i}/work-manifests/{uuid}/outputs`` (``lite`` drops payloads)."""
    inst, vcs = _installation(request), _vcs_of(request)
    wm_id = parse_uuid(request.path_params["work_manifest_id"])
    params = _Params(request, _OUT)
    ok, lite = bool_param(params.items, "lite", False)
    if not ok:
        raise RouteMismatch
    return _paged(
        request, _OUT, params, vcs, inst, lambda c: store.output_rows(c, vcs, inst, wm_id, lite)
    )


def list_dirspaces(request: Request) -> Response:
    """``GET …/installations/{i}/dirspaces``."""
    inst, vcs = _installation(request), _vcs_of(request)
    params = _Params(request, _DS)
    return _paged(request, _DS, params, vcs, inst, lambda c: store.dirspace_rows(c, vcs, inst))


def list_pull_requests(request: Request) -> Response:
    """``GET …/installations/{i}/pull-requests`` (GitHub only; ``pr`` exact filter)."""
    inst = _installation(request)
    params = _Params(request, _PR)
    ok, pr = scalar(params.items, "pr")
    pr_number = None
    if pr is not None:
        pr_number = parse_int(pr)
    if not ok:
        raise RouteMismatch

    def load(conn: sa.Connection) -> list[Row]:
        rows = store.pull_request_rows(conn, inst)
        return [r for r in rows if pr_number is None or r["pull_number"] == pr_number]

    return _paged(request, _PR, params, "github", inst, load)


def list_repos(request: Request) -> Response:
    """``GET …/installations/{i}/repos``."""
    inst, vcs = _installation(request), _vcs_of(request)
    params = _Params(request, _REPO)
    return _paged(request, _REPO, params, vcs, inst, lambda c: store.repo_rows(c, vcs, inst))


def user_github_installations(request: Request) -> Response:
    """``GET /api/v1/user/github/installations``: the user's memberships (no live GitHub)."""
    return _installations(request, "github")


def gitlab_installations(request: Request) -> Response:
    """``GET /api/v1/gitlab/installations``."""
    return _installations(request, "gitlab")


def _installations(request: Request, vcs: str) -> Response:
    session = require_session(request)
    state = emulator_state(request)
    with state.db.read() as conn:
        if not store.has_vcs_account(conn, session.user_id, vcs):
            # GitHub: `assert false` without a token row; GitLab: any failure is a 500.
            raise EmulatorError(500, json_type=False)
        entries = store.installation_entries(conn, session.user_id, vcs)
    return json_raw(_dumps({"installations": entries}))


_GITHUB_PREFIXES = (
    "/api/v1/github/installations/{installation_id}",
    "/api/v1/installations/{installation_id}",
)
_GITLAB_PREFIX = "/api/v1/gitlab/installations/{installation_id}"

for _prefix in (*_GITHUB_PREFIXES, _GITLAB_PREFIX):
    router.add_route(f"{_prefix}/work-manifests", list_work_manifests, methods=["GET"])
    router.add_route(
        f"{_prefix}/work-manifests/{{work_manifest_id}}/outputs", list_outputs, methods=["GET"]
    )
    router.add_route(f"{_prefix}/dirspaces", list_dirspaces, methods=["GET"])
    router.add_route(f"{_prefix}/repos", list_repos, methods=["GET"])
for _prefix in _GITHUB_PREFIXES:
    router.add_route(f"{_prefix}/pull-requests", list_pull_requests, methods=["GET"])
router.add_route("/api/v1/user/github/installations", user_github_installations, methods=["GET"])
router.add_route("/api/v1/gitlab/installations", gitlab_installations, methods=["GET"])
