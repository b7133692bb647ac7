"""The ``terrateam`` command line: a thin Typer adapter over ``terrateam_core``.

One module per command group (``_lazy.GROUPS`` wires them onto the root app); global
options and error handling live in ``_common``. ``app`` is the complete Typer app
(built on first access); ``main()`` uses the lazy root, which imports only the module of
the command the command line names.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer

__all__ = ["app", "main"]

_full_app: typer.Typer | None = None


def __getattr__(name: str) -> Any:
    # PEP 562: `from terrateam_core.cli import app` builds the complete app lazily.
    global _full_app
    if name == "app":
        if _full_app is None:
            from terrateam_core.cli._app import build_app

            _full_app = build_app()
        return _full_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Entry point of the ``terrateam`` console script."""
    if "get" in sys.argv[1:]:
        # A plain `kv get` with a cached token needs neither Typer nor httpx nor pydantic.
        from terrateam_core.cli._fast_kv import try_kv_get

        code = try_kv_get(sys.argv[1:])
        if code is not None:
            sys.exit(code)
    from terrateam_core.cli._app import build_app

    build_app(lazy=True)(prog_name="terrateam")
