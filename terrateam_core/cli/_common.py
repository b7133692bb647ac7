"""Global options, the shared client factory and the root group's error handling.

The root callback stores the global options in a ``CliState`` on the Typer
context; every command builds its client with ``client_from_ctx(ctx)``. Nothing
heavy is imported at module level: ``terrateam --help`` and ``kv get`` must start fast.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, TypedDict, TypeVar

import typer
from typer.core import TyperGroup

from terrateam_core._version import __version__
from terrateam_core.cli import _errors
from terrateam_core.cli._output import OutputFormat, resolve_format

if TYPE_CHECKING:
    from terrateam_core import TerrateamClient

__all__ = [
    "CliState",
    "InstallationOpt",
    "LimitOpt",
    "OutputOpt",
    "RootGroup",
    "client_from_ctx",
    "new_app",
    "output_format",
    "page_args",
    "root_callback",
    "state_from_ctx",
    "take",
]

USER_AGENT = f"terrateam-cli/{__version__}"
VCS_CHOICES = ("github", "gitlab")
T = TypeVar("T")

OutputOpt = Annotated[
    OutputFormat | None,
    typer.Option(
        "--output",
        "-o",
        metavar="table|json|yaml",
        help="Output format [env: TERRATEAM_OUTPUT; default: table on a terminal, json when "
        "piped].",
        show_default=False,
    ),
]

InstallationOpt = Annotated[
    str | None,
    typer.Option(
        "--installation-id",
        "-i",
        metavar="ID",
        help="Installation to act on [env: TERRATEAM_INSTALLATION_ID].",
        show_default=False,
    ),
]
"""``-i/--installation-id`` on every per-installation command (as under ``kv``); a text
option so a bad value gets the core's message naming the flag, not a parser's."""

LimitOpt = Annotated[
    int,
    typer.Option(
        "--limit", "-n", min=0, metavar="N", help="At most this many items (0: no limit)."
    ),
]


def take(items: Iterable[T], limit: int) -> list[T]:
    """The first *limit* items (all of them when *limit* is 0), fetching no further page."""
    if limit <= 0:
        return list(items)
    return list(itertools.islice(items, limit))


class PageArgs(TypedDict):
    """Paginator keyword arguments derived from ``--limit``."""

    limit: int
    max_items: int | None


def page_args(limit: int) -> PageArgs:
    """Paginator arguments for ``--limit``: big pages (the server caps them at 100) and a
    total of *limit* items (0: all)."""
    return {"limit": min(limit, 100) if limit > 0 else 100, "max_items": limit or None}


@dataclasses.dataclass
class CliState:
    """The global options of one invocation (``ctx.obj`` of the root context)."""

    profile: str | None = None
    base_url: str | None = None
    vcs: str | None = None
    installation_id: str | None = None
    debug: bool = False
    no_color: bool = False
    token_cache: bool = True

    def client_kwargs(self) -> dict[str, Any]:
        """Arguments for ``TerrateamClient``: only what was given explicitly, so the
        core applies its own precedence (env > profile > default) to the rest."""
        kwargs: dict[str, Any] = {}
        for name in ("profile", "base_url", "vcs", "installation_id"):
            value = getattr(self, name)
            if value is not None:
                kwargs[name] = value
        return kwargs


def new_app(help: str | None = None, **kwargs: Any) -> typer.Typer:
    """A Typer (sub-)app with the CLI's conventions: plain click help (Rich help would
    import Rich on every ``--help``), no Rich tracebacks (errors go through
    ``RootGroup``), and help instead of an error when a group is called bare."""
    kwargs.setdefault("no_args_is_help", help is not None)
    return typer.Typer(help=help, rich_markup_mode=None, pretty_exceptions_enable=False, **kwargs)


def state_from_ctx(ctx: typer.Context) -> CliState:
    """Return the invocation's ``CliState`` (a default one outside the root group)."""
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


def output_format(output: OutputFormat | None) -> OutputFormat:
    """Resolve ``-o`` (table on a TTY, JSON when piped)."""
    return resolve_format(output)


_FALSE = frozenset({"0", "false", "no", "off"})


def token_cache_enabled(state: CliState) -> bool:
    """The access-token cache is on unless ``--no-token-cache`` or ``TERRATEAM_TOKEN_CACHE=0``."""
    env = os.environ.get("TERRATEAM_TOKEN_CACHE", "").strip().lower()
    return state.token_cache and env not in _FALSE


def client_from_ctx(
    ctx: typer.Context, *, shared_token: bool = True, **overrides: Any
) -> TerrateamClient:
    """Build a ``TerrateamClient`` from the global options; it closes with the command.

    With *shared_token* (the default) the client reads and writes the access-token cache
    (:mod:`terrateam_core.token_cache`), so a CLI call costs one request, not two.
    """
    from terrateam_core import TerrateamClient

    state = state_from_ctx(ctx)
    kwargs = state.client_kwargs()
    kwargs.update({k: v for k, v in overrides.items() if v is not None})
    if shared_token and token_cache_enabled(state):
        from terrateam_core.token_cache import TokenCache

        kwargs["token_cache"] = TokenCache()
    client = TerrateamClient(user_agent_extra=(USER_AGENT,), **kwargs)
    ctx.find_root().call_on_close(client.close)
    if client.auth.uses_api_key and not state.debug:  # --debug shows the core's log line
        from terrateam_core._client_common import plain_http_warning

        warning = plain_http_warning(client.base_url)
        if warning:
            print(f"terrateam: warning: {warning}", file=sys.stderr)
    return client


def _version_callback(value: bool) -> None:
    if value:
        sys.stdout.write(f"terrateam {__version__}\n")
        raise typer.Exit()


def _vcs_callback(value: str | None) -> str | None:
    if value is not None and value not in VCS_CHOICES:
        raise typer.BadParameter(f"must be one of {', '.join(VCS_CHOICES)}")
    return value


def root_callback(
    ctx: typer.Context,
    profile: Annotated[
        str | None,
        typer.Option(metavar="NAME", help="Profile in the config file [env: TERRATEAM_PROFILE]."),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            "--api-base",
            metavar="URL",
            help="Terrateam server root, without /api [env: TERRATEAM_BASE_URL].",
        ),
    ] = None,
    vcs: Annotated[
        str | None,
        typer.Option(metavar="github|gitlab", help="[env: TERRATEAM_VCS]", callback=_vcs_callback),
    ] = None,
    installation_id: Annotated[
        str | None,
        typer.Option(
            "--installation-id",
            "-i",
            metavar="ID",
            help="Default installation [env: TERRATEAM_INSTALLATION_ID].",
        ),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="Log requests (secrets redacted) and tracebacks.")
    ] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="Disable colour.")] = False,
    no_token_cache: Annotated[
        bool,
        typer.Option(
            "--no-token-cache",
            help="Do not reuse or store access tokens between calls "
            "[env: TERRATEAM_TOKEN_CACHE=0].",
        ),
    ] = False,
    no_trunc: Annotated[
        bool,
        typer.Option("--no-trunc", help="Fold long table cells instead of cutting them with …."),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Drive Terrateam from CI and the terminal.

    Exit codes: 0 ok, 1 usage, 2 auth, 3 not found, 4 conflict, 5 API/server,
    6 timeout, 7 checksum, 8 run or task failed.
    """
    state = state_from_ctx(ctx)
    state.profile, state.base_url, state.vcs = profile, base_url, vcs
    state.installation_id, state.debug, state.no_color = installation_id, debug, no_color
    state.token_cache = not no_token_cache
    if no_trunc:
        from terrateam_core.cli._output import set_no_trunc

        set_no_trunc(True)
    if debug:
        from terrateam_core import set_debug_logging

        set_debug_logging()


def _usage_error_type() -> type[Exception]:
    """The base class of the parser's own errors (click's ``ClickException``).

    Typer re-exports ``BadParameter``, a ``ClickException``: click's before Typer 0.26,
    Typer's bundled copy of click since. Taking the base from that public name works with
    both and imports neither click nor a private Typer module.
    """
    for cls in typer.BadParameter.__mro__:
        if cls.__name__ == "ClickException":
            return cls
    return typer.BadParameter  # pragma: no cover - every Typer has the base above


class RootGroup(TyperGroup):
    """The root command group: maps errors to exit codes in one place; help in words.

    Click exits 2 on a usage error; our contract says 1 (2 means auth), and every
    uncaught core error must become one line plus a hint rather than a traceback.
    """

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        from terrateam_core.cli._help import word_metavars

        return word_metavars(super().get_command(ctx, cmd_name), (cmd_name,))

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        usage_error = _usage_error_type()
        state = extra.pop("obj", None)
        if not isinstance(state, CliState):
            state = CliState()
        if prog_name is None:
            prog_name = "terrateam"
        from terrateam_core.cli._signals import interruptible, signal_name

        stopped = None
        try:
            with interruptible() as stopped:  # SIGTERM/SIGHUP clean up like Ctrl-C
                rv = super().main(
                    args=args,
                    prog_name=prog_name,
                    complete_var=complete_var,
                    standalone_mode=False,
                    obj=state,
                    **extra,
                )
            code = rv if isinstance(rv, int) else 0
        except usage_error as exc:
            # Usage errors (and --help on a bare group) exit 1, not click's 2.
            exc.show()  # type: ignore[attr-defined]
            code = _errors.EXIT_USAGE
        except typer.Abort:
            print("terrateam: aborted", file=sys.stderr)
            code = _errors.EXIT_INTERRUPTED
        except typer.Exit as exc:
            code = exc.exit_code
        except Exception as exc:
            code = _errors.report_error(exc, debug=state.debug)
        except KeyboardInterrupt as exc:
            code = _errors.report_error(exc, debug=state.debug)
        if stopped is not None and stopped.signum is not None:
            print(f"terrateam: interrupted ({signal_name(stopped.signum)})", file=sys.stderr)
            code = stopped.exit_code(code)
        if not standalone_mode:
            return code
        sys.exit(code)
