"""The command-group registry and the builder of the root Typer app.

CI calls ``terrateam`` hundreds of times, and building Typer's click tree for every
group and parameter costs more than most commands' work, so ``main()`` builds the root
app with only the group the command line names (``terrateam kv get …`` imports and
builds ``kv`` alone). ``--help``, shell completion and anything unusual get everything.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence

import typer

from terrateam_core.cli._common import RootGroup, root_callback

__all__ = ["GROUPS", "build_app", "selected_group"]

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

# Root options that take a value (so the token after them is not the command name).
_VALUE_OPTIONS = frozenset(
    {"--profile", "--base-url", "--api-base", "--vcs", "--installation-id", "-i"}
)

_FLAG_OPTIONS = frozenset({"--debug", "--no-color", "--no-trunc", "--no-token-cache"})


def selected_group(args: Sequence[str]) -> str | None:
    """The command the arguments name; ``""`` for ``--version`` (no group needed);
    None when the whole app is needed."""
    if "_TERRATEAM_COMPLETE" in os.environ:
        return None
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in _VALUE_OPTIONS:
            skip = True
        elif arg == "--version":
            return ""  # eager: prints and exits before any command is looked up
        elif arg.startswith("-"):
            if arg.split("=", 1)[0] not in _VALUE_OPTIONS | _FLAG_OPTIONS:
                return None  # --help, completion options, typos: the full app
        else:
            return arg if arg in GROUPS else None
    return None


def build_app(only: str | None = None) -> typer.Typer:
    """The root app with every command group (*only* None), just the module serving the
    command *only*, or no group at all (*only* ``""``)."""
    app = typer.Typer(
        name="terrateam",
        cls=RootGroup,
        callback=root_callback,
        no_args_is_help=True,
        # Plain click help: Rich would cost start-up time on every --help.
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    wanted = GROUPS[only][0] if only else only
    added: set[str] = set()
    for module_name, group_name in GROUPS.values():
        if module_name in added or (wanted is not None and module_name != wanted):
            continue
        added.add(module_name)
        module = importlib.import_module(f"terrateam_core.cli.{module_name}")
        if group_name is None:
            app.add_typer(module.app)  # top-level commands (configure, whoami, token, report)
        else:
            app.add_typer(module.app, name=group_name)
    return app
