"""Seed data: users, accounts, installations, memberships, API keys and KV records.

Seed shape (YAML or JSON file, or a dict)::

    users:
      - username: demo                       # required; `id` optional (uuid5 of the name)
        github: {username: demo, avatar_url: https://...}   # linked accounts, optional
        gitlab: {username: demo}
    installations:
      - {vcs: github, id: 12345, name: demo-org, members: [demo]}   # tier, account_status...
    api_keys:
      - {user: demo, name: demo, capabilities: [...], id: <uuid>, demo: true}
    kv:
      - {vcs: github, installation_id: 12345, key: k, data: {...}, idx: 0, committed: true,
         read_caps: [...], write_caps: [...]}

The runs part (repos, pull requests, work manifests, stacks, tasks) is applied by
`terrateam_emulator.resources.runs.seed.apply_runs_seed`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from pathlib import Path
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
from terrateam_emulator.resources.kv.tables import kv
from terrateam_emulator.resources.runs.seed import apply_runs_seed, demo_runs_seed
from terrateam_emulator.server.clock import ClockLike
from terrateam_emulator.storage.jsonb import canonicalise, loads_lossless

__all__ = [
    "DEMO_API_KEY_ID",
    "DEMO_USER_ID",
    "apply_seed",
    "demo_key_id",
    "demo_seed",
    "load_seed",
    "user_id_for",
]

_NS = uuid.UUID("5d1b7c1e-3f4a-4f0e-9a53-7e6b1c2d9f00")
DEMO_USER_ID = str(uuid.uuid5(_NS, "user:demo"))
DEMO_API_KEY_ID = str(uuid.uuid5(_NS, "api-key:demo"))


def user_id_for(username: str) -> str:
    """Return the deterministic id a seed user gets when it names none."""
    return str(uuid.uuid5(_NS, f"user:{username}"))


def demo_seed() -> dict[str, Any]:
    """Return the demo organisation, runs part included."""
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
    for name, value in demo_runs_seed().items():
        if isinstance(value, list) and isinstance(seed.get(name), list):
            seed[name] = [*seed[name], *value]
        else:
            seed[name] = value
    return seed


def load_seed(source: str | Path) -> dict[str, Any]:
    """Return ``demo_seed()`` for ``"demo"``, else parse a YAML or JSON seed file."""
    if str(source) == "demo":
        return demo_seed()
    text = Path(source).read_text(encoding="utf-8")
    if str(source).endswith(".json"):
        data = json.loads(text)
    else:
        import yaml

        data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"seed {source}: the top level must be a mapping")
    return data


def _resolve_user(names: Mapping[str, str], ref: Any) -> str:
    name = str(ref)
    if name in names:
        return names[name]
    if name in names.values():
        return name
    raise ValueError(f"seed: unknown user {ref!r}")


def apply_seed(conn: sa.Connection, seed: Mapping[str, Any], clock: ClockLike) -> None:
    """Insert ``seed`` (users, installations, API keys, KV, then the runs part) on ``conn``."""
    now = clock.now()
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
                    user_id=_resolve_user(names, member), vcs=vcs, installation_id=inst_id
                )
            )
    _apply_api_keys(conn, seed, names, now)
    _apply_kv(conn, seed, now)
    apply_runs_seed(conn, seed, clock)


def _apply_api_keys(
    conn: sa.Connection, seed: Mapping[str, Any], names: Mapping[str, str], now: float
) -> None:
    for entry in seed.get("api_keys") or []:
        caps = decode_caps(entry.get("capabilities", []))
        conn.execute(
            access_tokens.insert().values(
                id=str(entry.get("id") or uuid.uuid4()),
                user_id=_resolve_user(names, entry["user"]),
                name=str(entry.get("name", "")),
                capabilities=json.dumps(caps, separators=(",", ":")),
                created_at=now,
            )
        )


def _apply_kv(conn: sa.Connection, seed: Mapping[str, Any], now: float) -> None:

    for entry in seed.get("kv") or []:
        pg, compact, size = canonicalise(loads_lossless(json.dumps(entry.get("data"))))
        caps = {
            name: None
            if entry.get(name) is None
            else json.dumps(decode_caps(entry[name]), separators=(",", ":"))
            for name in ("read_caps", "write_caps")
        }
        conn.execute(
            kv.insert().values(
                namespace=f"{entry.get('vcs', 'github')}:{int(entry['installation_id'])}",
                key=str(entry["key"]),
                idx=int(entry.get("idx", 0)),
                data=pg,
                data_json=compact,
                data_size=size,
                committed=bool(entry.get("committed", True)),
                created_at=now,
                version=0,
                **caps,
            )
        )


def demo_key_id(seed: Mapping[str, Any]) -> tuple[str, str] | None:
    """Return ``(key id, username)`` of the seed's key marked ``demo: true`` (or its first key)."""
    keys = seed.get("api_keys") or []
    chosen = next((k for k in keys if k.get("demo")), keys[0] if keys else None)
    if chosen is None or not chosen.get("id"):
        return None
    return str(chosen["id"]), str(chosen["user"])
