"""Domain errors of the emulator, rendered by the app in upstream's shapes."""

from __future__ import annotations

__all__ = ["DropConnection", "EmulatorError"]


class EmulatorError(Exception):
    """A bare status with an empty body.

    ``json_type`` is true on upstream's "Ok path" (handler-chosen status: Content-Type
    ``application/json``) and false on its "Error path" (no Content-Type).
    """

    def __init__(self, status: int, *, json_type: bool) -> None:
        super().__init__(status)
        self.status = status
        self.json_type = json_type


class DropConnection(Exception):
    """Close the connection without any response (upstream middleware exception)."""
