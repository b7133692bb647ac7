"""terrateam_emulator: a local, faithful Terrateam API server.

`create_app(settings)` builds the ASGI app; `terrateam-emulator serve` runs it; the pytest
plugin (`terrateam_emulator.pytest_plugin`) gives tests a running server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from terrateam_emulator.server.app import create_app
    from terrateam_emulator.server.settings import EmulatorSettings

__all__ = ["EmulatorSettings", "create_app"]


def __getattr__(name: str) -> Any:
    # Lazy (PEP 562): the pytest plugin and ``terrateam-emulator --help`` import this package,
    # and must load (and say which extra is missing) without FastAPI installed.
    if name == "create_app":
        from terrateam_emulator.server.app import create_app

        return create_app
    if name == "EmulatorSettings":
        from terrateam_emulator.server.settings import EmulatorSettings

        return EmulatorSettings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
