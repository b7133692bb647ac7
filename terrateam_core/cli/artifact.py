"""Placeholder for ``terrateam artifact`` (the artifacts engineer replaces this module)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Push and pull binary artifacts in the KV store.", no_args_is_help=True)
