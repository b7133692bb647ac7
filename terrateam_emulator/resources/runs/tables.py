"""Read-side tables (docs/contract.md §6): repos, pull requests, work manifests and their parts.

They live on the shared `terrateam_emulator.storage.schema.metadata`. Timestamps are floats
(epoch seconds from the emulator clock); JSON columns hold compact JSON text. ``vcs`` is
``github`` or ``gitlab`` everywhere, because installation and repository ids are only unique
within one VCS.
"""

from __future__ import annotations

import sqlalchemy as sa

from terrateam_emulator.storage.schema import metadata

__all__ = [
    "archived_repos",
    "pull_requests",
    "repos",
    "run_schedules",
    "stacks",
    "tasks",
    "unlocks",
    "work_manifest_dirspaces",
    "work_manifests",
    "workflow_step_outputs",
]

repos = sa.Table(
    "repos",
    metadata,
    sa.Column("vcs", sa.String(16), primary_key=True),
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("installation_id", sa.BigInteger, nullable=False, index=True),
    sa.Column("owner", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("setup", sa.Boolean, nullable=False, default=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)

pull_requests = sa.Table(
    "pull_requests",
    metadata,
    sa.Column("vcs", sa.String(16), primary_key=True),
    sa.Column("repo_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("pull_number", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("installation_id", sa.BigInteger, nullable=False, index=True),
    sa.Column("base_branch", sa.Text, nullable=False),
    sa.Column("base_sha", sa.Text, nullable=False),
    sa.Column("branch", sa.Text, nullable=False),
    sa.Column("sha", sa.Text, nullable=False),
    sa.Column("state", sa.Text, nullable=False),  # open, closed, merged
    sa.Column("merged_at", sa.Float, nullable=True),
    sa.Column("merged_sha", sa.Text, nullable=True),
    sa.Column("title", sa.Text, nullable=True),
    sa.Column("username", sa.Text, nullable=True),
)

# The run-token check of §1.2 reads `id` and `state` (queued/running → token accepted).
work_manifests = sa.Table(
    "work_manifests",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("vcs", sa.String(16), nullable=False),
    sa.Column("installation_id", sa.BigInteger, nullable=False, index=True),
    sa.Column("repo_id", sa.BigInteger, nullable=False),
    sa.Column("pull_number", sa.BigInteger, nullable=True),
    sa.Column("run_kind", sa.Text, nullable=False),  # pr, drift, index
    sa.Column("run_type", sa.Text, nullable=False),  # plan, apply, index, build-config, build-tree
    sa.Column("state", sa.Text, nullable=False),  # queued, running, completed, aborted
    sa.Column("base_branch", sa.Text, nullable=False),
    sa.Column("base_ref", sa.Text, nullable=False),
    sa.Column("branch", sa.Text, nullable=False),
    sa.Column("branch_ref", sa.Text, nullable=False),
    sa.Column("tag_query", sa.Text, nullable=False),
    sa.Column("environment", sa.Text, nullable=True),
    sa.Column("run_id", sa.Text, nullable=True),
    sa.Column("username", sa.Text, nullable=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("completed_at", sa.Float, nullable=True),
)

work_manifest_dirspaces = sa.Table(
    "work_manifest_dirspaces",
    metadata,
    sa.Column("work_manifest_id", sa.String(36), primary_key=True),
    sa.Column("dir", sa.Text, primary_key=True),
    sa.Column("workspace", sa.Text, primary_key=True),
    sa.Column("success", sa.Boolean, nullable=True),  # NULL until the dirspace finished
)

workflow_step_outputs = sa.Table(
    "workflow_step_outputs",
    metadata,
    sa.Column("work_manifest_id", sa.String(36), primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("step", sa.Text, nullable=False),
    sa.Column("state", sa.Text, nullable=False),  # success, failure
    sa.Column("ignore_errors", sa.Boolean, nullable=False, default=False),
    sa.Column("scope", sa.Text, nullable=False),  # JSON object
    sa.Column("payload", sa.Text, nullable=True),  # JSON object
    sa.Column("created_at", sa.Float, nullable=False),
)

# One row per PR: `data` is the JSON list of outer stacks with their inner stacks and
# dirspace states; the roll-up states are computed when answering.
stacks = sa.Table(
    "stacks",
    metadata,
    sa.Column("vcs", sa.String(16), primary_key=True),
    sa.Column("repo_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("pull_number", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("installation_id", sa.BigInteger, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
)

tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("state", sa.Text, nullable=False),  # pending, running, completed, failed, aborted
    sa.Column("user_id", sa.String(36), nullable=True),  # NULL: pre-migration, never visible
    sa.Column("updated_at", sa.Float, nullable=False),
)

# Unlock events: a queued/running manifest created before the latest unlock of its repo (or
# of its PR) is reported as `aborted` (§6.3). `pull_number` NULL = the whole repository.
unlocks = sa.Table(
    "unlocks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("vcs", sa.String(16), nullable=False),
    sa.Column("repo_id", sa.BigInteger, nullable=False),
    sa.Column("pull_number", sa.BigInteger, nullable=True),
    sa.Column("created_at", sa.Float, nullable=False),
)

# Scheduled state changes of work manifests (POST /_emulator/runs/{id}/schedule): applied,
# oldest first, by the first read at or after `due_at` on the emulator clock (`schedule.py`).
# `dirspaces` is a JSON object {"dir" or "dir:workspace": success}; `success` applies to every
# dirspace not named there.
run_schedules = sa.Table(
    "run_schedules",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("work_manifest_id", sa.String(36), nullable=False, index=True),
    sa.Column("due_at", sa.Float, nullable=False, index=True),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("success", sa.Boolean, nullable=True),
    sa.Column("dirspaces", sa.Text, nullable=True),
)

# Repositories archived on the VCS side: only those may be deleted (§5, repo delete).
archived_repos = sa.Table(
    "archived_repos",
    metadata,
    sa.Column("vcs", sa.String(16), primary_key=True),
    sa.Column("repo_id", sa.BigInteger, primary_key=True, autoincrement=False),
)
