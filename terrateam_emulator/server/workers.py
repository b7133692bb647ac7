"""``serve --workers N``: several uvicorn worker processes on one PostgreSQL database.

The parent builds the app once (schema migrations, seed, signing key, demo key), then uvicorn's
supervisor spawns N processes that each call `app()` with the same settings. Nothing is kept in
process memory that the workers must agree on (see `server/shared.py`); per-process caches (verified
tokens, positive membership checks) are dropped when another worker announces a reset.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from dataclasses import asdict
from pathlib import Path
from typing import Any

from terrateam_emulator.server.changes import CHANGES_ENV, create_file
from terrateam_emulator.server.protocol import coalescing_h11_protocol
from terrateam_emulator.server.settings import EmulatorSettings

__all__ = ["Protocol", "app", "serve_workers"]

SETTINGS_ENV = "TERRATEAM_EMULATOR_WORKER_SETTINGS"
SIGNING_KEY_ENV = "TERRATEAM_EMULATOR_SIGNING_KEY"
DEV_TOKEN_ENV = "TERRATEAM_EMULATOR_DEV_TOKEN"

# uvicorn imports the protocol class by name in each worker (a local class cannot be pickled).
Protocol = coalescing_h11_protocol()


def _encode(settings: EmulatorSettings) -> str:
    data = asdict(settings)
    # Secrets stay out of the settings variable; workers read SIGNING_KEY_ENV / DEV_TOKEN_ENV.
    data.pop("signing_key")
    data.pop("dev_token")
    if isinstance(data["seed"], Path):
        data["seed"] = {"path": str(data["seed"])}
    return json.dumps(data)


def _decode(text: str) -> EmulatorSettings:
    data: dict[str, Any] = json.loads(text)
    if isinstance(data.get("seed"), dict):
        data["seed"] = Path(data["seed"]["path"])
    return EmulatorSettings(
        **data,
        signing_key=os.environ.get(SIGNING_KEY_ENV),
        dev_token=os.environ.get(DEV_TOKEN_ENV),
    )


def app() -> Any:
    """The app factory each worker process calls (settings from the parent's environment)."""
    from terrateam_emulator.server.app import create_app

    return create_app(_decode(os.environ[SETTINGS_ENV]))


def serve_workers(
    settings: EmulatorSettings, sock: socket.socket, workers: int, *, log_level: str
) -> None:
    """Run ``workers`` processes sharing ``sock`` until interrupted."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    os.environ[SETTINGS_ENV] = _encode(settings)
    if settings.dev_token is not None:
        os.environ[DEV_TOKEN_ENV] = settings.dev_token
    # The workers' shared change counter (server/changes.py): they skip the database catch-up
    # while it stands still.
    changes = create_file()
    os.environ[CHANGES_ENV] = changes
    config = uvicorn.Config(
        f"{__name__}:app",
        factory=True,
        http=f"{__name__}:Protocol",
        workers=workers,
        server_header=False,
        log_level=log_level,
        lifespan="off",
        access_log=False,
        backlog=2048,
    )
    try:
        Multiprocess(config, sockets=[sock]).run()
    finally:
        os.environ.pop(CHANGES_ENV, None)
        with contextlib.suppress(OSError):
            os.unlink(changes)
