"""``terrateam stacks``: the stack roll-up of a pull request."""

from __future__ import annotations

import enum
import sys
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
from terrateam_core.cli._output import OutputFormat, emit, to_jsonable

__all__ = ["GraphFormat", "app", "flatten_stacks"]

app = new_app("Stacks of a pull request.")

_COLUMNS = [
    ("stack", "stack"),
    ("stack_state", "stack state"),
    ("name", "inner stack"),
    ("state", "state"),
    ("paths", "paths"),
    ("dirspaces", "dirspaces"),
]


def _path(value: Any) -> str:
    # The server's `paths` entries are lists (e.g. [["vpc"], ["dns"]]), older ones strings.
    if isinstance(value, list):
        return "/".join(str(v) for v in value)
    return str(value)


def flatten_stacks(stacks: Any) -> list[dict[str, Any]]:
    """One table row per inner stack, with its outer stack's name and state."""
    rows: list[dict[str, Any]] = []
    for outer in to_jsonable(stacks):
        for inner in outer.get("stacks") or []:
            rows.append(
                {
                    "stack": outer.get("name"),
                    "stack_state": outer.get("state"),
                    "name": inner.get("name"),
                    "state": inner.get("state"),
                    "paths": ", ".join(_path(p) for p in inner.get("paths") or []),
                    "dirspaces": ", ".join(
                        f"{d['dirspace']['dir']}:{d['dirspace']['workspace']}={d.get('state')}"
                        for d in inner.get("dirspaces") or []
                        if isinstance(d.get("dirspace"), dict)
                    ),
                }
            )
    return rows


@app.command("show")
def show(
    ctx: typer.Context,
    repo_id: Annotated[str, typer.Option("--repo-id", help="Repository id (see `repos list`).")],
    pr: Annotated[int, typer.Option("--pr", help="Pull request number.")],
    output: OutputOpt = None,
    installation_id: InstallationOpt = None,
) -> None:
    """Show the stacks of one pull request.

    With their states; an unknown pull request exits 3.
    """
    client = client_from_ctx(ctx, installation_id=installation_id)
    stacks = client.stacks.get(repo_id, pr)
    fmt = output_format(output)
    no_color = state_from_ctx(ctx).no_color
    if fmt is OutputFormat.table:
        emit(flatten_stacks(stacks), fmt, columns=_COLUMNS, no_color=no_color)
    else:
        emit(stacks, fmt)


class GraphFormat(enum.StrEnum):
    """Values of ``stacks graph -o``."""

    mermaid = "mermaid"
    dot = "dot"
    svg = "svg"
    json = "json"


@app.command("graph")
def graph(
    ctx: typer.Context,
    repo: Annotated[str, typer.Option("--repo", "-r", help="Repository id, NAME or OWNER/NAME.")],
    pr: Annotated[int, typer.Option("--pr", min=1, help="Pull request number.")],
    output: Annotated[
        GraphFormat,
        typer.Option("--output", "-o", help="mermaid, dot (Graphviz), svg or json."),
    ] = GraphFormat.mermaid,
    installation_id: InstallationOpt = None,
) -> None:
    """Print a PR's stacks and their dependencies as a graph.

    A pull request without stacks exits 3.

    Outer stack → inner stack → dirspace, and each stack's path in the hierarchy; nodes are
    coloured by state. The SVG is laid out in Python (Graphviz is not needed).
    """
    from terrateam_core.cli import _stack_graph

    client = client_from_ctx(ctx, installation_id=installation_id)
    repo_id = repo if repo.isdigit() else client.repos.id_of(repo)
    g = _stack_graph.build_graph(to_jsonable(client.stacks.get(repo_id, pr)))
    if output is GraphFormat.json:
        emit(
            {
                "nodes": [{"id": k, "label": lbl, "state": st} for k, (lbl, st) in g.nodes.items()],
                "edges": [list(e) for e in g.edges],
            },
            OutputFormat.json,
        )
    elif output is GraphFormat.dot:
        sys.stdout.write(_stack_graph.to_dot(g))
    elif output is GraphFormat.svg:
        sys.stdout.write(_stack_graph.to_svg(g, title=f"{repo} PR {pr}: stacks"))
    else:
        sys.stdout.write(_stack_graph.to_mermaid(g))
