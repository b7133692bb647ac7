"""Users, API keys and access tokens (docs/contract.md §1, §3, §6.1). No FastAPI here."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from terrateam_emulator.resources.identity.caps import decode_caps, mask
from terrateam_emulator.resources.identity.tables import (
    access_tokens,
    installations,
    memberships,
    user_sessions,
    user_vcs_accounts,
    users,
)
from terrateam_emulator.resources.identity.tokens import encode_access_token, encode_api_key
from terrateam_emulator.server.clock import Clock
from terrateam_emulator.storage.engine import Database

__all__ = ["Identity"]

_LIST_LIMIT = 100  # upstream's hard limit, no pagination
_VCS_ORDER = ("github", "gitlab")


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


_MEMBER = sa.select(memberships.c.user_id).where(
    memberships.c.user_id == sa.bindparam("user_id"),
    memberships.c.vcs == sa.bindparam("vcs"),
    memberships.c.installation_id == sa.bindparam("installation_id"),
)
_KEY_EXISTS = sa.select(access_tokens.c.id).where(access_tokens.c.id == sa.bindparam("id"))


class Identity:
    """User lookups and the API-key / access-token lifecycle."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        keys: list[str],
        *,
        token_ttl: float,
        on_keys_deleted: Callable[[], None] | None = None,
    ) -> None:
        """``on_keys_deleted`` runs after a key deletion commits (caches of live keys go)."""
        self.db = db
        self.clock = clock
        self.keys = keys
        self.token_ttl = token_ttl
        self._on_keys_deleted = on_keys_deleted

    def whoami(self, user_id: str) -> dict[str, Any]:
        """Return ``{"id", "vcs"}``; ``vcs`` lists linked accounts, GitHub first."""
        with self.db.read() as conn:
            rows = conn.execute(
                sa.select(user_vcs_accounts.c.vcs).where(user_vcs_accounts.c.user_id == user_id)
            ).all()
        linked = {r.vcs for r in rows}
        return {"id": user_id, "vcs": [v for v in _VCS_ORDER if v in linked]}

    def vcs_user(self, user_id: str, vcs: str) -> dict[str, Any] | None:
        """Return ``{"avatar_url"?, "username"}`` of the user's account on ``vcs``, or None."""
        with self.db.read() as conn:
            row = conn.execute(
                sa.select(user_vcs_accounts).where(
                    user_vcs_accounts.c.user_id == user_id, user_vcs_accounts.c.vcs == vcs
                )
            ).first()
        if row is None:
            return None
        out: dict[str, Any] = {}
        if row.avatar_url is not None:
            out["avatar_url"] = row.avatar_url
        out["username"] = row.username
        return out

    def api_key_for(self, token_id: str, user_id: str) -> str:
        """Return the (deterministic) API key JWT of an ``access_tokens`` row."""
        return encode_api_key(self.keys[0], access_token_id=token_id, user_id=user_id)

    def insert_api_key(
        self,
        *,
        user_id: str,
        name: str,
        capabilities: list[Any],
        token_id: str | None = None,
        conn: sa.Connection | None = None,
    ) -> tuple[str, str]:
        """Store a key row with exactly ``capabilities``; return ``(id, refresh_token)``."""
        token_id = token_id or str(uuid.uuid4())
        values = {
            "id": token_id,
            "user_id": user_id,
            "name": name,
            "capabilities": _dump(capabilities),
            "created_at": self.clock.now(),
        }
        if conn is None:
            with self.db.write() as c:
                c.execute(access_tokens.insert().values(**values))
        else:
            conn.execute(access_tokens.insert().values(**values))
        return token_id, self.api_key_for(token_id, user_id)

    def create_api_key(
        self, *, user_id: str, held: list[Any], vcs: str, name: str, requested: list[Any]
    ) -> tuple[str, str]:
        """Create a key the way ``POST /api/v1/{vcs}/access-token`` does (masking, ``vcs`` first).

        Raises:
            CapabilityError: ``requested`` is not a capability list (the server answers 400).
        """
        caps = mask(decode_caps(requested), held, vcs)
        return self.insert_api_key(user_id=user_id, name=name, capabilities=caps)

    def list_api_keys(self, user_id: str) -> list[dict[str, Any]]:
        """Return the user's keys across both VCSes, by name, at most 100."""
        with self.db.read() as conn:
            rows = conn.execute(
                sa.select(access_tokens.c.id, access_tokens.c.name, access_tokens.c.capabilities)
                .where(access_tokens.c.user_id == user_id)
                .order_by(access_tokens.c.name, access_tokens.c.id)
                .limit(_LIST_LIMIT)
            ).all()
        return [
            {"capabilities": json.loads(r.capabilities), "id": r.id, "name": r.name} for r in rows
        ]

    def delete_api_key(self, user_id: str, token_id: str) -> None:
        """Delete the caller's key ``token_id`` if it exists (nothing happens otherwise)."""
        with self.db.write() as conn:
            conn.execute(
                access_tokens.delete().where(
                    access_tokens.c.id == token_id, access_tokens.c.user_id == user_id
                )
            )
        if self._on_keys_deleted is not None:
            self._on_keys_deleted()

    def refresh(self, token_id: str, user_id: str) -> str | None:
        """Return a new access token with the row's current caps, or None if the row is gone."""
        with self.db.read() as conn:
            row = conn.execute(
                sa.select(access_tokens.c.capabilities).where(access_tokens.c.id == token_id)
            ).first()
        if row is None:
            return None
        exp = int(self.clock.now() + self.token_ttl)
        return encode_access_token(
            self.keys[0], user_id=user_id, capabilities=json.loads(row.capabilities), exp=exp
        )

    def create_session(self, user_id: str) -> str:
        """Create a dashboard login session; return the ``session`` cookie value."""
        session_id = str(uuid.uuid4())
        with self.db.write() as conn:
            conn.execute(
                user_sessions.insert().values(
                    id=session_id, user_id=user_id, created_at=self.clock.now()
                )
            )
        return session_id

    def delete_session(self, session_id: str) -> None:
        """Log a dashboard session out."""
        with self.db.write() as conn:
            conn.execute(user_sessions.delete().where(user_sessions.c.id == session_id))

    def user_exists(self, user_id: str) -> bool:
        """Whether ``users`` has this id."""
        with self.db.read() as conn:
            return (
                conn.execute(sa.select(users.c.id).where(users.c.id == user_id)).first() is not None
            )

    def api_key_exists(self, token_id: str) -> bool:
        """Whether the API key ``token_id`` still exists (deleted keys stop refreshing)."""
        # One autocommit round trip on the read fast path (no BEGIN … ROLLBACK).
        return self.db.first(_KEY_EXISTS, {"id": token_id}) is not None

    def session_user(self, session_id: str) -> str | None:
        """Return the user of dashboard session ``session_id``, or ``None``."""
        with self.db.read() as conn:
            row = conn.execute(
                sa.select(user_sessions.c.user_id).where(user_sessions.c.id == session_id)
            ).first()
        return None if row is None else str(row.user_id)

    def is_member(self, user_id: str, vcs: str, installation_id: int) -> bool:
        """Whether ``user_id`` is a member of the installation (upstream's membership half)."""
        row = self.db.first(
            _MEMBER, {"user_id": user_id, "vcs": vcs, "installation_id": installation_id}
        )
        return row is not None

    def create_user(
        self, user_id: str, username: str, vcses: list[str], installation_ids: list[int]
    ) -> bool:
        """Insert a user, one VCS account per ``vcses`` entry and its memberships.

        A membership is made under every VCS the installation exists in, else under the
        first of ``vcses`` (``github`` when empty). Returns ``False`` when the id is taken.
        """
        with self.db.write() as conn:
            if conn.execute(sa.select(users.c.id).where(users.c.id == user_id)).first():
                return False
            conn.execute(
                users.insert().values(id=user_id, username=username, created_at=self.clock.now())
            )
            for vcs in vcses:
                conn.execute(
                    user_vcs_accounts.insert().values(user_id=user_id, vcs=vcs, username=username)
                )
            for inst in installation_ids:
                known = [
                    r.vcs
                    for r in conn.execute(
                        sa.select(installations.c.vcs).where(installations.c.id == inst)
                    )
                ]
                for vcs in known or vcses[:1] or ["github"]:
                    conn.execute(
                        memberships.insert().values(user_id=user_id, vcs=vcs, installation_id=inst)
                    )
        return True
