"""A PR's stacks as a graph (``terrateam stacks graph``): Mermaid, Graphviz DOT or SVG.

Nodes are the outer stacks, their inner stacks and the inner stacks' dirspaces. Edges: an
outer stack contains its inner stacks; each entry of an inner stack's ``paths`` is its place in
the stack hierarchy (``[dev, dev-us-east-1, dev-compute]``, upstream
``code/src/terrat_vcs_stacks``), drawn as a chain ending at the inner stack; an inner stack
runs its dirspaces. The SVG layout is computed here (layers by longest path), so Graphviz is
never needed.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

__all__ = ["Graph", "build_graph", "to_dot", "to_mermaid", "to_svg"]

_FILL = {"failed": "#F8D0C0", "pending": "#FCEBC0", "ok": "#C8EBDD", "none": "#EEEEEE"}
_STROKE = {"failed": "#D55E00", "pending": "#E69F00", "ok": "#009E73", "none": "#999999"}


def _status(state: str | None) -> str:
    if state in ("plan_failed", "apply_failed"):
        return "failed"
    if state in ("plan_pending", "apply_pending", "apply_ready"):
        return "pending"
    if state in ("apply_success", "no_changes"):
        return "ok"
    return "none"


@dataclasses.dataclass
class Graph:
    """Nodes ``id -> (label, state)`` in insertion order, and directed edges."""

    nodes: dict[str, tuple[str, str | None]] = dataclasses.field(default_factory=dict)
    edges: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    def node(self, key: str, label: str, state: str | None) -> str:
        if key not in self.nodes or state is not None:
            self.nodes[key] = (label, state)
        return key

    def edge(self, a: str, b: str) -> None:
        if a != b and (a, b) not in self.edges:
            self.edges.append((a, b))


def build_graph(stacks: Sequence[Mapping[str, Any]]) -> Graph:
    """The graph of the stacks endpoint's answer (docs/contract.md §6.4) as plain data."""
    g = Graph()
    for outer in stacks:
        o = g.node(f"outer:{outer.get('name')}", str(outer.get("name")), outer.get("state"))
        for inner in outer.get("stacks") or []:
            name = str(inner.get("name"))
            i = g.node(f"stack:{name}", name, inner.get("state"))
            g.edge(o, i)
            for path in inner.get("paths") or []:
                names = [str(p) for p in (path if isinstance(path, list) else [path])]
                chain = [g.node(f"stack:{p}", p, None) for p in names if p != name] + [i]
                for a, b in itertools.pairwise(chain):
                    g.edge(a, b)
            for ds in inner.get("dirspaces") or []:
                where = ds.get("dirspace") or {}
                label = f"{where.get('dir')}:{where.get('workspace')}"
                d = g.node(f"ds:{label}", label, ds.get("state"))
                g.edge(i, d)
    return g


def _ids(g: Graph) -> dict[str, str]:
    return {key: f"n{n}" for n, key in enumerate(g.nodes)}


def to_mermaid(g: Graph) -> str:
    """A Mermaid ``flowchart`` (renders in GitHub and GitLab Markdown)."""
    ids = _ids(g)
    lines = ["flowchart LR"]
    for key, (label, state) in g.nodes.items():
        text = label.replace('"', "'") + (f"<br/>{state}" if state else "")
        lines.append(f'  {ids[key]}["{text}"]:::{_status(state)}')
    lines += [f"  {ids[a]} --> {ids[b]}" for a, b in g.edges]
    lines += [
        f"  classDef {s} fill:{_FILL[s]},stroke:{_STROKE[s]},color:#222" for s in sorted(_FILL)
    ]
    return "\n".join(lines) + "\n"


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(g: Graph) -> str:
    """Graphviz DOT (``dot -Tsvg`` renders it where Graphviz is installed)."""
    ids = _ids(g)
    lines = [
        "digraph stacks {",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fontname="sans-serif"];',
    ]
    for key, (label, state) in g.nodes.items():
        s = _status(state)
        text = _dot_quote(label)
        if state:  # a second line: DOT's own "\n" escape inside the quoted label
            text = text[:-1] + "\\n" + _dot_quote(state)[1:]
        lines.append(f'  {ids[key]} [label={text}, fillcolor="{_FILL[s]}", color="{_STROKE[s]}"];')
    lines += [f"  {ids[a]} -> {ids[b]};" for a, b in g.edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _layers(g: Graph) -> dict[str, int]:
    """Longest-path layer of every node (a cycle, which stacks should not have, is cut)."""
    layer = dict.fromkeys(g.nodes, 0)
    for _ in range(len(g.nodes)):
        changed = False
        for a, b in g.edges:
            if layer[b] < layer[a] + 1 and layer[a] + 1 < len(g.nodes):
                layer[b] = layer[a] + 1
                changed = True
        if not changed:
            break
    return layer


def to_svg(g: Graph, *, title: str = "") -> str:
    """A standalone SVG: columns by layer, boxes coloured by state, arrows for edges."""
    box_w, box_h, gap_x, gap_y, pad = 170, 44, 60, 16, 20
    layer = _layers(g)
    columns: dict[int, list[str]] = {}
    for key in g.nodes:
        columns.setdefault(layer[key], []).append(key)
    pos: dict[str, tuple[float, float]] = {}
    for col, keys in columns.items():
        for row, key in enumerate(keys):
            pos[key] = (pad + col * (box_w + gap_x), pad + 24 + row * (box_h + gap_y))
    width = pad * 2 + (max(columns, default=0) + 1) * (box_w + gap_x) - gap_x
    height = pad * 2 + 24 + max((len(k) for k in columns.values()), default=1) * (box_h + gap_y)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
        f'<text x="{pad}" y="{pad + 4}" font-weight="bold">{escape(title)}</text>',
    ]
    for a, b in g.edges:
        (ax, ay), (bx, by) = pos[a], pos[b]
        out.append(
            f'<line class="edge" x1="{ax + box_w}" y1="{ay + box_h / 2}" x2="{bx}" '
            f'y2="{by + box_h / 2}" stroke="#555" marker-end="url(#arrow)"/>'
        )
    for key, (label, state) in g.nodes.items():
        x, y = pos[key]
        s = _status(state)
        out.append(
            f'<g class="node" data-state={quoteattr(state or "")}>'
            f'<rect x="{x}" y="{y}" width="{box_w}" height="{box_h}" rx="6" '
            f'fill="{_FILL[s]}" stroke="{_STROKE[s]}"/>'
            f'<text x="{x + 8}" y="{y + 18}">{escape(label[:26])}</text>'
            + (
                f'<text x="{x + 8}" y="{y + 34}" fill="#555">{escape(state)}</text>'
                if state
                else ""
            )
            + "</g>"
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"
