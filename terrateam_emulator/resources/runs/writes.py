"""What the developer API and repo delete change in the runs data.

Work-manifest state changes, repository lookup by name or id, and the archive flag that
``DELETE …/repos/{repo_id}`` requires (docs/contract.md §5). Callers hold the transaction.
"""

from __future__ import annotations

import sqlalchemy as sa

from terrateam_emulator.resources.runs import tables

__all__ = [
    "FINISHED_STATES",
    "archive_repo",
    "delete_archived_repo",
    "find_repo_id",
    "set_work_manifest_state",
    "work_manifest_row",
]

FINISHED_STATES = ("completed", "aborted")


def work_manifest_row(conn: sa.Connection, wm_id: str) -> sa.RowMapping | None:
    """Return the work manifest's row, or ``None``."""
    wm = tables.work_manifests
    return conn.execute(sa.select(wm).where(wm.c.id == wm_id)).mappings().first()


def set_work_manifest_state(conn: sa.Connection, wm_id: str, state: str, now: float) -> None:
    """Move a work manifest to ``state``; a finished one gets ``completed_at = now``."""
    wm = tables.work_manifests
    done = state in FINISHED_STATES
    conn.execute(
        wm.update().where(wm.c.id == wm_id).values(state=state, completed_at=now if done else None)
    )


def find_repo_id(conn: sa.Connection, vcs: str, installation_id: int, ref: int | str) -> int | None:
    """Return the id of the installation's repository named (or numbered) ``ref``."""
    r = tables.repos
    cond = r.c.id == ref if isinstance(ref, int) else r.c.name == str(ref)
    row = conn.execute(
        sa.select(r.c.id).where(r.c.vcs == vcs, r.c.installation_id == installation_id, cond)
    ).first()
    return None if row is None else int(row[0])


def archive_repo(conn: sa.Connection, vcs: str, repo_id: int) -> None:
    """Mark a repository archived on the VCS side (idempotent)."""
    a = tables.archived_repos
    conn.execute(a.delete().where(a.c.vcs == vcs, a.c.repo_id == repo_id))
    conn.execute(a.insert().values(vcs=vcs, repo_id=repo_id))


def delete_archived_repo(
    conn: sa.Connection, vcs: str, installation_id: int, repo_id: int
) -> str | None:
    """Delete an archived repository; return upstream's error id when it may not be deleted."""
    r, a = tables.repos, tables.archived_repos
    found = conn.execute(
        sa.select(r.c.id).where(
            r.c.vcs == vcs, r.c.id == repo_id, r.c.installation_id == installation_id
        )
    ).first()
    if not found:
        return "REPO_NOT_FOUND"
    archived = conn.execute(
        sa.select(a.c.repo_id).where(a.c.vcs == vcs, a.c.repo_id == repo_id)
    ).first()
    if archived is None:
        return "REPO_NOT_ARCHIVED"
    conn.execute(r.delete().where(r.c.vcs == vcs, r.c.id == repo_id))
    return None
