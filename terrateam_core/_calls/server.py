"""Calls (no I/O) of the server family: its configuration and the GitHub app's client id."""

from __future__ import annotations

from terrateam_core._call import Call, model_parser
from terrateam_core.models import ServerConfig

__all__ = ["client_id", "server_config"]


def server_config() -> Call[ServerConfig]:
    """``GET /api/v1/server/config`` (no authentication needed)."""
    return Call("GET", "/api/v1/server/config", model_parser(ServerConfig))


def client_id() -> Call[str]:
    """``GET /api/v1/github/client_id``."""
    return Call("GET", "/api/v1/github/client_id", model_parser(str, key="client_id"))
