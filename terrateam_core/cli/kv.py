"""``terrateam kv``: a drop-in superset of ``ttm kv`` (docs/contract.md §11.1-§11.3).

Every ttm command, argument, flag and default works the same, so a runner script written for
``ttm`` works by renaming the command. Beyond ttm: ``ls``, ``count``, ``size``, ``--json`` and
``--file`` values, distinct exit codes and logs on stderr (``docs/ttm-compat.md``), and batch
reads for CI loops: ``get K1 K2 …`` and ``export --prefix P``.
"""

from __future__ import annotations

import contextlib
import enum
import sys
from collections.abc import Iterator
from typing import Annotated, Any

import typer

from terrateam_core.cli.kv_export import ExportError, ExportFormat, render
from terrateam_core.cli.kv_options import (
    DraftOpt,
    FileOpt,
    IdxOpt,
    JsonOpt,
    KvFlags,
    OutputKind,
    ReadCapOpt,
    SelectOpt,
    WriteCapOpt,
    kv_flags,
    parse_caps,
    print_json,
    read_value,
    record_json,
)

__all__ = ["app", "parse_commit_item"]

app = typer.Typer(
    name="kv",
    help="Terrateam KV store (a drop-in superset of `ttm kv`).",
    no_args_is_help=True,
)

OutputOpt = Annotated[
    OutputKind,
    typer.Option(
        "-o", "--output", metavar="data|record", help="data (the value) or record (JSON)."
    ),
]
KeyArg = Annotated[str, typer.Argument(help="The key.")]
ARTIFACT_GENERATION_MARK = "/.gen/"
UPLOAD_FLAG_SUFFIX = "/.incomplete"  # set while a ttm-layout upload runs (docs/ttm-compat.md)
TTM_ITER_LIMIT = 30  # the server's default page when ttm sends no --limit


def _render(record: Any, output: OutputKind, *, data: Any = ...) -> Any:
    full = record_json(record, data=data)
    return full if output is OutputKind.record else full["data"]


@app.command("get")
@kv_flags
def get(
    ctx: typer.Context,
    key: Annotated[list[str], typer.Argument(help="The key; several keys: read them all.")],
    draft: DraftOpt = False,
    idx: IdxOpt = None,
    select: SelectOpt = None,
    output: OutputOpt = OutputKind.data,
    *,
    flags: KvFlags,
) -> None:
    """Print the value (or record) at KEY; exit 3 when it is missing or hidden.

    With several keys (one token, one request per key): a JSON object key → value, or with
    -o record a JSON array of the records in order; nothing is printed unless every key is
    found.
    """
    client = flags.client(ctx)
    keys = list(dict.fromkeys(key))  # a key named twice is read once
    selected = _select(select)
    with explain_select(select):
        records = [
            client.kv.get(k, idx=idx or 0, committed=not draft, select=selected) for k in keys
        ]
    if len(key) == 1:
        print_json(_render(records[0], output))
    elif output is OutputKind.record:
        print_json([_render(r, output) for r in records])
    else:
        print_json({k: _render(r, output) for k, r in zip(keys, records, strict=True)})


@app.command("export")
@kv_flags
def export(
    ctx: typer.Context,
    prefix: Annotated[
        str,
        typer.Option(
            "--prefix", "-p", metavar="PREFIX", help="Keys starting with this ('' for all)."
        ),
    ],
    fmt: Annotated[
        ExportFormat,
        typer.Option("--format", "-o", "--output", help="env (export lines), dotenv or json."),
    ] = ExportFormat.env,
    draft: DraftOpt = False,
    *,
    flags: KvFlags,
) -> None:
    """Print the keys under PREFIX as env, dotenv or JSON text.

    Shell export lines, a .env file or one JSON object. Slot 0 of each key, in key order;
    artifact internals are left out. Names: the key without PREFIX, upper-cased, other
    characters as _ (docs/cli.md).
    """
    client = flags.client(ctx)
    records = client.kv.iter(prefix, prefix=True, committed=not draft)
    items = [
        (r.key, r.data)
        for r in records
        if r.idx == 0
        and ARTIFACT_GENERATION_MARK not in r.key
        and not r.key.endswith(UPLOAD_FLAG_SUFFIX)
    ]
    try:
        text = render(items, prefix, fmt)
    except ExportError as exc:
        raise typer.BadParameter(str(exc), param_hint="--prefix") from None
    sys.stdout.write(text)
    sys.stdout.flush()


@contextlib.contextmanager
def explain_select(select: list[str] | None) -> Iterator[None]:
    """Attach a hint to the server's 500 for a ``--select``: Terrateam answers every
    non-empty select with 500 (docs/contract.md §4.7), which alone looks like an outage."""
    try:
        yield
    except Exception as exc:
        if select and any(select) and getattr(exc, "status_code", None) == 500:
            exc.cli_hint = (  # type: ignore[attr-defined]
                "Terrateam's server answers 500 to any non-empty --select (a known server "
                "defect, mirrored by the emulator); leave --select out and filter the value "
                "locally, e.g. `| jq .env`"
            )
        raise


def _select(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    for value in values:
        if value and "=" not in value:
            raise typer.BadParameter(f"{value!r} is not NAME=PATH", param_hint="--select")
    return values


@app.command("set")
@kv_flags
def set_(
    ctx: typer.Context,
    key: KeyArg,
    read_cap: ReadCapOpt = None,
    write_cap: WriteCapOpt = None,
    draft: DraftOpt = False,
    idx: IdxOpt = None,
    output: OutputOpt = OutputKind.data,
    json_text: JsonOpt = None,
    file: FileOpt = None,
    *,
    flags: KvFlags,
) -> None:
    """Store one JSON value at KEY (an upsert).

    The value comes from stdin, --json or --file.
    """
    value = read_value(json_text, file)
    client = flags.client(ctx)
    record = client.kv.set(
        key,
        value,
        idx=idx or 0,
        committed=not draft,
        read_caps=parse_caps(read_cap),
        write_caps=parse_caps(write_cap),
    )
    print_json(_render(record, output, data=value))


@app.command("cas")
@kv_flags
def cas(
    ctx: typer.Context,
    key: KeyArg,
    read_cap: ReadCapOpt = None,
    write_cap: WriteCapOpt = None,
    draft: DraftOpt = False,
    idx: IdxOpt = None,
    version: Annotated[
        int | None,
        typer.Option("--version", help="Expected version; without it: create only if absent."),
    ] = None,
    output: OutputOpt = OutputKind.data,
    json_text: JsonOpt = None,
    file: FileOpt = None,
    *,
    flags: KvFlags,
) -> None:
    """Compare-and-swap one JSON value at KEY; exit 4 on a conflict."""
    value = read_value(json_text, file)
    client = flags.client(ctx)
    record = client.kv.cas(
        key,
        value,
        version=version,
        idx=idx or 0,
        committed=not draft,
        read_caps=parse_caps(read_cap),
        write_caps=parse_caps(write_cap),
    )
    print_json(_render(record, output, data=value))


@app.command("iter")
@kv_flags
def iter_(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Start key ('' for the beginning).")],
    draft: DraftOpt = False,
    idx: IdxOpt = None,
    prefix: Annotated[
        bool, typer.Option("-p", "--prefix", help="Only keys starting with KEY.")
    ] = False,
    exclusive: Annotated[
        bool, typer.Option("--exclusive", help="Start strictly after KEY.")
    ] = False,
    select: SelectOpt = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", min=0, help="Maximum rows [default: 30, as the server]."),
    ] = None,
    output: OutputOpt = OutputKind.data,
    *,
    flags: KvFlags,
) -> None:
    """Print values (or records) from KEY on, as a JSON array.

    In (key, idx) order.
    """
    client = flags.client(ctx)
    count = TTM_ITER_LIMIT if limit is None else limit
    records = (
        client.kv.iter(
            key,
            prefix=prefix,
            idx=idx,
            inclusive=not exclusive,
            committed=not draft,
            select=_select(select),
            limit=count,
        )
        if count
        else []
    )
    with explain_select(select):
        print_json([_render(r, output) for r in records])


class LsOutput(enum.StrEnum):
    """``kv ls -o``: distinct keys, or full records."""

    keys = "keys"
    record = "record"


@app.command("ls")
@kv_flags
def ls(
    ctx: typer.Context,
    prefix: Annotated[str, typer.Argument(help="Key prefix ('' for every key).")] = "",
    draft: DraftOpt = False,
    limit: Annotated[int, typer.Option("--limit", min=0, help="At most N rows (0: all).")] = 0,
    output: Annotated[
        LsOutput, typer.Option("-o", "--output", help="keys (distinct keys) or record.")
    ] = LsOutput.keys,
    show_all: Annotated[
        bool,
        typer.Option("--all", "-a", help="Also list artifact internals (.gen/, .incomplete)."),
    ] = False,
    *,
    flags: KvFlags,
) -> None:
    """List every key under PREFIX.

    Pages past the server's one-page limit; artifact chunk keys only with --all.
    """
    client = flags.client(ctx)
    records = client.kv.iter(prefix, prefix=True, committed=not draft, limit=limit or None)
    if not show_all:
        # An artifact is one thing to its user: its manifest key. The generations that
        # hold its chunks are internals (docs/artifacts.md) and would flood the listing.
        records = (
            r
            for r in records
            if ARTIFACT_GENERATION_MARK not in r.key and not r.key.endswith(UPLOAD_FLAG_SUFFIX)
        )
    if output is LsOutput.record:
        print_json([record_json(r) for r in records])
        return
    keys: list[str] = []
    for record in records:
        if not keys or keys[-1] != record.key:
            keys.append(record.key)
    print_json(keys)


@app.command("count")
@kv_flags
def count(
    ctx: typer.Context,
    key: KeyArg,
    draft: DraftOpt = False,
    *,
    flags: KvFlags,
) -> None:
    """Count the slots of exactly KEY.

    Prints {"count", "max_idx"} (0 and null when none).
    """
    client = flags.client(ctx)
    result = client.kv.count(key, committed=not draft)
    print_json({"count": result.count, "max_idx": result.max_idx})


@app.command("size")
@kv_flags
def size(
    ctx: typer.Context,
    key: KeyArg,
    draft: DraftOpt = False,
    idx: IdxOpt = None,
    *,
    flags: KvFlags,
) -> None:
    """Print {"size"}: the stored JSON text length of KEY's slots (0 when none)."""
    client = flags.client(ctx)
    print_json({"size": client.kv.size(key, idx=idx, committed=not draft)})


def parse_commit_item(item: str) -> tuple[str, int | None]:
    """Parse ttm's commit item: ``N:key`` (slot N), ``:key`` or ``key`` (every slot).

    Unlike ttm, a non-numeric text before the first ``:`` is an error, not silently dropped.
    """
    if ":" not in item:
        return item, None
    head, _, key = item.partition(":")
    if head == "":
        return key, None
    try:
        return key, int(head)
    except ValueError:
        raise typer.BadParameter(
            f"{item!r}: the text before ':' must be a slot number; write ':{item}' for a key "
            "containing ':'",
            param_hint="KEYS",
        ) from None


@app.command("commit")
@kv_flags
def commit(
    ctx: typer.Context,
    keys: Annotated[list[str] | None, typer.Argument(help="N:key, :key or key.")] = None,
    *,
    flags: KvFlags,
) -> None:
    """Commit draft rows; print the [{"key", "idx"}] rows actually flipped."""
    items = [parse_commit_item(k) for k in keys or []]
    client = flags.client(ctx)
    flipped = client.kv.commit(items)
    print_json([{"key": ref.key, "idx": ref.idx} for ref in flipped])


@app.command("delete")
@kv_flags
def delete(
    ctx: typer.Context,
    key: KeyArg,
    version: Annotated[int | None, typer.Option("--version", help="Only this version.")] = None,
    idx: Annotated[
        int | None, typer.Option("--idx", help="Only this slot [default: every slot].")
    ] = None,
    output: OutputOpt = OutputKind.data,
    *,
    flags: KvFlags,
) -> None:
    """Delete KEY (every slot unless --idx); exit 3 when nothing was deleted."""
    del output  # accepted and ignored, as ttm
    client = flags.client(ctx)
    if not client.kv.delete(key, idx=idx, version=version):
        sys.stderr.write(f"terrateam: nothing deleted at {key!r}\n")
        raise typer.Exit(3)


@app.command("cp")
@kv_flags
def cp(
    ctx: typer.Context,
    src: Annotated[str, typer.Argument(help="FILE or kv://KEY ('-': stdin).")],
    dst: Annotated[str, typer.Argument(help="kv://KEY or FILE ('-': stdout).")],
    read_cap: ReadCapOpt = None,
    write_cap: WriteCapOpt = None,
    draft: DraftOpt = False,
    layout: Annotated[
        str, typer.Option("--layout", help="Upload layout: ttm (as ttm) or generation.")
    ] = "ttm",
    *,
    flags: KvFlags,
) -> None:
    """Copy a file to or from the KV store (ttm's layout).

    Either layout is read.
    """
    from terrateam_core.cli.kv_cp import download, upload

    if src.startswith("kv://") == dst.startswith("kv://"):
        raise typer.BadParameter("exactly one of SRC and DST must be kv://KEY")
    if layout not in ("ttm", "generation"):
        raise typer.BadParameter("must be ttm or generation", param_hint="--layout")
    client = flags.client(ctx)
    if dst.startswith("kv://"):
        upload(
            client,
            src,
            dst[len("kv://") :],
            draft=draft,
            layout=layout,
            read_caps=parse_caps(read_cap),
            write_caps=parse_caps(write_cap),
        )
    else:
        download(client, src[len("kv://") :], dst, draft=draft)
