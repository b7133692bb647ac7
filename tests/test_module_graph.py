"""The module graph of the Python packages (docs/architecture.md): no import cycles, and the
emulator's layering rules: resource backends free of FastAPI, no SQL in routers, every router
registered by the app factory.

The graph is read with `ast`, not by importing: an edge A -> B means module A imports B (or a
name from B) anywhere in its text. Function-level and ``if TYPE_CHECKING:`` imports count too:
deferring an import, or keeping it for annotations, hides a cycle from the interpreter, not
from the design.
``from pkg import name`` counts as an edge to ``pkg.name`` when that is a module, else to
``pkg``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("terrateam_emulator", "terrateam_core", "pulumi_terrateam")
# Packages whose cycles are asserted on: all of them (`test_report_cycles` prints any, with -s).
ASSERTED = PACKAGES


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules(package: str) -> dict[str, Path]:
    return {
        _module_name(p): p
        for p in sorted((ROOT / package).rglob("*.py"))
        if "__pycache__" not in p.parts
    }


def _imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        else:
            pending.extend(ast.iter_child_nodes(node))
    return found


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imported_names(package: str) -> dict[str, set[str]]:
    """Return ``{module: {every module it imports, inside the package or not}}``."""
    modules = _modules(package)
    found: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text("utf-8"), filename=str(path))
        for node in _imports(tree):
            if isinstance(node, ast.Import):
                found[name].update(alias.name for alias in node.names)
                continue
            base = _resolve(name, path.name == "__init__.py", node)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found[name].add(candidate if candidate in modules else base)
    return found


def import_graph(package: str) -> dict[str, set[str]]:
    """Return ``{module: {imported module of the same package, …}}``."""
    names = imported_names(package)
    return {m: {t for t in targets if t in names and t != m} for m, targets in names.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_edges() -> None:
    # Guards the checker itself: the app factory imports the settings module.
    graph = import_graph("terrateam_emulator")
    assert "terrateam_emulator.server.settings" in graph["terrateam_emulator.server.app"]


def test_cycles_are_found() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("package", ASSERTED)
def test_no_import_cycles(package: str) -> None:
    assert cycles(import_graph(package)) == []


def test_the_graph_sees_the_cores_type_only_edges() -> None:
    # ``if TYPE_CHECKING:`` imports count: the artifact transfers name the session protocol.
    graph = import_graph("terrateam_core")
    assert "terrateam_core._async.session" in graph["terrateam_core._async.artifacts_transfer"]


def test_report_cycles() -> None:
    """Print the cycles of the packages not yet asserted on (informational)."""
    for package in PACKAGES:
        for component in cycles(import_graph(package)):
            print(f"{package}: cycle through {', '.join(component)}")


# --- the emulator's layering rules --------------------------------------------------------

_EMULATOR = "terrateam_emulator"
_RESOURCES = f"{_EMULATOR}.resources."
_WEB = ("fastapi", "starlette")


def _is_router(module: str) -> bool:
    return module.rsplit(".", 1)[-1].endswith("router")


def _closure(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, pending = {start}, [start]
    while pending:
        for nxt in graph[pending.pop()] - seen:
            seen.add(nxt)
            pending.append(nxt)
    return seen


def test_resource_backends_do_not_import_fastapi() -> None:
    """Tables, backends and seeds run without a web framework (only ``*router`` modules may)."""
    names = imported_names(_EMULATOR)
    graph = import_graph(_EMULATOR)
    backends = [m for m in names if m.startswith(_RESOURCES) and not _is_router(m)]
    assert len(backends) > 10  # the rule must have something to check
    offenders = {
        f"{backend} (through {m}: {external})"
        for backend in backends
        for m in _closure(graph, backend)
        for external in names[m]
        if external.split(".")[0] in _WEB
    }
    assert sorted(offenders) == []


def _executes_sql(path: Path) -> bool:
    tree = ast.parse(path.read_text("utf-8"))
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "execute"
        for node in ast.walk(tree)
    )


def test_routers_hold_no_sql() -> None:
    """Routers parse, authorise and answer; statements and tables belong to the backends."""
    names = imported_names(_EMULATOR)
    modules = _modules(_EMULATOR)
    routers = [m for m in modules if m.startswith(_RESOURCES) and _is_router(m)]
    assert len(routers) >= 6
    for router in routers:
        assert not _executes_sql(modules[router]), router
        tables = {t for t in names[router] if t.endswith((".tables", ".schema"))}
        assert tables == set(), router


def test_every_router_is_registered_by_the_app_factory() -> None:
    modules = _modules(_EMULATOR)
    routers = {m for m in modules if m.startswith(_RESOURCES) and _is_router(m)}
    assert routers <= imported_names(_EMULATOR)[f"{_EMULATOR}.server.app"]


def test_top_level_stays_small() -> None:
    """The package's top: public entry points and a handful of packages (docs/architecture.md)."""
    entries = [p.name for p in (ROOT / _EMULATOR).iterdir() if p.name != "__pycache__"]
    assert len(entries) <= 10, sorted(entries)
