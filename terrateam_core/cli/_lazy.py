"""The root group that imports a command's module only when the command is looked up.

Click's documented lazy-loading pattern (a group whose ``list_commands``/``get_command``
import the subcommand module on demand): ``terrateam kv get …`` imports ``kv`` alone, while
``--help`` and shell completion, which list every command, import every module.

A module is turned into click commands exactly as the eager app does it (``add_typer`` on
a root configured the same way), so help, metavars and examples do not depend on the path.
"""

from __future__ import annotations

import importlib
from typing import Any

import typer

from terrateam_core.cli._common import RootGroup, root_callback

__all__ = ["GROUPS", "LazyRootGroup", "add_group", "load_commands", "new_root"]

# command name -> (module under terrateam_core.cli, name given to add_typer or None when the
# module's commands sit at the top level). Order = order in `terrateam --help`.
GROUPS: dict[str, tuple[str, str | None]] = {
    "configure": ("auth", None),
    "whoami": ("auth", None),
    "token": ("auth", None),
    "auth": ("auth_status", "auth"),
    "config": ("config_cmd", "config"),
    "api-keys": ("api_keys", "api-keys"),
    "kv": ("kv", "kv"),
    "artifact": ("artifact", "artifact"),
    "secrets": ("secrets", "secrets"),
    "installations": ("installations", "installations"),
    "repos": ("repos", "repos"),
    "prs": ("prs", "prs"),
    "work-manifests": ("work_manifests", "work-manifests"),
    "runs": ("runs", "runs"),
    "dirspaces": ("dirspaces", "dirspaces"),
    "stacks": ("stacks", "stacks"),
    "tasks": ("tasks", "tasks"),
    "server": ("server", "server"),
    "report": ("report", None),
}


def new_root(cls: type[RootGroup] = RootGroup) -> typer.Typer:
    """The root Typer app, without command groups (the one place it is configured)."""
    return typer.Typer(
        name="terrateam",
        cls=cls,
        callback=root_callback,
        no_args_is_help=True,
        # Plain click help: Rich would cost start-up time on every --help.
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )


def add_group(app: typer.Typer, module_name: str, group_name: str | None) -> None:
    """Add the Typer app of ``terrateam_core.cli.<module_name>`` to *app*."""
    module = importlib.import_module(f"terrateam_core.cli.{module_name}")
    if group_name is None:
        app.add_typer(module.app)  # top-level commands (configure, whoami, token, report)
    else:
        app.add_typer(module.app, name=group_name)


def load_commands(module_name: str, group_name: str | None) -> dict[str, Any]:
    """The click commands one module adds under the root (name -> command), built on a
    root configured as the eager app's, so that they come out the same."""
    holder = new_root()
    add_group(holder, module_name, group_name)
    return dict(typer.main.get_group(holder).commands)


class LazyRootGroup(RootGroup):
    """``RootGroup`` whose commands are imported on first lookup (see the module doc)."""

    def list_commands(self, ctx: Any) -> list[str]:
        eager = [name for name in super().list_commands(ctx) if name not in GROUPS]
        return [*GROUPS, *eager]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        spec = GROUPS.get(cmd_name)
        if spec is not None and cmd_name not in self.commands:
            for name, command in load_commands(*spec).items():
                self.commands.setdefault(name, command)  # the module's siblings come along
        return super().get_command(ctx, cmd_name)  # RootGroup: help in words, examples
