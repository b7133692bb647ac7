"""Settings of one emulator instance (`EmulatorSettings`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

__all__ = ["EmulatorSettings"]


@dataclass(frozen=True)
class EmulatorSettings:
    """Configuration of one emulator app.

    Attributes:
        db_url: SQLAlchemy URL. ``sqlite://`` is a private in-memory database, empty at every
            start (the default, for the CLI too); a SQLite file is created 0600.
        token_ttl: lifetime in seconds of access tokens from ``/api/v1/access-token/refresh``
            (upstream: 60).
        edition: ``enterprise`` serves the access-token endpoints; ``oss`` does not (404).
        select_mode: KV ``select``: ``faithful`` answers 500 like the upstream snapshot,
            ``intended`` projects with JSONPath (invalid path → 400).
        seed: ``None``, ``"demo"`` or a path to a YAML/JSON seed file.
        signing_key: HS256 key; ``None`` uses the key stored in the database (created once).
            Kept out of the repr.
        shared_state: keep the clock offset, faults and stats in the database so several
            processes on one database agree (``serve --workers N``); ``None``: on for
            PostgreSQL, off for SQLite.
        dev_api: serve the developer API under ``/_emulator/`` (off: 404 like any unknown
            path).
        dev_token: a secret that admits developer-API requests from anywhere (header
            ``X-Emulator-Token``); without it only loopback clients get in (see `server.devguard`).
            Kept out of the repr.
        max_body: answer 413 to request bodies larger than this many bytes; ``None``: no
            limit.
        workers: how many processes serve this database together (``serve --workers N``);
            sizes each one's PostgreSQL connection pool.
    """

    db_url: str = "sqlite://"
    token_ttl: float = 60.0
    edition: Literal["enterprise", "oss"] = "enterprise"
    select_mode: Literal["faithful", "intended"] = "faithful"
    seed: str | Path | None = None
    signing_key: str | None = field(default=None, repr=False)
    shared_state: bool | None = None
    dev_api: bool = True
    dev_token: str | None = field(default=None, repr=False)
    max_body: int | None = None
    workers: int = 1
