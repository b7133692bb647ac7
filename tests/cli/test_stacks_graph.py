"""`terrateam stacks graph` on the demo PR's stacks: Mermaid, DOT, SVG (laid out in Python)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from terrateam_core.cli._stack_graph import build_graph, to_dot, to_mermaid, to_svg


def test_graph_formats(cli: Any, live: Any) -> None:
    mermaid = cli("stacks", "graph", "--repo", "infrastructure", "--pr", "1")
    assert mermaid.exit_code == 0, mermaid.stderr
    assert mermaid.stdout.startswith("flowchart LR\n")
    assert '["rds:default<br/>apply_failed"]:::failed' in mermaid.stdout
    dot = cli("stacks", "graph", "--repo", "500001", "--pr", "1", "-o", "dot").stdout
    assert dot.startswith("digraph stacks {")
    assert dot.count("->") == mermaid.stdout.count("-->") == 14
    svg = cli("stacks", "graph", "--repo", "demo-org/infrastructure", "--pr", "1", "-o", "svg")
    root = ET.fromstring(svg.stdout)
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f"{ns}g")) == 16
    assert len(root.findall(f"{ns}line")) == 14
    data = json.loads(
        cli("stacks", "graph", "--repo", "infrastructure", "--pr", "1", "-o", "json").stdout
    )
    states = {n["label"]: n["state"] for n in data["nodes"]}
    assert states["storage"] == "plan_pending"
    assert ["stack:storage", "ds:rds:default"] in data["edges"]


def test_graph_missing_is_not_found(cli: Any, live: Any) -> None:
    assert cli("stacks", "graph", "--repo", "infrastructure", "--pr", "2").exit_code == 3
    assert cli("stacks", "graph", "--repo", "nope", "--pr", "1").exit_code == 3


def test_graph_escapes_names() -> None:
    g = build_graph(
        [
            {
                "name": 'a"<b>',
                "state": "plan_failed",
                "stacks": [
                    {"name": "x&y", "state": "no_changes", "paths": [["p", "x&y"]], "dirspaces": []}
                ],
            }
        ]
    )
    assert ("stack:p", "stack:x&y") in g.edges
    assert '"a\\"<b>\\nplan_failed"' in to_dot(g)
    assert "a'<b>" in to_mermaid(g)
    svg = to_svg(g, title="t")
    ET.fromstring(svg)  # well-formed
    assert re.search(r"x&amp;y", svg)
