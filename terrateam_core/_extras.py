"""Optional extras: which one a missing module belongs to, and the one-line message saying so.

The base install is the client and the CLI; the emulator, the Pulumi provider, PNG charts and
the PostgreSQL backend need an extra (``pyproject.toml``). Every entry point that needs one
turns the ``ModuleNotFoundError`` into the same line: what needs it, and the pip command.
Importing this module costs nothing (no third-party import).
"""

from __future__ import annotations

__all__ = [
    "EXTRA_OF_MODULE",
    "MissingExtraError",
    "extra_of",
    "install_command",
    "missing_extra",
    "missing_extra_message",
]

DISTRIBUTION = "terrateam-toolkit"

EXTRA_OF_MODULE: dict[str, str] = {
    "fastapi": "emulator",
    "starlette": "emulator",
    "uvicorn": "emulator",
    "sqlalchemy": "emulator",
    "jwt": "emulator",
    "psycopg": "postgres",
    "pulumi": "pulumi",
    "dill": "pulumi",
    "grpc": "pulumi",
    "matplotlib": "charts",
    "ansible": "ansible",
}
"""Top-level module name → the extra that installs it."""


class MissingExtraError(ImportError):
    """An optional dependency is not installed; ``str()`` is one line naming the extra."""

    def __init__(self, what: str, extra: str, *, name: str | None = None, tip: str = "") -> None:
        super().__init__(missing_extra_message(what, extra, tip), name=name)
        self.what = what
        self.extra = extra


def install_command(extra: str) -> str:
    """The pip command that installs *extra*, quoted for a POSIX shell."""
    return f"pip install '{DISTRIBUTION}[{extra}]'"


def missing_extra_message(what: str, extra: str, tip: str = "") -> str:
    """``WHAT needs the EXTRA extra: pip install '...'`` (plus ``(TIP)``), one line."""
    line = f"{what} needs the {extra} extra: {install_command(extra)}"
    return f"{line} ({tip})" if tip else line


def extra_of(exc: ImportError) -> str | None:
    """The extra that provides the module *exc* failed to find (None: not an extra's)."""
    if not isinstance(exc, ModuleNotFoundError) or not exc.name:
        return None
    return EXTRA_OF_MODULE.get(exc.name.partition(".")[0])


def missing_extra(
    exc: ImportError, what: str, *, extra: str | None = None, tip: str = ""
) -> MissingExtraError | None:
    """The `MissingExtraError` for *exc*, or None when *exc* is not a missing extra.

    *extra* forces the extra when the failed import can only be that one's (say, ``import
    pulumi`` failing on one of pulumi's own dependencies); otherwise the missing module's
    name decides, so a genuine bug (a missing module of this package) still surfaces.
    """
    if not isinstance(exc, ModuleNotFoundError):
        return None
    chosen = extra or extra_of(exc)
    if chosen is None:
        return None
    return MissingExtraError(what, chosen, name=exc.name, tip=tip)
