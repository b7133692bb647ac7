"""The runs family: installations, repos, PRs, work manifests, dirspaces, outputs, stacks,
tasks. Enums are open strings; known values are listed in the docstrings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from terrateam_core.models._base import ResponseModel

__all__ = [
    "TERMINAL_TASK_STATES",
    "TERMINAL_WORK_MANIFEST_STATES",
    "Dirspace",
    "Installation",
    "PullRequest",
    "Repository",
    "Stack",
    "StackDirspace",
    "StackInner",
    "StepOutput",
    "Task",
    "WorkManifest",
    "WorkManifestDirspace",
]

TERMINAL_TASK_STATES = frozenset({"completed", "failed", "aborted"})
TERMINAL_WORK_MANIFEST_STATES = frozenset({"completed", "aborted"})


class Installation(ResponseModel):
    """An installation (GitHub app installation or GitLab group) the user belongs to."""

    id: str
    name: str
    account_status: str | None = None
    created_at: datetime | None = None
    tier: dict[str, Any] | None = None
    trial_ends_at: datetime | None = None


class Repository(ResponseModel):
    """A repository of an installation."""

    id: str
    installation_id: str
    name: str
    setup: bool = False
    updated_at: datetime | None = None


class PullRequest(ResponseModel):
    """A pull request; ``state`` is open, closed or merged."""

    pull_number: int
    name: str
    owner: str
    repository: int
    state: str
    base_branch: str | None = None
    base_sha: str | None = None
    branch: str | None = None
    sha: str | None = None
    title: str | None = None
    user: str | None = None
    merged_at: datetime | None = None
    merged_sha: str | None = None
    latest_work_manifest_run_at: datetime | None = None


class WorkManifestDirspace(ResponseModel):
    """A dir/workspace of a work manifest and whether it succeeded."""

    dir: str
    workspace: str
    success: bool | None = None


class WorkManifest(ResponseModel):
    """A run; ``state`` is queued, running, completed or aborted; ``kind`` is ``"drift"``,
    ``"index"`` or ``{"pull_number", "pull_request_title"?}``."""

    id: str
    state: str
    run_type: str | None = None
    kind: Any = None
    created_at: datetime | None = None
    completed_at: datetime | None = None
    base_branch: str | None = None
    base_ref: str | None = None
    branch: str | None = None
    branch_ref: str | None = None
    dirspaces: list[WorkManifestDirspace] = Field(default_factory=list)
    owner: str | None = None
    repo: str | None = None
    repo_id: str | None = None
    tag_query: str | None = None
    environment: str | None = None
    run_id: str | None = None
    user: str | None = None

    @property
    def pull_number(self) -> int | None:
        """The PR number for PR runs, else ``None``."""
        if isinstance(self.kind, dict):
            value = self.kind.get("pull_number")
            return value if isinstance(value, int) else None
        return None


class Dirspace(ResponseModel):
    """A dirspace run; ``state`` is success, failure, aborted, queued or running."""

    id: str
    dir: str
    workspace: str
    state: str
    run_type: str | None = None
    kind: Any = None
    created_at: datetime | None = None
    completed_at: datetime | None = None
    base_branch: str | None = None
    base_ref: str | None = None
    branch: str | None = None
    branch_ref: str | None = None
    owner: str | None = None
    repo: str | None = None
    tag_query: str | None = None
    environment: str | None = None
    run_id: str | None = None
    user: str | None = None


class StepOutput(ResponseModel):
    """One workflow step output; ``payload`` is absent with ``lite=True``."""

    idx: int
    step: str
    state: str
    ignore_errors: bool = False
    scope: dict[str, Any] = Field(default_factory=dict)
    payload: Any = None
    created_at: datetime | None = None


class StackDirspace(ResponseModel):
    """A dirspace inside a stack, with its state."""

    dirspace: dict[str, str]
    state: str


class StackInner(ResponseModel):
    """A stack of a PR."""

    name: str
    state: str
    paths: list[Any] = Field(default_factory=list)
    dirspaces: list[StackDirspace] = Field(default_factory=list)


class Stack(ResponseModel):
    """An outer stack (a roll-up of inner stacks)."""

    name: str
    state: str
    stacks: list[StackInner] = Field(default_factory=list)


class Task(ResponseModel):
    """An asynchronous server task; ``state`` is pending, running, completed, failed, aborted."""

    id: str
    name: str
    state: str
    updated_at: datetime | None = None

    @property
    def done(self) -> bool:
        """True once the task reached a final state."""
        return self.state in TERMINAL_TASK_STATES
