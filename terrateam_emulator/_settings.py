"""Settings of one emulator instance (`EmulatorSettings`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = ["EmulatorSettings"]


@dataclass(frozen=True)
class EmulatorSettings:
    """Configuration of one emulator app.

    Attributes:
        db_url: SQLAlchemy URL. ``sqlite://`` is a private in-memory database (the default for
            `create_app`); the CLI defaults to a file under the user's data directory.
        token_ttl: lifetime in seconds of access tokens from ``/api/v1/access-token/refresh``
            (upstream: 60).
        edition: ``enterprise`` serves the access-token endpoints; ``oss`` does not (404).
        select_mode: KV ``select``: ``faithful`` answers 500 like the upstream snapshot,
            ``intended`` projects with JSONPath (invalid path → 400).
        seed: ``None``, ``"demo"`` or a path to a YAML/JSON seed file.
        signing_key: HS256 key; ``None`` uses the key stored in the database (created once).
        shared_state: keep the clock offset, faults and stats in the database so several
            processes on one database agree (``serve --workers N``); ``None``: on for
            PostgreSQL, off for SQLite.
    """

    db_url: str = "sqlite://"
    token_ttl: float = 60.0
    edition: Literal["enterprise", "oss"] = "enterprise"
    select_mode: Literal["faithful", "intended"] = "faithful"
    seed: str | Path | None = None
    signing_key: str | None = None
    shared_state: bool | None = None
