"""Placeholder for ``terrateam kv`` (the artifacts engineer replaces this module)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Terrateam KV store (a superset of `ttm kv`).", no_args_is_help=True)
