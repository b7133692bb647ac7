"""The shipped code uses only other libraries' public modules, and the base install stays lean."""

from __future__ import annotations

import ast
import importlib.metadata as md
import re
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
OURS = {"terrateam_core", "terrateam_emulator", "pulumi_terrateam", "ansible_collections"}
SHIPPED = ["terrateam_core", "terrateam_emulator", "pulumi_terrateam", "ansible_collection/plugins"]


def _private_imports() -> list[str]:
    found = []
    for top in SHIPPED:
        for path in sorted((ROOT / top).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module]
                for name in names:
                    parts = name.split(".")
                    if parts[0] in OURS:
                        continue
                    if any(p.startswith("_") and not p.startswith("__") for p in parts):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")
    return found


def test_no_private_module_of_another_library_is_imported() -> None:
    """A private module (``typer._click``, ``httpx._main``) can vanish in any release."""
    assert _private_imports() == []


def _closure(dist: str) -> set[str]:
    """Names of the installed distributions *dist* needs without any extra, itself included."""
    seen: set[str] = set()
    todo = [dist]
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if name in seen:
            continue
        seen.add(name)
        for line in md.requires(name) or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen


def test_base_install_has_no_click() -> None:
    """Without click, ``import httpx`` skips httpx's CLI (click, Rich, Pygments): a plain
    install keeps every ``terrateam`` command that builds a client that much faster."""
    closure = _closure("terrateam-toolkit")
    assert {"typer", "httpx", "pydantic"} <= closure
    assert "click" not in closure
