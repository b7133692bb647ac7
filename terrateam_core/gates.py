"""Waits and gates on what a pipeline knows (a repository and pull request), without I/O.

The namespaces (``client.work_manifests.wait_for`` / ``.gate`` / ``.find_outputs`` and
``client.stacks.gate``) fetch; this module builds their ``q`` query, filters what the query
language cannot express, and turns runs or stacks into a :class:`GateVerdict`.

A dirspace's *latest* run is the newest run (of the requested kind) that lists it: a manual
``terrateam plan -d ec2`` after an autoplan supersedes the autoplan for ``ec2`` only.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from terrateam_core.models import Stack, WorkManifest

__all__ = [
    "FAILED_STACK_STATES",
    "RUN_KINDS",
    "DirspaceResult",
    "GateVerdict",
    "RunFilter",
    "StackRequirement",
    "q_term",
    "run_succeeded",
    "runs_verdict",
    "stacks_verdict",
]

RUN_KINDS = ("plan", "apply")
FAILED_STACK_STATES = frozenset({"plan_failed", "apply_failed"})
APPLIED_STACK_STATES = frozenset({"apply_success", "no_changes"})
StackRequirement = Literal["not-failed", "applied"]

# A q value that needs the whole term quoted (upstream's lexer splits on blanks and parens).
_NEEDS_QUOTES = re.compile(r"[\s()]")


def q_term(tag: str, value: str | int) -> str:
    """One ``tag:value`` term of ``q``, quoted when the value has blanks or parentheses."""
    text = str(value)
    if not text or '"' in text or "'" in text:
        raise ValueError(f"{tag}: value {text!r} must be non-empty and contain no quotes")
    term = f"{tag}:{text}"
    return f'"{term}"' if _NEEDS_QUOTES.search(text) else term


@dataclasses.dataclass(frozen=True)
class RunFilter:
    """Which runs a wait or gate looks at.

    ``repo`` is ``name`` or ``owner/name`` (the ``repo:`` tag matches the name; the owner is
    checked here). ``kind`` is the run type (``plan``/``apply``) or None for any.
    ``created_after`` ignores older runs (e.g. the CI job's start, so an old apply never counts).
    """

    repo: str
    pr: int | None = None
    kind: str | None = None
    dir: str | None = None
    workspace: str | None = None
    environment: str | None = None
    created_after: datetime | None = None

    def __post_init__(self) -> None:
        if not self.repo or self.repo.count("/") > 1 or self.repo.endswith("/"):
            raise ValueError(f"repo: {self.repo!r} is not 'name' or 'owner/name'")
        if self.kind is not None and self.kind not in RUN_KINDS:
            raise ValueError(f"kind: must be plan, apply or None, got {self.kind!r}")
        if self.pr is not None and (isinstance(self.pr, bool) or int(self.pr) < 1):
            raise ValueError(f"pr: must be a positive integer, got {self.pr!r}")

    @property
    def owner(self) -> str | None:
        """The owner part of ``repo``, if given."""
        return self.repo.split("/", 1)[0] if "/" in self.repo else None

    @property
    def name(self) -> str:
        """The repository name without its owner."""
        return self.repo.rsplit("/", 1)[-1]

    def query(self) -> str:
        """The server-side ``q`` (newest first, the server's default order)."""
        terms = [q_term("repo", self.name)]
        if self.pr is not None:
            terms.append(q_term("pr", int(self.pr)))
        if self.kind is not None:
            terms.append(q_term("type", self.kind))
        if self.dir is not None:
            terms.append(q_term("dir", self.dir))
        if self.workspace is not None:
            terms.append(q_term("workspace", self.workspace))
        if self.environment is not None:
            terms.append(q_term("environment", self.environment))
        if self.created_after is not None:
            # Minute precision on the server (every version accepts it); exact cut-off in matches.
            when = self.created_after.astimezone(UTC)
            terms.append(f'"created_at:{when:%Y-%m-%d %H:%M}.."')
        return " and ".join(terms)

    def matches(self, wm: WorkManifest) -> bool:
        """What ``q`` cannot say: the owner, the exact cut-off, dir and workspace together."""
        if self.owner is not None and wm.owner is not None and wm.owner != self.owner:
            return False
        if self.created_after is not None and wm.created_at is not None:
            created = wm.created_at if wm.created_at.tzinfo else wm.created_at.replace(tzinfo=UTC)
            if created < self.created_after:
                return False
        if self.dir is None and self.workspace is None:
            return True
        return any(self._dirspace_ok(ds.dir, ds.workspace) for ds in wm.dirspaces)

    def _dirspace_ok(self, dir: str, workspace: str) -> bool:
        return (self.dir is None or dir == self.dir) and (
            self.workspace is None or workspace == self.workspace
        )

    def describe(self) -> str:
        """``infra PR 42 apply runs`` (for messages)."""
        parts = [self.repo]
        if self.pr is not None:
            parts.append(f"PR {self.pr}")
        parts.append(f"{self.kind} runs" if self.kind else "runs")
        if self.dir is not None:
            parts.append(f"in {self.dir}" + (f":{self.workspace}" if self.workspace else ""))
        if self.environment is not None:
            parts.append(f"for {self.environment}")
        return " ".join(parts)


def run_succeeded(wm: WorkManifest) -> bool:
    """True when the run completed and none of its dirspaces failed."""
    return wm.state == "completed" and all(ds.success is not False for ds in wm.dirspaces)


@dataclasses.dataclass(frozen=True)
class DirspaceResult:
    """The latest run of one dirspace as a gate saw it."""

    dir: str
    workspace: str
    state: str  # success, failure, aborted, queued, running
    work_manifest_id: str
    run_type: str | None


@dataclasses.dataclass(frozen=True)
class GateVerdict:
    """The answer of a gate: ``ok`` and the reasons it is not, with what was looked at."""

    ok: bool
    reasons: list[str]
    runs: list[str] = dataclasses.field(default_factory=list)
    dirspaces: list[DirspaceResult] = dataclasses.field(default_factory=list)
    stacks: list[dict[str, str]] = dataclasses.field(default_factory=list)

    @property
    def reason(self) -> str:
        """One line: ``ok: …`` or the first reason (and how many more)."""
        if self.ok:
            return self.reasons[0] if self.reasons else "ok"
        more = f" (+{len(self.reasons) - 1} more)" if len(self.reasons) > 1 else ""
        return (self.reasons[0] if self.reasons else "failed") + more

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (``-o json``, Ansible results)."""
        return {
            "ok": self.ok,
            "reason": self.reason,
            "reasons": list(self.reasons),
            "runs": list(self.runs),
            "dirspaces": [dataclasses.asdict(d) for d in self.dirspaces],
            "stacks": [dict(s) for s in self.stacks],
        }


def _dirspace_state(wm: WorkManifest, success: bool | None) -> str:
    if wm.state == "aborted":
        return "aborted"
    if wm.state == "completed":
        return "failure" if success is False else "success"
    return "failure" if success is False else wm.state


def runs_verdict(runs: Iterable[WorkManifest], flt: RunFilter) -> GateVerdict:
    """Gate on the latest run of every dirspace among *runs* (newest first, as listed).

    ok when at least one dirspace was found and each one's latest run succeeded.
    """
    latest: dict[tuple[str, str], DirspaceResult] = {}
    used: list[str] = []
    runless: list[WorkManifest] = []
    for wm in runs:
        if not flt.matches(wm):
            continue
        took = False
        for ds in wm.dirspaces:
            key = (ds.dir, ds.workspace)
            if key in latest or not flt._dirspace_ok(ds.dir, ds.workspace):
                continue
            latest[key] = DirspaceResult(
                ds.dir, ds.workspace, _dirspace_state(wm, ds.success), wm.id, wm.run_type
            )
            took = True
        if not wm.dirspaces and not used and not runless:
            runless.append(wm)  # the newest run has no dirspace: judge the run itself
            took = True
        if took:
            used.append(wm.id)
    results = sorted(latest.values(), key=lambda d: (d.dir, d.workspace))
    if not results and not runless:
        return GateVerdict(False, [f"no {flt.describe()} found"], used, [])
    reasons = [
        f"{d.dir}:{d.workspace} {d.state} in {d.run_type or 'run'} {d.work_manifest_id}"
        for d in results
        if d.state != "success"
    ]
    for wm in runless:
        if not run_succeeded(wm):
            reasons.append(f"run {wm.id} ({wm.run_type}) is {wm.state}")
    if reasons:
        return GateVerdict(False, reasons, used, results)
    n = len(results)
    what = f"{n} dirspace{'s' if n != 1 else ''}" if n else "the latest run"
    return GateVerdict(True, [f"{flt.describe()}: {what} succeeded"], used, results)


def _stack_rows(stacks: Sequence[Stack] | Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    # One row per inner stack; `failed` lists its failed dirspaces, because the roll-up state
    # hides an apply_failed dirspace behind a plan_pending one (docs/contract.md §6.4).
    rows: list[dict[str, str]] = []
    for outer in stacks:
        data = outer.model_dump() if isinstance(outer, Stack) else dict(outer)
        for inner in data.get("stacks") or []:
            failed = [
                f"{d['dirspace'].get('dir')}:{d['dirspace'].get('workspace')} {d.get('state')}"
                for d in inner.get("dirspaces") or []
                if isinstance(d.get("dirspace"), Mapping) and d.get("state") in FAILED_STACK_STATES
            ]
            rows.append(
                {
                    "stack": str(data.get("name")),
                    "name": str(inner.get("name")),
                    "state": str(inner.get("state")),
                    "failed": ", ".join(failed),
                }
            )
    return rows


def stacks_verdict(
    stacks: Sequence[Stack] | Sequence[Mapping[str, Any]],
    *,
    require: StackRequirement = "not-failed",
    subject: str = "",
) -> GateVerdict:
    """Gate on a PR's stacks: ``not-failed`` (no plan_failed/apply_failed inner stack) or
    ``applied`` (every inner stack apply_success or no_changes). A failed dirspace inside a
    stack fails it even when the roll-up state hides it."""
    if require not in ("not-failed", "applied"):
        raise ValueError(f"require: must be 'not-failed' or 'applied', got {require!r}")
    rows = _stack_rows(stacks)
    prefix = f"{subject}: " if subject else ""
    if not rows:
        return GateVerdict(False, [f"{prefix}no stacks"], stacks=rows)
    reasons = []
    for r in rows:
        where = f"{prefix}stack {r['stack']}/{r['name']}"
        if r["state"] in FAILED_STACK_STATES:
            reasons.append(f"{where} is {r['state']}")
        elif r["failed"]:
            reasons.append(f"{where} ({r['state']}) has {r['failed']}")
        elif require == "applied" and r["state"] not in APPLIED_STACK_STATES:
            reasons.append(f"{where} is {r['state']}")
    if reasons:
        return GateVerdict(False, reasons, stacks=rows)
    word = "failed" if require == "not-failed" else "unapplied"
    return GateVerdict(True, [f"{prefix}{len(rows)} stacks, none {word}"], stacks=rows)
