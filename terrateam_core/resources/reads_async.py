"""Namespaces over the installation-scoped reads, tasks, server config and API keys.

Each class is a thin shell: it builds a call with ``resources._calls`` and asks its client to run
it. Waiting loops keep polling apart from retrying (each poll has the normal retry policy).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from terrateam_core._base import check_uuid, namespace_repr
from terrateam_core._pagination import AsyncPaginator, Page
from terrateam_core._retry import backoff_delay
from terrateam_core.errors import APIConnectionError, ServerError, TaskTimeoutError
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
from terrateam_core.resources._calls import (
    check_final_task,
    created_key,
    find_new_key,
    new_keys,
    poll_delays,
    wm_not_found,
)

if TYPE_CHECKING:
    from terrateam_core._async_client import AsyncTerrateamClient

__all__ = [
    "AsyncAccessTokens",
    "AsyncDirspaces",
    "AsyncInstallations",
    "AsyncPullRequests",
    "AsyncRepos",
    "AsyncServer",
    "AsyncStacks",
    "AsyncTasks",
    "AsyncWorkManifests",
]

Scope = int | str | None


class _Async:
    def __init__(self, client: AsyncTerrateamClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return namespace_repr(self, self._client)


class AsyncAccessTokens(_Async):
    """API keys (Enterprise/SaaS): ``client.access_tokens``."""

    async def create(
        self, name: str, capabilities: Sequence[Any], *, vcs: str | None = None
    ) -> CreatedApiKey:
        """Create an API key; the key (``refresh_token``) is returned this once.

        The server answers only ``{refresh_token}``; the id is found by listing before/after.
        """
        v = self._client._scope_vcs(vcs)
        before = await self._client._execute(_calls.access_token_list(v))
        attempt = 0
        while True:
            attempt += 1
            try:
                refresh = await self._client._execute(
                    _calls.access_token_create(v, name, capabilities)
                )
                break
            except (APIConnectionError, ServerError):
                # The create may have happened with its answer lost, and the key can never be
                # read back: delete any key it made, so a retry cannot leave a second one.
                # (A key of the same name created concurrently elsewhere would go too.)
                after = await self._client._execute(_calls.access_token_list(v))
                for orphan in new_keys(before, after, name):
                    await self._client._execute(_calls.access_token_delete(v, orphan.id))
                if attempt > self._client._policy.max_retries:
                    raise
                await self._client._sleep(backoff_delay(attempt, self._client._policy))
        after = await self._client._execute(_calls.access_token_list(v))
        return created_key(refresh, name, find_new_key(before, after, name))

    async def list(self, *, vcs: str | None = None) -> list[ApiKey]:
        """List the caller's API keys (the server caps the list at 100, by name)."""
        return await self._client._execute(_calls.access_token_list(self._client._scope_vcs(vcs)))

    async def delete(self, id: str, *, vcs: str | None = None) -> None:
        """Delete an API key (idempotent: unknown ids are not an error, as on the server)."""
        await self._client._execute(_calls.access_token_delete(self._client._scope_vcs(vcs), id))


class AsyncInstallations(_Async):
    """``client.installations``."""

    async def list(self, *, vcs: str | None = None) -> list[Installation]:
        """The installations the user belongs to."""
        return await self._client._execute(_calls.installations(self._client._scope_vcs(vcs)))


class AsyncRepos(_Async):
    """``client.repos``."""

    def list(
        self,
        *,
        installation_id: Scope = None,
        vcs: str | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPaginator[Repository]:
        """Repositories by name; ``limit`` is the page size (1..100), ``max_items`` the total."""
        v, i = self._client._scope(vcs, installation_id)

        async def fetch(tokens: list[str] | None) -> Page[Repository]:
            return await self._client._execute(_calls.repos_page(v, i, tokens, limit))

        return AsyncPaginator(fetch, max_items=max_items)

    async def refresh(self, *, installation_id: Scope = None, vcs: str | None = None) -> str:
        """Start a repository refresh; returns the task id (see ``tasks.wait``)."""
        v, i = self._client._scope(vcs, installation_id)
        return await self._client._execute(_calls.repos_refresh(v, i))


class AsyncPullRequests(_Async):
    """``client.pull_requests``."""

    def list(
        self,
        *,
        pr: int | None = None,
        installation_id: Scope = None,
        limit: int | None = None,
        vcs: str | None = None,
        max_items: int | None = None,
    ) -> AsyncPaginator[PullRequest]:
        """Pull requests, newest number first; ``pr`` filters one number.

        The server pages on ``pull_number`` alone, so PRs of different repos sharing a number
        can fall between pages; the page size therefore defaults to the maximum (100).
        """
        v, i = self._client._scope(vcs, installation_id)
        size = _calls.MAX_PAGE if limit is None else limit

        async def fetch(tokens: list[str] | None) -> Page[PullRequest]:
            return await self._client._execute(_calls.pull_requests_page(v, i, tokens, size, pr))

        return AsyncPaginator(fetch, max_items=max_items)


class AsyncWorkManifests(_Async):
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
    ) -> AsyncPaginator[WorkManifest]:
        """Work manifests, newest first (``sort:asc`` in ``q`` reverses)."""
        v, i = self._client._scope(vcs, installation_id)

        async def fetch(tokens: list[str] | None) -> Page[WorkManifest]:
            call = _calls.work_manifests_page(v, i, tokens, limit, q, tz)
            return await self._client._execute(call)

        return AsyncPaginator(fetch, max_items=max_items)

    async def get(
        self, id: str, *, installation_id: Scope = None, vcs: str | None = None
    ) -> WorkManifest:
        """One work manifest (the server has no single GET: this lists with ``q=id:<uuid>``)."""
        v, i = self._client._scope(vcs, installation_id)
        call = _calls.work_manifests_page(
            v, i, None, 1, f"id:{check_uuid('work manifest id', id)}", None
        )
        page = await self._client._execute(call)
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
    ) -> AsyncPaginator[StepOutput]:
        """Step outputs of a work manifest (``lite=True`` omits payloads)."""
        v, i = self._client._scope(vcs, installation_id)

        async def fetch(tokens: list[str] | None) -> Page[StepOutput]:
            call = _calls.work_manifest_outputs_page(v, i, id, tokens, limit, q, lite)
            return await self._client._execute(call)

        return AsyncPaginator(fetch, max_items=max_items)

    async def wait(
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
            wm = await self.get(id, installation_id=installation_id, vcs=vcs)
            if wm.state in TERMINAL_WORK_MANIFEST_STATES:
                return wm
            left = end - self._client._monotonic()
            if left <= 0:
                raise TaskTimeoutError(f"work manifest {id} still {wm.state} after {timeout} s")
            await self._client._sleep(min(delay, left))
        raise AssertionError("unreachable")


class AsyncDirspaces(_Async):
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
    ) -> AsyncPaginator[Dirspace]:
        """Dirspace runs, newest first."""
        v, i = self._client._scope(vcs, installation_id)

        async def fetch(tokens: list[str] | None) -> Page[Dirspace]:
            return await self._client._execute(_calls.dirspaces_page(v, i, tokens, limit, q, tz))

        return AsyncPaginator(fetch, max_items=max_items)


class AsyncStacks(_Async):
    """``client.stacks``."""

    async def get(
        self,
        repo_id: int | str,
        pull_number: int,
        *,
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> list[Stack]:
        """The stacks of a PR; :class:`NotFoundError` when none are stored."""
        v, i = self._client._scope(vcs, installation_id)
        return await self._client._execute(_calls.stacks(v, i, repo_id, pull_number))


class AsyncTasks(_Async):
    """``client.tasks``."""

    async def get(self, id: str) -> Task:
        """One task (404 when unknown or someone else's)."""
        return await self._client._execute(_calls.task(id))

    async def wait(
        self, id: str, *, timeout: float = 900, poll_interval: float | None = None
    ) -> Task:
        """Poll until the task is final; return it when completed.

        Raises:
            TaskFailedError: it ended failed or aborted (``err.result`` is the task).
            TaskTimeoutError: not final after ``timeout`` seconds.
        """
        end = self._client._monotonic() + timeout
        for delay in poll_delays(poll_interval):
            task = await self.get(id)
            if task.state in TERMINAL_TASK_STATES:
                return check_final_task(task)
            left = end - self._client._monotonic()
            if left <= 0:
                raise TaskTimeoutError(f"task {id} still {task.state} after {timeout} s")
            await self._client._sleep(min(delay, left))
        raise AssertionError("unreachable")


class AsyncServer(_Async):
    """``client.server``."""

    async def config(self) -> ServerConfig:
        """The server's VCS configuration."""
        return await self._client._execute(_calls.server_config())

    async def client_id(self) -> str:
        """The GitHub app's OAuth client id."""
        return await self._client._execute(_calls.client_id())
