"""Options and helpers shared by the ``terrateam kv`` commands (docs/contract.md §11.1).

Every ``ttm kv`` leaf option is accepted after the subcommand, as ttm takes them
(``--api-base``, ``--vcs``, ``-i``, ``-v``/``-q``/``--verbosity``/``--loggers``), and overrides
the root group's ``--base-url``/``--vcs``/``--installation-id``. That set is declared once,
here: a command decorated with ``@kv_flags`` takes one ``flags: KvFlags`` parameter and gets
the seven options appended to its command line (after its own, in the order below).
"""

from __future__ import annotations

import enum
import functools
import inspect
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from terrateam_core.cli._common import client_from_ctx, state_from_ctx

if TYPE_CHECKING:
    from terrateam_core import TerrateamClient

__all__ = [
    "ApiBaseOpt",
    "DraftOpt",
    "FileOpt",
    "IdxOpt",
    "InstallationOpt",
    "JsonOpt",
    "KvFlags",
    "LoggersOpt",
    "OutputKind",
    "QuietOpt",
    "ReadCapOpt",
    "SelectOpt",
    "VcsOpt",
    "VerboseOpt",
    "VerbosityOpt",
    "WriteCapOpt",
    "kv_client",
    "kv_flags",
    "parse_caps",
    "print_json",
    "read_value",
    "record_json",
]


class OutputKind(enum.StrEnum):
    """``-o data|record`` (ttm): the stored value, or the whole record."""

    data = "data"
    record = "record"


ApiBaseOpt = Annotated[
    str | None,
    typer.Option(
        "--api-base",
        "--base-url",
        metavar="URL",
        help="Server root without /api (as ttm) [env: TERRATEAM_BASE_URL].",
        show_default=False,
    ),
]
VcsOpt = Annotated[
    str | None, typer.Option("--vcs", metavar="github|gitlab", help="[env: TERRATEAM_VCS]")
]
InstallationOpt = Annotated[
    str | None,
    typer.Option(
        "-i",
        "--installation-id",
        metavar="ID",
        help="Installation id [env: TERRATEAM_INSTALLATION_ID].",
        show_default=False,
    ),
]
VerboseOpt = Annotated[
    int, typer.Option("-v", "--verbose", count=True, help="Log requests on stderr (-vv: debug).")
]
QuietOpt = Annotated[bool, typer.Option("-q", "--quiet", help="No logging at all.")]
VerbosityOpt = Annotated[
    str | None,
    typer.Option(
        "--verbosity",
        metavar="quiet|error|warning|info|debug",
        help="Log level on stderr.",
        show_default=False,
    ),
]
LoggersOpt = Annotated[
    str | None,
    typer.Option(
        "--loggers",
        metavar="NAMES",
        help="Accepted for ttm compatibility (ignored).",
        show_default=False,
    ),
]
DraftOpt = Annotated[
    bool,
    typer.Option("-d", "--draft", help="Readers: include uncommitted rows. Writers: uncommitted."),
]
IdxOpt = Annotated[int | None, typer.Option("--idx", help="Slot index.", show_default=False)]
SelectOpt = Annotated[
    list[str] | None,
    typer.Option(
        "-s",
        "--select",
        metavar="NAME=PATH",
        help="Project a part of the value (repeatable).",
        show_default=False,
    ),
]
ReadCapOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--read-cap",
        metavar="CAP",
        help="Capability a reader needs: name or JSON object.",
        show_default=False,
    ),
]
WriteCapOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--write-cap",
        metavar="CAP",
        help="Capability a writer needs: name or JSON object.",
        show_default=False,
    ),
]
JsonOpt = Annotated[
    str | None,
    typer.Option(
        "--json",
        metavar="TEXT",
        help="The value as JSON text (instead of stdin).",
        show_default=False,
    ),
]
FileOpt = Annotated[
    Path | None,
    typer.Option(
        "--file",
        help="Read the JSON value from a file.",
        exists=True,
        dir_okay=False,
        show_default=False,
    ),
]

_LEVELS = {"quiet": None, "error": 40, "warning": 30, "info": 20, "debug": 10}


@dataclass(frozen=True)
class KvFlags:
    """ttm's connection and logging flags, as given after a ``kv`` subcommand."""

    api_base: ApiBaseOpt = None
    vcs: VcsOpt = None
    installation_id: InstallationOpt = None
    verbose: VerboseOpt = 0
    quiet: QuietOpt = False
    verbosity: VerbosityOpt = None
    loggers: LoggersOpt = None  # accepted for ttm compatibility, ignored

    def client(self, ctx: typer.Context) -> TerrateamClient:
        """The client for these flags over the root group's options; sets up logging."""
        return kv_client(
            ctx,
            self.api_base,
            self.vcs,
            self.installation_id,
            verbose=self.verbose,
            quiet=self.quiet,
            verbosity=self.verbosity,
        )


@functools.cache
def _flag_parameters() -> tuple[inspect.Parameter, ...]:
    """``KvFlags``' fields as keyword parameters, each with its ``Annotated`` option."""
    hints = inspect.get_annotations(KvFlags, eval_str=True)
    return tuple(
        inspect.Parameter(
            f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default, annotation=hints[f.name]
        )
        for f in fields(KvFlags)
    )


def kv_flags(command: Callable[..., None]) -> Callable[..., None]:
    """Give a ``kv`` command ttm's seven shared flags, declared once in ``KvFlags``.

    The command declares ``flags: KvFlags`` (keyword-only); Typer sees that parameter replaced
    by the seven options, appended after the command's own, and the command receives them
    back as one ``KvFlags``.
    """
    signature = inspect.signature(command, eval_str=True)
    own = [p for name, p in signature.parameters.items() if name != "flags"]
    if len(own) == len(signature.parameters):
        raise TypeError(f"{command.__name__} must take a `flags: KvFlags` parameter")
    names = [f.name for f in fields(KvFlags)]

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        flags = KvFlags(**{name: kwargs.pop(name) for name in names if name in kwargs})
        command(*args, flags=flags, **kwargs)

    params = [*own, *_flag_parameters()]
    # Typer reads the signature (annotations already evaluated) and the type hints; through
    # __dict__ because a function's type has no __signature__ attribute to assign.
    wrapper.__dict__["__signature__"] = signature.replace(parameters=params)
    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    wrapper.__annotations__["return"] = signature.return_annotation
    return wrapper


def kv_client(
    ctx: typer.Context,
    api_base: str | None,
    vcs: str | None,
    installation_id: str | None,
    *,
    verbose: int = 0,
    quiet: bool = False,
    verbosity: str | None = None,
) -> TerrateamClient:
    """Build the client from the leaf options (over the global ones) and set up logging."""
    if vcs is not None and vcs not in ("github", "gitlab"):
        raise typer.BadParameter("must be github or gitlab", param_hint="--vcs")
    if verbosity is not None and verbosity not in _LEVELS:
        raise typer.BadParameter(f"must be one of {', '.join(_LEVELS)}", param_hint="--verbosity")
    level = _LEVELS.get(verbosity) if verbosity else None
    if verbose and not quiet:
        level = 20 if verbose == 1 else 10
    # --debug on the root already attached the redacting handler.
    if level is not None and level <= 20 and not state_from_ctx(ctx).debug:
        _log_to_stderr(ctx, level)
    return client_from_ctx(
        ctx,
        base_url=api_base.rstrip("/") if api_base else None,
        vcs=vcs,
        installation_id=installation_id,
    )


def _log_to_stderr(ctx: typer.Context, level: int) -> None:
    """Attach the core's redacting stderr handler for this command only."""
    import logging

    from terrateam_core import set_debug_logging

    logger = logging.getLogger("terrateam_core")
    previous = logger.level
    handler = set_debug_logging(level)

    def detach() -> None:
        logger.removeHandler(handler)
        logger.setLevel(previous)

    ctx.call_on_close(detach)


def parse_caps(values: list[str] | None) -> list[Any] | None:
    """Parse ``--read-cap``/``--write-cap`` values (bare names or JSON objects, as ttm)."""
    if not values:
        return None  # ttm never sends an empty list
    from terrateam_core.models import parse_capability

    caps: list[Any] = []
    for value in values:
        try:
            caps.append(parse_capability(value))
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--read-cap/--write-cap") from None
    return caps


def read_value(json_text: str | None, file: Path | None) -> Any:
    """The value for set/cas: ``--json``, ``--file``, or all of stdin (ttm's way)."""
    if json_text is not None and file is not None:
        raise typer.BadParameter("give --json or --file, not both")
    if json_text is not None:
        text = json_text
    elif file is not None:
        text = file.read_text(encoding="utf-8")
    else:
        if sys.stdin.isatty():
            # Reading stdin is ttm's way, but a silent wait on a terminal looks like a hang.
            sys.stderr.write(
                "reading the JSON value from stdin; type it and press Ctrl-D "
                "(or pass --json TEXT / --file PATH)\n"
            )
        text = sys.stdin.read()
    try:
        return json.loads(text)
    except ValueError as exc:
        # ttm's message, on stderr; then the usage exit code.
        sys.stderr.write(f"Error parsing data: {exc}\n")
        raise typer.Exit(1) from None


def print_json(value: Any) -> None:
    """Print one JSON value, pretty, on stdout (kv output is always JSON)."""
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def record_json(record: Any, *, data: Any = ...) -> dict[str, Any]:
    """A record in ttm's field order; ``data`` replaces the server's ``null`` after set/cas."""
    # The value is already plain JSON (parsed from the response): pydantic's serializer would
    # stop at a fixed depth ("Maximum serialization depth exceeded") on a deeply nested one.
    dumped = record.model_dump(mode="json", exclude={"data"})
    created = record.created_at
    if created is not None:
        created = created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "committed": record.committed,
        "created_at": created,
        "data": record.data if data is ... else data,
        "idx": record.idx,
        "key": record.key,
        "size": record.size,
        "version": record.version,
        "read_caps": dumped.get("read_caps"),
        "write_caps": dumped.get("write_caps"),
    }
