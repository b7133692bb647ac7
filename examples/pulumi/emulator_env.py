"""Start a demo Terrateam emulator, print ``<url> <api key>`` and serve until killed.

Used by ``run_demo.sh`` when the Pulumi CLI runs the program against a local emulator.
"""

from __future__ import annotations

import signal
import sys

from terrateam_emulator import EmulatorSettings
from terrateam_emulator.testing import EmulatorServer


def main() -> None:
    """Serve until SIGTERM/SIGINT."""
    server = EmulatorServer(EmulatorSettings(seed="demo")).start()
    sys.stdout.write(f"{server.url} {server.api_key}\n")
    sys.stdout.flush()
    try:
        signal.sigwait({signal.SIGTERM, signal.SIGINT})
    finally:
        server.stop()


if __name__ == "__main__":
    main()
