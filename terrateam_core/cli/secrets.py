"""``terrateam secrets mask``: ttm's output-masking filter for CI logs (docs/contract.md §11.4)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from terrateam_core._mask import (
    Masker,
    mask_file_in_place,
    mask_stream,
    read_secrets_file,
)

__all__ = ["app"]

app = typer.Typer(
    name="secrets",
    help="Mask secrets in CI output (a drop-in for `ttm secrets mask`).",
    no_args_is_help=True,
)


@app.callback()
def _group() -> None:
    """Mask secrets in CI output (a drop-in for `ttm secrets mask`)."""


@app.command("mask")
def mask(
    secrets: Annotated[
        Path,
        typer.Option(
            "-s",
            "--secrets",
            help="File of secrets: '.x' starts a secret, '+x' continues it on a new line.",
            exists=True,
            dir_okay=False,
        ),
    ],
    file: Annotated[
        Path | None,
        typer.Argument(
            help="File to mask (default: stdin to stdout).", exists=True, dir_okay=False
        ),
    ] = None,
    unmask: Annotated[
        Path | None,
        typer.Option(
            "--unmask",
            help="File (same format) of strings that must stay readable.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    mask_text: Annotated[str, typer.Option("--mask", help="Replacement text.")] = "***",
    in_place: Annotated[
        bool, typer.Option("-i", "--in-place", help="Rewrite FILE instead of printing it.")
    ] = False,
    verbose: Annotated[
        int, typer.Option("-v", "--verbose", count=True, help="Accepted for ttm compatibility.")
    ] = 0,
    quiet: Annotated[
        bool, typer.Option("-q", "--quiet", help="Accepted for ttm compatibility.")
    ] = False,
    verbosity: Annotated[
        str | None, typer.Option("--verbosity", help="Accepted for ttm compatibility.")
    ] = None,
    loggers: Annotated[
        str | None, typer.Option("--loggers", help="Accepted for ttm compatibility.")
    ] = None,
) -> None:
    """Replace every secret in the text with the mask.

    Longest match first.

    Unlike ttm, a secret split across reads is still masked, and empty secrets are ignored.
    """
    del verbose, quiet, verbosity, loggers  # logging flags of ttm; nothing to log here
    masker = Masker(
        read_secrets_file(secrets),
        unmask=read_secrets_file(unmask) if unmask is not None else (),
        mask=mask_text.encode(),
    )
    if file is None:
        if in_place:
            typer.echo("warning: --in-place ignored when reading stdin", err=True)
        mask_stream(sys.stdin.buffer, sys.stdout.buffer, masker)
    elif in_place:
        mask_file_in_place(file, masker)
    else:
        with file.open("rb") as src:
            mask_stream(src, sys.stdout.buffer, masker)
