"""Work-manifest state changes on a schedule (``POST /_emulator/runs/{id}/schedule``).

A schedule is a list of steps ``{"after_seconds", "state", "success"?, "dirspaces"?}`` counted
from the emulator clock at the time of the POST. Nothing runs in the background: every read of
runs first applies the steps that are due (oldest first, each with its own due time as
``completed_at``), so the outcome follows the emulator clock, `/_emulator/clock/advance`
included, and is the same for every worker process sharing the database.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from terrateam_emulator.resources.runs import tables
from terrateam_emulator.resources.runs.seed import WM_STATES
from terrateam_emulator.storage.engine import Database

__all__ = [
    "ACTIVE_WORK_MANIFEST_STATES",
    "apply_due",
    "parse_steps",
    "run_is_active",
    "store_steps",
]

ACTIVE_WORK_MANIFEST_STATES = ("queued", "running")

_FINISHED = ("completed", "aborted")


class ScheduleError(ValueError):
    """A malformed schedule (400 with the message)."""


def parse_steps(body: Any) -> list[dict[str, Any]]:
    """Validate ``[{after_seconds, state, success?, dirspaces?}]`` (or ``{"steps": [...]}``)."""
    steps = body.get("steps") if isinstance(body, Mapping) else body
    if not isinstance(steps, list) or not steps:
        raise ScheduleError('body must be a non-empty list of steps (or {"steps": [...]})')
    parsed: list[dict[str, Any]] = []
    for n, step in enumerate(steps):
        where = f"steps[{n}]"
        if not isinstance(step, Mapping):
            raise ScheduleError(f"{where}: must be an object")
        after = step.get("after_seconds")
        if isinstance(after, bool) or not isinstance(after, int | float) or after < 0:
            raise ScheduleError(f"{where}.after_seconds: a number >= 0 is required")
        if step.get("state") not in WM_STATES:
            raise ScheduleError(f"{where}.state: must be one of {', '.join(WM_STATES)}")
        success = step.get("success")
        if success is not None and not isinstance(success, bool):
            raise ScheduleError(f"{where}.success: must be true or false")
        dirspaces = step.get("dirspaces")
        if dirspaces is not None and (
            not isinstance(dirspaces, Mapping)
            or not all(isinstance(v, bool) for v in dirspaces.values())
        ):
            raise ScheduleError(f"{where}.dirspaces: must map 'dir' or 'dir:workspace' to a bool")
        unknown = set(step) - {"after_seconds", "state", "success", "dirspaces"}
        if unknown:
            raise ScheduleError(f"{where}: unknown field {sorted(unknown)[0]!r}")
        parsed.append(
            {
                "after_seconds": float(after),
                "state": step["state"],
                "success": success,
                "dirspaces": dict(dirspaces) if dirspaces is not None else None,
            }
        )
    return parsed


def store_steps(
    conn: sa.Connection, wm_id: str, steps: Sequence[Mapping[str, Any]], now: float
) -> list[dict[str, Any]]:
    """Add the steps (due ``now + after_seconds``); return them with their ``due_at``."""
    out = []
    for step in steps:
        due = now + step["after_seconds"]
        conn.execute(
            tables.run_schedules.insert().values(
                work_manifest_id=wm_id,
                due_at=due,
                state=step["state"],
                success=step["success"],
                dirspaces=None if step["dirspaces"] is None else json.dumps(step["dirspaces"]),
            )
        )
        out.append({**step, "due_at": due})
    return out


def _pending(conn: sa.Connection, now: float) -> bool:
    rs = tables.run_schedules
    return conn.execute(sa.select(rs.c.id).where(rs.c.due_at <= now).limit(1)).first() is not None


def apply_due(db: Database, now: float) -> int:
    """Apply every step due at ``now``; return how many. One cheap read when none is due."""
    with db.read() as conn:
        if not _pending(conn, now):
            return 0
    rs, wm = tables.run_schedules, tables.work_manifests
    with db.write() as conn:
        rows = (
            conn.execute(sa.select(rs).where(rs.c.due_at <= now).order_by(rs.c.due_at, rs.c.id))
            .mappings()
            .all()
        )
        for row in rows:
            done = row["state"] in _FINISHED
            conn.execute(
                wm.update()
                .where(wm.c.id == row["work_manifest_id"])
                .values(state=row["state"], completed_at=row["due_at"] if done else None)
            )
            _set_success(conn, row)
        conn.execute(rs.delete().where(rs.c.id.in_([r["id"] for r in rows])))
    return len(rows)


def _set_success(conn: sa.Connection, row: sa.RowMapping) -> None:
    ds = tables.work_manifest_dirspaces
    named: dict[str, bool] = json.loads(row["dirspaces"]) if row["dirspaces"] else {}
    # A run that completes without saying otherwise succeeded everywhere (a completed run
    # with no result would be reported as failed, as upstream does).
    default = row["success"]
    if default is None and row["state"] == "completed":
        default = True
    found = (
        conn.execute(
            sa.select(ds.c.dir, ds.c.workspace).where(
                ds.c.work_manifest_id == row["work_manifest_id"]
            )
        )
        .tuples()
        .all()
    )
    for d, w in found:
        value = named.get(f"{d}:{w}", named.get(d, default))
        if value is None:
            continue
        conn.execute(
            ds.update()
            .where(
                ds.c.work_manifest_id == row["work_manifest_id"], ds.c.dir == d, ds.c.workspace == w
            )
            .values(success=value)
        )


def run_is_active(db: Database, now: float, wm_id: str) -> bool:
    """Whether work manifest ``wm_id`` is queued or running at ``now`` (due steps applied).

    A run token stops working when its run finishes, scheduled finishes included.
    """
    apply_due(db, now)
    wm = tables.work_manifests
    with db.read() as conn:
        row = conn.execute(sa.select(wm.c.state).where(wm.c.id == wm_id)).first()
    return row is not None and row[0] in ACTIVE_WORK_MANIFEST_STATES
