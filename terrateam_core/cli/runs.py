"""``terrateam runs``: wait, gate and read outputs by what CI knows (repo, PR, kind, dir).

``work-manifests`` addresses runs by id; these commands find them with the query language
(``client.work_manifests.wait_for`` / ``.gate`` / ``.find_outputs``, ``client.stacks.gate``).
"""

from __future__ import annotations

import contextlib
import enum
import json
import signal
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer

from terrateam_core.cli._common import (
    InstallationOpt,
    OutputOpt,
    client_from_ctx,
    new_app,
    output_format,
    state_from_ctx,
)
from terrateam_core.cli._duration import parse_duration
from terrateam_core.cli._errors import EXIT_NOT_FOUND, EXIT_OK, EXIT_RUN_FAILED
from terrateam_core.cli._output import OutputFormat, emit, print_table, to_jsonable

__all__ = ["app", "interruptible", "parse_since"]

app = new_app("Wait for, gate on and read runs by repo and PR.")


class Kind(enum.StrEnum):
    """Values of ``--kind``."""

    plan = "plan"
    apply = "apply"


class StackRequire(enum.StrEnum):
    """Values of ``--stacks``."""

    not_failed = "not-failed"
    applied = "applied"


RepoOpt = Annotated[
    str, typer.Option("--repo", "-r", help="Repository: NAME or OWNER/NAME.", show_default=False)
]
PrOpt = Annotated[int | None, typer.Option("--pr", min=1, help="Pull request number.")]
KindOpt = Annotated[Kind | None, typer.Option("--kind", "-k", help="plan or apply [default: any].")]
DirOpt = Annotated[str | None, typer.Option("--dir", "-d", help="Only runs of this directory.")]
WorkspaceOpt = Annotated[str | None, typer.Option("--workspace", "-w", help="... and workspace.")]
EnvOpt = Annotated[str | None, typer.Option("--environment", "-e", help="Only this environment.")]
SinceOpt = Annotated[
    str | None,
    typer.Option(
        "--since",
        help="Ignore runs created before this: a duration ago (30m, 2h) or an ISO time.",
    ),
]


def parse_since(value: str | None, now: datetime | None = None) -> datetime | None:
    """``--since``: ``30m`` (ago) or ``2026-12-01T10:00:00Z``; None stays None."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    except ValueError:
        pass
    try:
        return (now or datetime.now(UTC)) - timedelta(seconds=parse_duration(value))
    except (ValueError, OverflowError):
        raise typer.BadParameter(
            f"{value!r} is neither a duration (30m, 2h) nor an ISO time", param_hint="--since"
        ) from None


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """SIGTERM (a cancelled CI job) stops a wait like Ctrl-C: exit 130, nothing half-done."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    except KeyboardInterrupt:
        # Typer turns it into a silent exit 130: say what happened.
        typer.echo("terrateam: interrupted, stopped waiting", err=True)
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)


def _filters(
    repo: str,
    pr: int | None,
    kind: Kind | None,
    dir: str | None,
    workspace: str | None,
    environment: str | None,
) -> dict[str, Any]:
    from terrateam_core.gates import RunFilter

    args: dict[str, Any] = {
        "repo": repo,
        "pr": pr,
        "kind": kind.value if kind else None,
        "dir": dir,
        "workspace": workspace,
        "environment": environment,
    }
    try:
        RunFilter(**args)
    except ValueError as exc:
        field = str(exc).split(":", 1)[0]
        raise typer.BadParameter(str(exc), param_hint=f"--{field}") from None
    return args


@app.command("wait")
def wait(
    ctx: typer.Context,
    repo: RepoOpt,
    pr: PrOpt = None,
    kind: KindOpt = None,
    dir: DirOpt = None,
    workspace: WorkspaceOpt = None,
    environment: EnvOpt = None,
    since: SinceOpt = None,
    timeout: Annotated[str, typer.Option(help="Give up after this long (e.g. 30m).")] = "30m",
    interval: Annotated[str, typer.Option(help="Poll interval.")] = "10s",
    output: OutputOpt = None,
    installation_id: InstallationOpt = None,
) -> None:
    """Wait until the newest matching run has finished; the exit code is its outcome.

    A run that does not exist yet is waited for too. 0: completed and every dirspace
    succeeded; 8: aborted or a dirspace failed; 6: not finished at --timeout; 130: Ctrl-C or
    SIGTERM.
    """
    from terrateam_core.gates import run_succeeded

    args = _filters(repo, pr, kind, dir, workspace, environment)
    try:
        seconds, poll = parse_duration(timeout), parse_duration(interval)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if poll <= 0:
        raise typer.BadParameter("must be more than 0", param_hint="--interval")
    after = parse_since(since)
    client = client_from_ctx(ctx, installation_id=installation_id)
    with interruptible():
        final = client.work_manifests.wait_for(
            **args, created_after=after, timeout=seconds, poll=poll
        )
    ok = run_succeeded(final)
    failed = [f"{d.dir}:{d.workspace}" for d in final.dirspaces if d.success is False]
    verdict = "succeeded" if ok else (f"failed in {', '.join(failed)}" if failed else final.state)
    typer.echo(f"run {final.id} ({final.run_type}) {verdict}", err=True)
    emit(final, output_format(output), no_color=state_from_ctx(ctx).no_color)
    raise typer.Exit(EXIT_OK if ok else EXIT_RUN_FAILED)


@app.command("gate")
def gate(
    ctx: typer.Context,
    repo: RepoOpt,
    pr: PrOpt = None,
    kind: KindOpt = None,
    dir: DirOpt = None,
    workspace: WorkspaceOpt = None,
    environment: EnvOpt = None,
    since: SinceOpt = None,
    stacks: Annotated[
        StackRequire | None,
        typer.Option(
            "--stacks",
            help="Gate on the PR's stacks instead: not-failed (none plan/apply_failed) "
            "or applied (all apply_success/no_changes). Needs --pr.",
        ),
    ] = None,
    output: OutputOpt = None,
    installation_id: InstallationOpt = None,
) -> None:
    """Pass (0) or fail (8) on state, with a one-line reason.

    Runs: the latest run (of --kind) of every dirspace succeeded. Stacks (--stacks): no stack
    failed, or all applied. Nothing to judge (no run, no stacks) exits 3.
    """
    client = client_from_ctx(ctx, installation_id=installation_id)
    if stacks is not None:
        if pr is None:
            raise typer.BadParameter("--stacks needs --pr", param_hint="--pr")
        verdict = client.stacks.gate(repo=repo, pr=pr, require=stacks.value)
        found = bool(verdict.stacks)
    else:
        args = _filters(repo, pr, kind, dir, workspace, environment)
        verdict = client.work_manifests.gate(**args, created_after=parse_since(since))
        found = bool(verdict.runs)
    fmt = output_format(output)
    line = ("PASS " if verdict.ok else "FAIL ") + verdict.reason
    typer.echo(line, err=fmt is not OutputFormat.table)
    if fmt is OutputFormat.table:
        rows = [to_jsonable(d) for d in verdict.dirspaces] or verdict.stacks
        if rows:
            print_table(rows, no_color=state_from_ctx(ctx).no_color)
    else:
        emit(verdict.to_dict(), fmt)
    if verdict.ok:
        raise typer.Exit(EXIT_OK)
    raise typer.Exit(EXIT_RUN_FAILED if found else EXIT_NOT_FOUND)


def _text(payload: Any) -> str:
    """The human text of a step payload: ``text`` (and ``plan`` for plans), else JSON."""
    if isinstance(payload, dict):
        parts = [str(payload[k]) for k in ("text", "plan") if payload.get(k)]
        if parts:
            return "\n".join(parts)
    if payload is None:
        return ""
    return payload if isinstance(payload, str) else json.dumps(payload, indent=2)


@app.command("output")
def output_cmd(
    ctx: typer.Context,
    repo: RepoOpt,
    pr: PrOpt = None,
    dir: DirOpt = None,
    workspace: WorkspaceOpt = None,
    step: Annotated[
        str | None, typer.Option("--step", "-s", help="Only this step, e.g. tf/plan.")
    ] = None,
    kind: KindOpt = None,
    environment: EnvOpt = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="text (payload text, the default), json or yaml.",
            show_default=False,
        ),
    ] = None,
    installation_id: InstallationOpt = None,
) -> None:
    """Print the step outputs of the newest matching run (e.g. a dirspace's plan text).

    ``-o text`` prints each payload's text (with a ``# step dir:workspace`` header when there
    are several); ``-o json`` the run id and the outputs as the server returns them.
    """
    if output not in (None, "text", "json", "yaml"):
        raise typer.BadParameter("must be text, json or yaml", param_hint="--output")
    client = client_from_ctx(ctx, installation_id=installation_id)
    args = _filters(repo, pr, kind, dir, workspace, environment)
    wm, outs = client.work_manifests.find_outputs(
        repo=repo,
        pr=pr,
        dir=dir,
        workspace=workspace,
        step=step,
        kind=args["kind"],
        environment=environment,
    )
    if output in ("json", "yaml"):
        emit(
            {"work_manifest_id": wm.id, "run_type": wm.run_type, "outputs": to_jsonable(outs)},
            OutputFormat(output),
        )
        return
    if not outs:
        typer.echo(f"run {wm.id}: no matching step output", err=True)
        raise typer.Exit(EXIT_NOT_FOUND)
    for out in outs:
        if len(outs) > 1:
            scope = out.scope
            where = f" {scope.get('dir')}:{scope.get('workspace')}" if "dir" in scope else ""
            sys.stdout.write(f"# {out.step}{where} ({out.state})\n")
        text = _text(out.payload)
        sys.stdout.write(text + ("" if text.endswith("\n") or not text else "\n"))
