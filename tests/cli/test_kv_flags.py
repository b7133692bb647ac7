"""ttm's kv flags are declared once (``KvFlags``) and every ``kv`` command takes them, last
and in ttm's order; a command's values reach it as one ``KvFlags``."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import click
import pytest
import typer
from typer.testing import CliRunner

from terrateam_core.cli._app import build_app
from terrateam_core.cli.kv_options import KvFlags, kv_flags

FLAG_OPTS = [
    ["--api-base", "--base-url"],
    ["--vcs"],
    ["-i", "--installation-id"],
    ["-v", "--verbose"],
    ["-q", "--quiet"],
    ["--verbosity"],
    ["--loggers"],
]


def _kv_group() -> tuple[Any, click.Context]:
    root: Any = typer.main.get_command(build_app())
    ctx = click.Context(root)
    return root.get_command(ctx, "kv"), ctx


def test_every_kv_command_ends_with_the_flag_set() -> None:
    group, ctx = _kv_group()
    names = group.list_commands(ctx)
    assert len(names) >= 11
    for name in names:
        command = group.get_command(ctx, name)
        assert command is not None
        options = [p.opts for p in command.params if p.opts[0].startswith("-")]
        assert options[-len(FLAG_OPTS) :] == FLAG_OPTS, name
        # Each flag once: a command never declares one of them itself as well.
        flat = [opt for opts in options for opt in opts]
        assert len(flat) == len(set(flat)), name


def test_flags_arrive_as_one_value() -> None:
    seen: list[KvFlags] = []
    app = typer.Typer()

    @app.command()
    @kv_flags
    def probe(key: str, *, flags: KvFlags) -> None:
        seen.append(flags)
        print(key)

    result = CliRunner().invoke(
        app, ["k1", "--api-base", "http://h", "-i", "7", "-vv", "--loggers", "x"]
    )
    assert result.exit_code == 0, result.output
    assert result.output == "k1\n"
    assert seen == [
        KvFlags(api_base="http://h", installation_id="7", verbose=2, loggers="x"),
    ]
    assert [f.name for f in fields(KvFlags)] == [
        "api_base",
        "vcs",
        "installation_id",
        "verbose",
        "quiet",
        "verbosity",
        "loggers",
    ]


def test_a_command_without_the_flags_parameter_is_refused() -> None:
    def plain(key: str) -> None:
        del key

    with pytest.raises(TypeError, match="flags: KvFlags"):
        kv_flags(plain)
