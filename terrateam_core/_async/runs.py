"""The runs family: installations, repos, pull requests, work manifests (with their outputs,
gates and waits), dirspaces, stacks and tasks.

Each class is a thin shell: it builds a call with ``_calls.runs`` and sends it through its
session. Waiting loops keep polling apart from retrying (each poll has the normal retry policy).
"""

from __future__ import annotations

from datetime import datetime

from terrateam_core._async.session import AsyncNamespaceBase, Scope
from terrateam_core._call import check_uuid
from terrateam_core._calls import runs as _calls
from terrateam_core._calls.runs import (
    check_final_task,
    no_match,
    poll_delays,
    wm_not_found,
)
from terrateam_core._namespace import namespace
from terrateam_core._pagination import AsyncPaginator, Page
from terrateam_core.errors import (
    NotFoundError,
    TaskTimeoutError,
)
from terrateam_core.gates import (
    GateVerdict,
    RunFilter,
    StackRequirement,
    runs_verdict,
    stacks_verdict,
)
from terrateam_core.models import (
    TERMINAL_TASK_STATES,
    TERMINAL_WORK_MANIFEST_STATES,
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
    "AsyncDirspaces",
    "AsyncInstallations",
    "AsyncPullRequests",
    "AsyncRepos",
    "AsyncStacks",
    "AsyncTasks",
    "AsyncWorkManifests",
]
# Aliases: inside the namespaces `list` is a method name.
_Runs = list[WorkManifest]
_Outputs = list[StepOutput]


class AsyncInstallations(AsyncNamespaceBase):
    """``client.installations``."""

    async def list(self, *, vcs: str | None = None) -> list[Installation]:
        """The installations the user belongs to."""
        return await self._session.execute(_calls.installations(self._session.scope_vcs(vcs)))


class AsyncRepos(AsyncNamespaceBase):
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
        v, i = self._session.scope(vcs, installation_id)

        async def fetch(tokens: list[str] | None) -> Page[Repository]:
            return await self._session.execute(_calls.repos_page(v, i, tokens, limit))

        return AsyncPaginator(fetch, max_items=max_items)

    async def id_of(
        self, repo: str, *, installation_id: Scope = None, vcs: str | None = None
    ) -> str:
        """The id of repository ``name`` (or ``owner/name``); :class:`NotFoundError` if none."""
        name = repo.rsplit("/", 1)[-1]
        async for item in self.list(
            installation_id=installation_id, vcs=vcs, limit=_calls.MAX_PAGE
        ):
            if item.name == name:
                return item.id
        raise no_match(f"no repository {repo!r} in this installation")

    async def refresh(self, *, installation_id: Scope = None, vcs: str | None = None) -> str:
        """Start a repository refresh; returns the task id (see ``tasks.wait``)."""
        v, i = self._session.scope(vcs, installation_id)
        return await self._session.execute(_calls.repos_refresh(v, i))


class AsyncPullRequests(AsyncNamespaceBase):
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
        v, i = self._session.scope(vcs, installation_id)
        size = _calls.MAX_PAGE if limit is None else limit

        async def fetch(tokens: list[str] | None) -> Page[PullRequest]:
            return await self._session.execute(_calls.pull_requests_page(v, i, tokens, size, pr))

        return AsyncPaginator(fetch, max_items=max_items)


class AsyncWorkManifests(AsyncNamespaceBase):
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
        v, i = self._session.scope(vcs, installation_id)

        async def fetch(tokens: list[str] | None) -> Page[WorkManifest]:
            call = _calls.work_manifests_page(v, i, tokens, limit, q, tz)
            return await self._session.execute(call)

        return AsyncPaginator(fetch, max_items=max_items)

    async def get(
        self, id: str, *, installation_id: Scope = None, vcs: str | None = None
    ) -> WorkManifest:
        """One work manifest (the server has no single GET: this lists with ``q=id:<uuid>``)."""
        v, i = self._session.scope(vcs, installation_id)
        call = _calls.work_manifests_page(
            v, i, None, 1, f"id:{check_uuid('work manifest id', id)}", None
        )
        page = await self._session.execute(call)
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
        v, i = self._session.scope(vcs, installation_id)

        async def fetch(tokens: list[str] | None) -> Page[StepOutput]:
            call = _calls.work_manifest_outputs_page(v, i, id, tokens, limit, q, lite)
            return await self._session.execute(call)

        return AsyncPaginator(fetch, max_items=max_items)

    async def _latest(
        self, flt: RunFilter, installation_id: Scope, vcs: str | None
    ) -> WorkManifest | None:
        # Newest first; the owner and the exact cut-off are checked on this side, so page on.
        async for wm in self.list(
            q=flt.query(), limit=20, installation_id=installation_id, vcs=vcs
        ):
            if flt.matches(wm):
                return wm
        return None

    async def latest(
        self,
        *,
        repo: str,
        pr: int | None = None,
        kind: str | None = None,
        dir: str | None = None,
        workspace: str | None = None,
        environment: str | None = None,
        created_after: datetime | None = None,
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> WorkManifest | None:
        """The newest run of ``repo`` (``name`` or ``owner/name``) matching the filters, or None.

        ``kind`` is ``plan``, ``apply`` or None (any run type).
        """
        flt = RunFilter(repo, pr, kind, dir, workspace, environment, created_after)
        return await self._latest(flt, installation_id, vcs)

    async def wait_for(
        self,
        *,
        repo: str,
        pr: int | None = None,
        kind: str | None = None,
        dir: str | None = None,
        workspace: str | None = None,
        environment: str | None = None,
        created_after: datetime | None = None,
        timeout: float = 1800,
        poll: float = 5.0,
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> WorkManifest:
        """Wait until the newest matching run exists and has finished; return it.

        Built on ``q`` (``repo:… and pr:… and type:…``) with paging; a run that does not exist
        yet is waited for too (the infra PR may not have been applied). Whether it succeeded is
        for the caller (``terrateam_core.gates.run_succeeded``). Each poll is a normal call with
        its own deadline; cancelling (Ctrl-C, task cancellation) stops the wait at once.

        Raises:
            TaskTimeoutError: none finished within ``timeout`` seconds.
        """
        if timeout < 0 or poll <= 0:
            raise ValueError("timeout must be >= 0 and poll > 0")
        flt = RunFilter(repo, pr, kind, dir, workspace, environment, created_after)
        end = self._session.clock() + timeout
        while True:
            wm = await self._latest(flt, installation_id, vcs)
            if wm is not None and wm.state in TERMINAL_WORK_MANIFEST_STATES:
                return wm
            left = end - self._session.clock()
            if left <= 0:
                seen = "none found" if wm is None else f"latest {wm.id} still {wm.state}"
                raise TaskTimeoutError(f"{flt.describe()}: {seen} after {timeout:g} s")
            await self._session.sleep(min(poll, left))

    async def gate(
        self,
        *,
        repo: str,
        pr: int | None = None,
        kind: str | None = None,
        dir: str | None = None,
        workspace: str | None = None,
        environment: str | None = None,
        created_after: datetime | None = None,
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> GateVerdict:
        """Did the latest run of every dirspace succeed? (e.g. the latest plan of PR 42).

        Reads every matching run (paging), newest first; each dirspace is judged by the newest
        run that lists it. Not ok when nothing matched.
        """
        flt = RunFilter(repo, pr, kind, dir, workspace, environment, created_after)
        runs: _Runs = []
        pages = self.list(
            q=flt.query(), limit=_calls.MAX_PAGE, installation_id=installation_id, vcs=vcs
        )
        async for wm in pages:
            runs.append(wm)
        return runs_verdict(runs, flt)

    async def find_outputs(
        self,
        *,
        repo: str,
        pr: int | None = None,
        dir: str | None = None,
        workspace: str | None = None,
        step: str | None = None,
        kind: str | None = None,
        environment: str | None = None,
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> tuple[WorkManifest, _Outputs]:
        """The newest matching run and its step outputs for ``dir``/``workspace``/``step``.

        Raises:
            NotFoundError: no run matches.
        """
        flt = RunFilter(repo, pr, kind, dir, workspace, environment)
        wm = await self._latest(flt, installation_id, vcs)
        if wm is None:
            raise no_match(f"no {flt.describe()} found")
        q = _calls.outputs_query(dir=dir, workspace=workspace, step=step)
        outs: _Outputs = []
        found = self.outputs(
            wm.id, q=q, limit=_calls.MAX_PAGE, installation_id=installation_id, vcs=vcs
        )
        async for out in found:
            outs.append(out)
        return wm, outs

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
        end = self._session.clock() + timeout
        for delay in poll_delays(poll_interval):
            wm = await self.get(id, installation_id=installation_id, vcs=vcs)
            if wm.state in TERMINAL_WORK_MANIFEST_STATES:
                return wm
            left = end - self._session.clock()
            if left <= 0:
                raise TaskTimeoutError(f"work manifest {id} still {wm.state} after {timeout} s")
            await self._session.sleep(min(delay, left))
        raise AssertionError("unreachable")


class AsyncDirspaces(AsyncNamespaceBase):
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
        v, i = self._session.scope(vcs, installation_id)

        async def fetch(tokens: list[str] | None) -> Page[Dirspace]:
            return await self._session.execute(_calls.dirspaces_page(v, i, tokens, limit, q, tz))

        return AsyncPaginator(fetch, max_items=max_items)


class AsyncStacks(AsyncNamespaceBase):
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
        v, i = self._session.scope(vcs, installation_id)
        return await self._session.execute(_calls.stacks(v, i, repo_id, pull_number))

    async def gate(
        self,
        *,
        repo: str | int,
        pr: int,
        require: StackRequirement = "not-failed",
        installation_id: Scope = None,
        vcs: str | None = None,
    ) -> GateVerdict:
        """No stack of the PR failed (``require="not-failed"``), or every stack is applied
        (``"applied"``). ``repo`` is an id or a name. A PR without stacks is not ok."""
        repo_id = await self._repo_id(repo, installation_id, vcs)
        subject = f"{repo} PR {pr}"
        try:
            stacks = await self.get(repo_id, pr, installation_id=installation_id, vcs=vcs)
        except NotFoundError:
            stacks = []
        return stacks_verdict(stacks, require=require, subject=subject)

    async def _repo_id(self, repo: str | int, installation_id: Scope, vcs: str | None) -> str:
        if isinstance(repo, int) or str(repo).isdigit():
            return str(repo)
        return await AsyncRepos(self._session).id_of(
            str(repo), installation_id=installation_id, vcs=vcs
        )


class AsyncTasks(AsyncNamespaceBase):
    """``client.tasks``."""

    async def get(self, id: str) -> Task:
        """One task (404 when unknown or someone else's)."""
        return await self._session.execute(_calls.task(id))

    async def wait(
        self, id: str, *, timeout: float = 900, poll_interval: float | None = None
    ) -> Task:
        """Poll until the task is final; return it when completed.

        Raises:
            TaskFailedError: it ended failed or aborted (``err.result`` is the task).
            TaskTimeoutError: not final after ``timeout`` seconds.
        """
        end = self._session.clock() + timeout
        for delay in poll_delays(poll_interval):
            task = await self.get(id)
            if task.state in TERMINAL_TASK_STATES:
                return check_final_task(task)
            left = end - self._session.clock()
            if left <= 0:
                raise TaskTimeoutError(f"task {id} still {task.state} after {timeout} s")
            await self._session.sleep(min(delay, left))
        raise AssertionError("unreachable")


class AsyncRunsNamespaces:
    """The runs family's namespaces, inherited by the client (see ``_namespace.namespace``)."""

    installations: AsyncInstallations = namespace(AsyncInstallations)
    repos: AsyncRepos = namespace(AsyncRepos)
    pull_requests: AsyncPullRequests = namespace(AsyncPullRequests)
    work_manifests: AsyncWorkManifests = namespace(AsyncWorkManifests)
    dirspaces: AsyncDirspaces = namespace(AsyncDirspaces)
    stacks: AsyncStacks = namespace(AsyncStacks)
    tasks: AsyncTasks = namespace(AsyncTasks)
