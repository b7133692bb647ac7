"""Tasks (``GET /api/v1/tasks/{id}``): insert, read, change state, and the upstream body."""

from __future__ import annotations

import sqlalchemy as sa

from terrateam_emulator.resources.runs import tables
from terrateam_emulator.resources.runs.backend import format_ts

__all__ = ["insert_task", "set_task_state", "task_body", "task_row"]


def task_body(row: sa.RowMapping) -> dict[str, str]:
    """The ``task`` object: ``{"id","name","state","updated_at"}``."""
    return {
        "id": row["id"],
        "name": row["name"],
        "state": row["state"],
        "updated_at": format_ts(row["updated_at"]) or "",
    }


def insert_task(
    conn: sa.Connection, task_id: str, *, name: str, state: str, user_id: str, now: float
) -> None:
    """Store a new task owned by ``user_id``."""
    conn.execute(
        tables.tasks.insert().values(
            id=task_id, name=name, state=state, user_id=user_id, updated_at=now
        )
    )


def task_row(conn: sa.Connection, task_id: str) -> sa.RowMapping | None:
    """Return the task's row, or ``None``."""
    t = tables.tasks
    return conn.execute(sa.select(t).where(t.c.id == task_id)).mappings().first()


def set_task_state(
    conn: sa.Connection, task_id: str, state: str, now: float
) -> sa.RowMapping | None:
    """Move a task to ``state``; return its new row, or ``None`` when there is no such task."""
    t = tables.tasks
    done = conn.execute(t.update().where(t.c.id == task_id).values(state=state, updated_at=now))
    if done.rowcount == 0:
        return None
    return task_row(conn, task_id)
