"""``terrateam artifact``: push, pull, inspect and remove binary artifacts in the KV store.

Uses the core's artifact format (``docs/artifacts.md``): a push publishes atomically as its
last step, so Ctrl-C or a failure leaves the previous artifact intact; a pull replaces the
local file only after every checksum matched (exit 7 otherwise). Progress bars (bytes, rate,
ETA) are drawn on stderr when it is a terminal, never when piped.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from terrateam_core.cli._common import (
    InstallationOpt,
    OutputOpt,
    client_from_ctx,
    output_format,
    state_from_ctx,
)
from terrateam_core.cli._output import emit
from terrateam_core.cli.kv_options import ReadCapOpt, WriteCapOpt, parse_caps

__all__ = ["app", "parse_size"]

app = typer.Typer(
    name="artifact",
    help="Push and pull binary artifacts in the KV store.",
    no_args_is_help=True,
)

KeyArg = Annotated[str, typer.Argument(help="The artifact's KV key.")]
_COLUMNS = [
    ("key", "key"),
    ("size", "size"),
    ("sha256", "sha256"),
    ("chunks", "chunks"),
    ("chunk_size", "chunk size"),
    ("content_type", "content type"),
    ("layout", "layout"),
    ("generation", "generation"),
]
_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "kib": 1024, "m": 10**6, "mb": 10**6}
_UNITS.update({"mib": 1024**2, "g": 10**9, "gb": 10**9, "gib": 1024**3})


def parse_size(text: str) -> int:
    """Parse ``1048576``, ``256KiB``, ``1MiB``, ``2MB`` into bytes."""
    match = re.fullmatch(r"\s*(\d+)\s*([a-zA-Z]*)\s*", text)
    if not match or match.group(2).lower() not in _UNITS:
        raise typer.BadParameter(f"{text!r} is not a size such as 1MiB or 262144")
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


@contextmanager
def _progress(label: str, *, no_color: bool) -> Iterator[Callable[[int, int | None], None] | None]:
    """A Rich progress bar on stderr when it is a terminal; ``None`` (no bar) otherwise."""
    if not _isatty(sys.stderr):
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    console = Console(file=sys.stderr, no_color=no_color)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        yield update


@app.command("push")
def push(
    ctx: typer.Context,
    key: KeyArg,
    file: Annotated[Path, typer.Argument(help="File to upload.", exists=True, dir_okay=False)],
    chunk_size: Annotated[
        str, typer.Option("--chunk-size", help="Raw bytes per chunk (e.g. 256KiB, 4MiB).")
    ] = "1MiB",
    content_type: Annotated[
        str | None, typer.Option("--content-type", help="Media type recorded in the manifest.")
    ] = None,
    read_cap: ReadCapOpt = None,
    write_cap: WriteCapOpt = None,
    output: OutputOpt = None,
    installation_id: InstallationOpt = None,
) -> None:
    """Upload FILE as the artifact KEY.

    Atomic: readers see the old or the new artifact, never a mix.
    """
    size = parse_size(chunk_size)
    client = client_from_ctx(ctx, installation_id=installation_id)
    with _progress(f"push {key}", no_color=state_from_ctx(ctx).no_color) as progress:
        info = client.artifacts.put(
            key,
            file,
            chunk_size=size,
            content_type=content_type,
            progress=progress,
            read_caps=parse_caps(read_cap),
            write_caps=parse_caps(write_cap),
        )
    emit(info, output_format(output), columns=_COLUMNS)


@app.command("pull")
def pull(
    ctx: typer.Context,
    key: KeyArg,
    file: Annotated[Path, typer.Argument(help="Where to write it (replaced atomically).")],
    output: OutputOpt = None,
    installation_id: InstallationOpt = None,
) -> None:
    """Download the artifact KEY to FILE; exit 7 when a checksum does not match."""
    client = client_from_ctx(ctx, installation_id=installation_id)
    with _progress(f"pull {key}", no_color=state_from_ctx(ctx).no_color) as progress:
        info = client.artifacts.get(key, file, progress=progress)
    emit(info, output_format(output), columns=_COLUMNS)


@app.command("info")
def info(
    ctx: typer.Context,
    key: KeyArg,
    output: OutputOpt = None,
    installation_id: InstallationOpt = None,
) -> None:
    """Show the artifact's size, sha256, chunking and layout."""
    emit(
        client_from_ctx(ctx, installation_id=installation_id).artifacts.info(key),
        output_format(output),
        columns=_COLUMNS,
    )


@app.command("rm")
def rm(ctx: typer.Context, key: KeyArg, installation_id: InstallationOpt = None) -> None:
    """Delete the artifact KEY (pointer, then chunks); exit 3 when there is none."""
    if not client_from_ctx(ctx, installation_id=installation_id).artifacts.delete(key):
        sys.stderr.write(f"terrateam: no artifact at {key!r}\n")
        raise typer.Exit(3)
