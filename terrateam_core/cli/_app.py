"""The root Typer app: lazy for the console script, eager for docs and tests.

CI calls ``terrateam`` hundreds of times, and building Typer's click tree for every group
and parameter costs more than most commands' work, so the console script's root group
(``_lazy.LazyRootGroup``) imports a command's module only when the command is looked up:
``terrateam kv get …`` imports and builds ``kv`` alone. The eager app (every group added up
front) serves the documentation checks that walk the whole command tree.
"""

from __future__ import annotations

import typer

from terrateam_core.cli._lazy import GROUPS, LazyRootGroup, add_group, new_root

__all__ = ["GROUPS", "build_app"]


def build_app(*, lazy: bool = False) -> typer.Typer:
    """The root app: every command group added now, or (*lazy*) each imported on lookup."""
    if lazy:
        return new_root(LazyRootGroup)
    app = new_root()
    added: set[str] = set()
    for module_name, group_name in GROUPS.values():
        if module_name not in added:
            added.add(module_name)
            add_group(app, module_name, group_name)
    return app
