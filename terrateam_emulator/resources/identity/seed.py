"""Seed data of the identity family: users, VCS accounts, installations, memberships, API keys.

Seed shape (the identity keys of a YAML or JSON seed, docs/emulator-seed.md)::

    users:
      - username: demo                       # required; `id` optional (uuid5 of the name)
        github: {username: demo, avatar_url: https://...}   # linked accounts, optional
        gitlab: {username: demo}
    installations:
      - {vcs: github, id: 12345, name: demo-org, members: [demo]}   # tier, account_status...
    api_keys:
      - {user: demo, name: demo, capabilities: [...], id: <uuid>, demo: true}
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from terrateam_emulator.resources.identity.caps import DASHBOARD_CAPS, decode_caps, vcs_cap
from terrateam_emulator.resources.identity.tables import (
    access_tokens,
    installations,
    memberships,
    user_vcs_accounts,
    users,
)

__all__ = [
    "DEMO_API_KEY_ID",
    "DEMO_USER_ID",
    "apply_identity_seed",
    "demo_identity_seed",
    "demo_key_id",
    "resolve_user",
    "user_id_for",
]

_NS = uuid.UUID("5d1b7c1e-3f4a-4f0e-9a53-7e6b1c2d9f00")
DEMO_USER_ID = str(uuid.uuid5(_NS, "user:demo"))
DEMO_API_KEY_ID = str(uuid.uuid5(_NS, "api-key:demo"))


def user_id_for(username: str) -> str:
    """Return the deterministic id a seed user gets when it names none."""
    return str(uuid.uuid5(_NS, f"user:{username}"))


def demo_identity_seed() -> dict[str, Any]:
    """Return the demo organisation's users, installations and API key."""
    seed: dict[str, Any] = {
        "users": [
            {
                "id": DEMO_USER_ID,
                "username": "demo",
                "github": {
                    "username": "demo",
                    "avatar_url": "https://avatars.githubusercontent.com/u/1?v=4",
                },
                "gitlab": {"username": "demo"},
            }
        ],
        "installations": [
            {
                "vcs": "github",
                "id": 12345,
                "name": "demo-org",
                "members": ["demo"],
                "tier": {"name": "Unlimited", "features": {"num_users_per_month": 1000}},
            },
            {"vcs": "gitlab", "id": 678, "name": "demo-group", "members": ["demo"]},
        ],
        "api_keys": [
            {
                "id": DEMO_API_KEY_ID,
                "user": "demo",
                "name": "demo",
                # What a dashboard-created key stores: `vcs` first, then the masked caps.
                "capabilities": [vcs_cap("github"), *DASHBOARD_CAPS],
                "demo": True,
            }
        ],
    }
    return seed


def resolve_user(names: Mapping[str, str], ref: Any) -> str:
    """Return the id of the seed user named (or identified by) ``ref``."""
    name = str(ref)
    if name in names:
        return names[name]
    if name in names.values():
        return name
    raise ValueError(f"seed: unknown user {ref!r}")


def apply_identity_seed(conn: sa.Connection, seed: Mapping[str, Any], now: float) -> None:
    """Insert the seed's users, accounts, installations, memberships and API keys."""
    names: dict[str, str] = {}
    for entry in seed.get("users") or []:
        username = str(entry["username"])
        uid = str(entry.get("id") or user_id_for(username))
        names[username] = uid
        conn.execute(users.insert().values(id=uid, username=username, created_at=now))
        for vcs in ("github", "gitlab"):
            account = entry.get(vcs)
            if account:
                conn.execute(
                    user_vcs_accounts.insert().values(
                        user_id=uid,
                        vcs=vcs,
                        username=str(account.get("username", username)),
                        avatar_url=account.get("avatar_url"),
                    )
                )
    for entry in seed.get("installations") or []:
        vcs = str(entry.get("vcs", "github"))
        inst_id = int(entry["id"])
        tier = entry.get("tier") or {}
        conn.execute(
            installations.insert().values(
                vcs=vcs,
                id=inst_id,
                name=str(entry.get("name", f"installation-{inst_id}")),
                account_status=str(entry.get("account_status", "active")),
                tier_name=str(tier.get("name", "Unlimited")),
                tier_features=json.dumps(tier.get("features", {}), separators=(",", ":")),
                created_at=float(entry.get("created_at", now)),
                trial_ends_at=entry.get("trial_ends_at"),
            )
        )
        for member in entry.get("members") or []:
            conn.execute(
                memberships.insert().values(
                    user_id=resolve_user(names, member), vcs=vcs, installation_id=inst_id
                )
            )
    _apply_api_keys(conn, seed, names, now)


def _apply_api_keys(
    conn: sa.Connection, seed: Mapping[str, Any], names: Mapping[str, str], now: float
) -> None:
    for entry in seed.get("api_keys") or []:
        caps = decode_caps(entry.get("capabilities", []))
        conn.execute(
            access_tokens.insert().values(
                id=str(entry.get("id") or uuid.uuid4()),
                user_id=resolve_user(names, entry["user"]),
                name=str(entry.get("name", "")),
                capabilities=json.dumps(caps, separators=(",", ":")),
                created_at=now,
            )
        )


def demo_key_id(seed: Mapping[str, Any]) -> tuple[str, str] | None:
    """Return ``(key id, username)`` of the seed's key marked ``demo: true`` (or its first key)."""
    keys = seed.get("api_keys") or []
    chosen = next((k for k in keys if k.get("demo")), keys[0] if keys else None)
    if chosen is None or not chosen.get("id"):
        return None
    return str(chosen["id"]), str(chosen["user"])
