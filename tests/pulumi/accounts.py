"""A second Terrateam account on the emulator, for the multi-connection tests."""

from __future__ import annotations

from typing import Any

SECOND_VCS, SECOND_INSTALLATION = "gitlab", 678  # the demo seed's GitLab installation


def second_account(emulator: Any, name: str = "ops") -> Any:
    """A new user, member of the GitLab installation 678 only, with its own API key."""
    user = emulator.admin.create_user(name, vcs=[SECOND_VCS], installations=[SECOND_INSTALLATION])
    return emulator.admin.mint_api_key(
        name,
        ["kv_store_read", "kv_store_write", "access_token_create",
         {"name": "vcs", "vcs": SECOND_VCS}],
        user,
    )  # fmt: skip


def connection_input(emulator: Any, key: str) -> dict[str, Any]:
    """The ``connection`` input as the provider receives it (the engine strips secrecy)."""
    return {
        "base_url": emulator.url,
        "api_key": key,
        "vcs": SECOND_VCS,
        "installation_id": SECOND_INSTALLATION,
    }
