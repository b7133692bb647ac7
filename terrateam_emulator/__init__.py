"""terrateam_emulator: a local, faithful Terrateam API server.

`create_app(settings)` builds the ASGI app; `terrateam-emulator serve` runs it; the pytest
plugin (`terrateam_emulator.pytest_plugin`) gives tests a running server.
"""

from __future__ import annotations

from terrateam_emulator.server.app import create_app
from terrateam_emulator.server.settings import EmulatorSettings

__all__ = ["EmulatorSettings", "create_app"]
