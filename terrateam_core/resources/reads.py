"""Namespaces over the installation-scoped reads, tasks, server config and API keys.

Each class is a thin twin: it builds a call with ``resources._calls`` and asks its client to run
it. Waiting loops keep polling apart from retrying (each poll has the normal retry policy).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from terrateam_core._base import check_uuid
from terrateam_core._pagination import Page, SyncPaginator
from terrateam_core.errors import NotFoundError, TaskFailedError, TaskTimeoutError
from terrateam_core.models import (
    TERMINAL_TASK_STATES,
    TERMINAL_WORK_MANIFEST_STATES,
    ApiKey,
    CreatedApiKey,
    Dirspace,
    Installation,
    PullRequest,
    Repository,
    ServerConfig,
    Stack,
    StepOutput,
    Task,
    WorkManifest,
)
from terrateam_core.resources import _calls

if TYPE_CHECKING:
    from terrateam_core._client import TerrateamClient

__all__ = [
    "AccessTokens",
    "Dirspaces",
    "Installations",
    "PullRequests",
    "Repos",
    "Server",
    "Stacks",
    "Tasks",
    "WorkManifests",
    "check_final_task",
    "created_key",
    "find_new_key",
    "poll_delays",
    "wm_not_found",
]

Scope = int | str | None


def poll_delays(
    poll_interval: float | None, *, initial: float = 1.0, maximum: float = 20.0, mult: float = 1.5
) -> Any:
    """Yield successive poll delays: fixed ``poll_interval``, or 1 s growing ×1.5 up to 20 s."""
    delay = initial if poll_interval is None else poll_interval
    while True:
        yield delay
        if poll_interval is None:
            delay = min(maximum, delay * mult)


def find_new_key(before: list[ApiKey], after: list[ApiKey], name: str) -> ApiKey | None:
    """The key that appeared between two listings with this name, if exactly one did."""
    old = {k.id for k in before}
    fresh = [k for k in after if k.id not in old and k.name == name]
    return fresh[0] if len(fresh) == 1 else None


def created_key(refresh: str, name: str, new: ApiKey | None) -> CreatedApiKey:
    return CreatedApiKey(
        id=new.id if new else None,
        name=name,
        refresh_token=SecretStr(refresh),
        capabilities=new.capabilities if new else [],
    )


def wm_not_found(wm_id: str, path: str) -> NotFoundError:
    return NotFoundError(
        f"404 Not Found on GET {path}: no work manifest {wm_id}",
        status_code=404,
        method="GET",
        path=path,
    )


def check_final_task(task: Task) -> Task:
    if task.state in ("failed", "aborted"):
        raise TaskFailedError(f"task {task.id} ended {task.state}", result=task)
    return task


# --------------------------------------------------------------------------------- sync ---


class _Sync:
    def __init__(self, client: TerrateamClient) -> None:
        self._client = client


class AccessTokens(_Sync):
    """API keys (Enterprise/SaaS): ``client.access_tokens``."""

    def create(
        self, name: str, capabilities: Sequence[Any], *, vcs: str | None = None
    ) -> CreatedApiKey:
        """Create an API key; the key (``refresh_token``) is returned this once.

        The server answers only ``{refresh_token}``; the id is found by listing before/after.
        """
        v = self._client._scope_vcs(vcs)
        before = self._client._execute(_calls.access_token_list(v))
        refresh = self._client._execute(_calls.access_token_create(v, name, capabilities))
        after = self._client._execute(_calls.access_token_list(v))
        return created_key(refresh, name, find_new_key(before, after, name))

    def list(self, *, vcs: str | None = None) -> list[ApiKey]:
        """List the caller's API keys (the server caps the list at 100, by name)."""
        return self._client._execute(_calls.access_token_list(self._client._scope_vcs(vcs)))

    def delete(self, id: str, *, vcs: str | None = None) -> None:
        """Delete an API key (idempotent: unknown ids are not an error, as on the server)."""
        self._client._execute(_calls.access_token_delete(self._client._scope_vcs(vcs), id))


class Installations(_Sync):
    """``client.installations``."""

    def list(self, *, vcs: str | None = None) -> list[Installation]:
        """The installations the user belongs to."""
        return self._client._execute(_calls.installations(self._client._scope_vcs(vcs)))


class Repos(_Sync):
    """``client.repos``."""

    def list(
        self,
        *,
        installation_id: Scope = None,
        vcs: str | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> SyncPaginator[Repository]:
        """Repositories by name; ``limit`` is the page size (1..100), ``max_items`` the total."""
        v, i = self._client._scope(vcs, installation_id)

        def fetch(tokens: list[str] | None) -> Page[Repository]:
            return self._client._execute(_calls.repos_page(v, i, tokens, limit))

        return SyncPaginator(fetch, max_items=max_items)

    def refresh(self, *, installation_id: Scope = None, vcs: str | None = None) -> str:
        """Start a repository refresh; returns the task id (see ``tasks.wait``)."""
        v, i = self._client._scope(vcs, installation_id)
        return self._client._execute(_calls.repos_refresh(v, i))


class PullRequests(_Sync):
    """``client.pull_requests``."""

    def list(
        self,
        *,
        pr: int | None = None,
        installation_id: Scope = None,
        limit: int | None = None,
        vcs: str | None = None,
        max_items: int | None = None,
    ) -> SyncPaginator[PullRequest]:
        """Pull requests, newest number first; ``pr`` filters one number.

        The server pages on ``pull_number`` alone, so PRs of different repos sharing a number
        can fall between pages; the page size therefore defaults to the maximum (100).
        """
        v, i = self._client._scope(vcs, installation_id)
        size = _calls.MAX_PAGE if limit is None else limit

        def fetch(tokens: list[str] | None) -> Page[PullRequest]:
            return self._client._execute(_calls.pull_requests_page(v, i, tokens, size, pr))

        return SyncPaginator(fetch, max_items=max_items)


class WorkManifests(_Sync):
    """``client.work_manifests``."""

    def list(
        self,
        *,
        q: str | None = None,
        tz: str | None = None,
        limit: int | None = None,
        installation_id: Scope = None,
        vcs: str | None = None,
        max_items: int | None = None,
    ) -> SyncPaginator[WorkManifest]:
        """Work manifests, newest first (``sort:asc`` in ``q`` reverses)."""
        v, i = self._client._scope(vcs, installation_id)

        def fetch(tokens: list[str] | None) -> Page[WorkManifest]:
            return self._client._execute(_calls.work_manifests_page(v, i, tokens, limit, q, tz))

        return SyncPaginator(fetch, max_items=max_items)

    def get(
        self, id: str, *, installation_id: Scope = None, vcs: str | None = None
    ) -> WorkManifest:
        """One work manifest (the server has no single GET: this lists with ``q=id:<uuid>``)."""
        v, i = self._client._scope(vcs, installation_id)
        page = self._client._execute(
            _calls.work_manifests_page(
                v, i, None, 1, f"id:{check_uuid('work manifest id', id)}", None
            )
        )
        if not page.items:
            raise wm_not_found(id, page.response.url.path if page.response else "")
        return page.items[0]

    def outputs(
        self,
        id: str,
        *,
        q: str | None = None,
        lite: bool = False,
        limit: int | None = None,
        installation_id: Scope = None,
        vcs: str | None = None,
        max_items: int | None = None,
    ) -> SyncPaginator[StepOutput]:
        """Step outputs of a work manifest (``lite=True`` omits payloads)."""
        v, i = self._client._scope(vcs, installation_id)

        def fetch(tokens: list[str] | None) -> Page[StepOutput]:
            call = _calls.work_manifest_outputs_page(v, i, id, tokens, limit, q, lite)
            return self._client._execute(call)

        return SyncPaginator(fetch, max_items=max_items)

    def wait(
        self,
        id: str,
        *,
        timeout: float = 1800,
        poll_interval: float | None = None,
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> WorkManifest:
        """Poll until the work manifest is completed or aborted; return it.

        Raises:
            TaskTimeoutError: still running after ``timeout`` seconds.
        """
        end = self._client._monotonic() + timeout
        for delay in poll_delays(poll_interval):
            wm = self.get(id, installation_id=installation_id, vcs=vcs)
            if wm.state in TERMINAL_WORK_MANIFEST_STATES:
                return wm
            left = end - self._client._monotonic()
            if left <= 0:
                raise TaskTimeoutError(f"work manifest {id} still {wm.state} after {timeout} s")
            self._client._sleep(min(delay, left))
        raise AssertionError("unreachable")


class Dirspaces(_Sync):
    """``client.dirspaces``."""

    def list(
        self,
        *,
        q: str | None = None,
        tz: str | None = None,
        limit: int | None = None,
        installation_id: Scope = None,
        vcs: str | None = None,
        max_items: int | None = None,
    ) -> SyncPaginator[Dirspace]:
        """Dirspace runs, newest first."""
        v, i = self._client._scope(vcs, installation_id)

        def fetch(tokens: list[str] | None) -> Page[Dirspace]:
            return self._client._execute(_calls.dirspaces_page(v, i, tokens, limit, q, tz))

        return SyncPaginator(fetch, max_items=max_items)


class Stacks(_Sync):
    """``client.stacks``."""

    def get(
        self,
        repo_id: int | str,
        pull_number: int,
        *,
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> list[Stack]:
        """The stacks of a PR; :class:`NotFoundError` when none are stored."""
        v, i = self._client._scope(vcs, installation_id)
        return self._client._execute(_calls.stacks(v, i, repo_id, pull_number))


class Tasks(_Sync):
    """``client.tasks``."""

    def get(self, id: str) -> Task:
        """One task (404 when unknown or someone else's)."""
        return self._client._execute(_calls.task(id))

    def wait(self, id: str, *, timeout: float = 900, poll_interval: float | None = None) -> Task:
        """Poll until the task is final; return it when completed.

        Raises:
            TaskFailedError: it ended failed or aborted (``err.result`` is the task).
            TaskTimeoutError: not final after ``timeout`` seconds.
        """
        end = self._client._monotonic() + timeout
        for delay in poll_delays(poll_interval):
            task = self.get(id)
            if task.state in TERMINAL_TASK_STATES:
                return check_final_task(task)
            left = end - self._client._monotonic()
            if left <= 0:
                raise TaskTimeoutError(f"task {id} still {task.state} after {timeout} s")
            self._client._sleep(min(delay, left))
        raise AssertionError("unreachable")


class Server(_Sync):
    """``client.server``."""

    def config(self) -> ServerConfig:
        """The server's VCS configuration."""
        return self._client._execute(_calls.server_config())

    def client_id(self) -> str:
        """The GitHub app's OAuth client id."""
        return self._client._execute(_calls.client_id())
