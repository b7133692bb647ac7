"""Calls (no I/O) of the runs family: installations, repos, pull requests, work manifests,
dirspaces, outputs, stacks and tasks; plus the I/O-free helpers of its namespaces."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import httpx

from terrateam_core._call import Call, check_uuid, model_parser, quote_segment
from terrateam_core._pagination import Page, next_page_tokens
from terrateam_core.errors import NotFoundError, TaskFailedError
from terrateam_core.models import (
    Dirspace,
    Installation,
    PullRequest,
    Repository,
    Stack,
    StepOutput,
    Task,
    WorkManifest,
)

__all__ = [
    "MAX_PAGE",
    "check_final_task",
    "dirspaces_page",
    "installations",
    "no_match",
    "outputs_query",
    "poll_delays",
    "pull_requests_page",
    "repos_page",
    "repos_refresh",
    "stacks",
    "task",
    "wm_not_found",
    "work_manifest_outputs_page",
    "work_manifests_page",
]

T = TypeVar("T")
MAX_PAGE = 100


def _page_parser(tp: Any, key: str) -> Any:
    items = model_parser(list[tp], key=key)

    def parse(response: httpx.Response) -> Page[Any]:
        return Page(items(response), next_page_tokens(response.headers.get("link")), response)

    return parse


def _page_params(
    tokens: list[str] | None, limit: int | None, extra: Sequence[tuple[str, str]] = ()
) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = [("page", t) for t in tokens or ()]
    if limit is not None:
        if not 1 <= limit <= MAX_PAGE:
            raise ValueError(f"limit (page size) must be within 1..{MAX_PAGE}, got {limit}")
        params.append(("limit", str(limit)))
    params.extend(extra)
    return params


def _inst_path(vcs: str, installation_id: int) -> str:
    return f"/api/v1/{quote_segment(vcs)}/installations/{int(installation_id)}"


def installations(vcs: str) -> Call[list[Installation]]:
    """The user's installations: GitHub ``/user/github/installations``, GitLab its own route."""
    path = (
        "/api/v1/user/github/installations" if vcs == "github" else "/api/v1/gitlab/installations"
    )
    return Call("GET", path, model_parser(list[Installation], key="installations"))


def repos_page(
    vcs: str, installation_id: int, tokens: list[str] | None, limit: int | None
) -> Call[Page[Repository]]:
    """One page of ``GET …/repos`` (sorted by name)."""
    return Call(
        "GET",
        f"{_inst_path(vcs, installation_id)}/repos",
        _page_parser(Repository, "repositories"),
        params=_page_params(tokens, limit),
    )


def repos_refresh(vcs: str, installation_id: int) -> Call[str]:
    """``POST …/repos/refresh`` → task id (not retried)."""
    return Call(
        "POST",
        f"{_inst_path(vcs, installation_id)}/repos/refresh",
        model_parser(str, key="id"),
        idempotent=False,
    )


def pull_requests_page(
    vcs: str, installation_id: int, tokens: list[str] | None, limit: int | None, pr: int | None
) -> Call[Page[PullRequest]]:
    """One page of ``GET …/pull-requests`` (GitHub only on the real server)."""
    extra = [("pr", str(int(pr)))] if pr is not None else []
    return Call(
        "GET",
        f"{_inst_path(vcs, installation_id)}/pull-requests",
        _page_parser(PullRequest, "pull_requests"),
        params=_page_params(tokens, limit, extra),
    )


def _q_params(q: str | None, tz: str | None) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    if q is not None:
        params.append(("q", q))
    if tz is not None:
        params.append(("tz", tz))
    return params


def _searched_page(
    segment: str,
    model: Any,
    key: str,
    vcs: str,
    installation_id: int,
    tokens: list[str] | None,
    limit: int | None,
    q: str | None,
    tz: str | None,
) -> Call[Any]:
    # The listings searched with ``q``/``tz`` (work manifests, dirspaces) page alike.
    return Call(
        "GET",
        f"{_inst_path(vcs, installation_id)}/{segment}",
        _page_parser(model, key),
        params=_page_params(tokens, limit, _q_params(q, tz)),
    )


def work_manifests_page(
    vcs: str,
    installation_id: int,
    tokens: list[str] | None,
    limit: int | None,
    q: str | None,
    tz: str | None,
) -> Call[Page[WorkManifest]]:
    """One page of ``GET …/work-manifests`` (``q`` filters, ``sort:asc`` inside ``q``)."""
    return _searched_page(
        "work-manifests", WorkManifest, "work_manifests", vcs, installation_id, tokens, limit, q, tz
    )


def work_manifest_outputs_page(
    vcs: str,
    installation_id: int,
    work_manifest_id: str,
    tokens: list[str] | None,
    limit: int | None,
    q: str | None,
    lite: bool,
) -> Call[Page[StepOutput]]:
    """One page of ``GET …/work-manifests/{id}/outputs``."""
    extra = _q_params(q, None)
    if lite:
        extra.append(("lite", "true"))
    return Call(
        "GET",
        f"{_inst_path(vcs, installation_id)}/work-manifests/"
        f"{check_uuid('work manifest id', work_manifest_id)}/outputs",
        _page_parser(StepOutput, "steps"),
        params=_page_params(tokens, limit, extra),
    )


def dirspaces_page(
    vcs: str,
    installation_id: int,
    tokens: list[str] | None,
    limit: int | None,
    q: str | None,
    tz: str | None,
) -> Call[Page[Dirspace]]:
    """One page of ``GET …/dirspaces``."""
    return _searched_page(
        "dirspaces", Dirspace, "dirspaces", vcs, installation_id, tokens, limit, q, tz
    )


def stacks(
    vcs: str, installation_id: int, repo_id: int | str, pull_number: int
) -> Call[list[Stack]]:
    """``GET …/repos/{repo}/prs/{pr}/stacks``; none stored → 404 (:class:`NotFoundError`)."""
    return Call(
        "GET",
        f"{_inst_path(vcs, installation_id)}/repos/{int(repo_id)}/prs/{int(pull_number)}/stacks",
        model_parser(list[Stack], key="stacks"),
    )


def task(task_id: str) -> Call[Task]:
    """``GET /api/v1/tasks/{id}``; unknown or someone else's → 404."""
    return Call("GET", f"/api/v1/tasks/{check_uuid('task id', task_id)}", model_parser(Task))


# -- helpers of the namespaces (shared by the sync and async twins) ------------------------------


def poll_delays(
    poll_interval: float | None, *, initial: float = 1.0, maximum: float = 20.0, mult: float = 1.5
) -> Any:
    """Yield successive poll delays: fixed ``poll_interval``, or 1 s growing ×1.5 up to 20 s."""
    delay = initial if poll_interval is None else poll_interval
    while True:
        yield delay
        if poll_interval is None:
            delay = min(maximum, delay * mult)


def wm_not_found(wm_id: str, path: str) -> NotFoundError:
    """The error of ``work_manifests.get`` when the listing by id came back empty."""
    return NotFoundError(
        f"404 Not Found on GET {path}: no work manifest {wm_id}",
        status_code=404,
        method="GET",
        path=path,
    )


def no_match(message: str) -> NotFoundError:
    """The error of a search by repo/PR that found nothing (exit 3 in the CLI)."""
    return NotFoundError(message, status_code=404, method="GET", path="")


def outputs_query(
    *, dir: str | None = None, workspace: str | None = None, step: str | None = None
) -> str | None:
    """The outputs ``q`` for a dirspace and/or step (None: every output)."""
    from terrateam_core.gates import q_term

    terms = [
        q_term(tag, value)
        for tag, value in (("dir", dir), ("workspace", workspace), ("step", step))
        if value is not None
    ]
    return " and ".join(terms) or None


def check_final_task(task: Task) -> Task:
    """Return a task that ended well; raise :class:`TaskFailedError` for failed/aborted."""
    if task.state in ("failed", "aborted"):
        raise TaskFailedError(f"task {task.id} ended {task.state}", result=task)
    return task
