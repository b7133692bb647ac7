"""Start a demo Terrateam emulator, print ``<url> <api key>`` and serve until killed.

Used by ``run_demo.sh`` when the Pulumi CLI runs the program against a local emulator.
"""

from __future__ import annotations

import signal
import sys

from terrateam_emulator.testing import EmulatorAdmin, EmulatorServer

from terrateam_emulator import EmulatorSettings


def main() -> None:
    """Serve until SIGTERM/SIGINT."""
    server = EmulatorServer(EmulatorSettings(seed="demo")).start()
    minted = EmulatorAdmin(server.url).mint_api_key(
        "demo-dashboard", ["access_token_create", "kv_store_read", "kv_store_write"]
    )
    sys.stdout.write(f"{server.url} {minted.refresh_token}\n")
    sys.stdout.flush()
    try:
        signal.sigwait({signal.SIGTERM, signal.SIGINT})
    finally:
        server.stop()


if __name__ == "__main__":
    main()
