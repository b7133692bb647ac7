"""The two-account demo's resources, declared once for the Pulumi program and the engine demo.

Account "main" is the stack's (``terrateam:*`` config); account "ops" is reached through a
``pulumi_terrateam.Connection`` (its own API key, server URL, VCS and installation).
"""

from __future__ import annotations

from typing import Any

from pulumi_terrateam import KvEntry

#: How many KV entries each account gets (the benchmark scales this up).
ENTRIES_PER_ACCOUNT = 2


def specs(entries: int = ENTRIES_PER_ACCOUNT) -> list[tuple[type, str, dict[str, Any], str]]:
    """Return ``(resource class, name, inputs, account)``; account is ``main`` or ``ops``."""
    out: list[tuple[type, str, dict[str, Any], str]] = []
    for account in ("main", "ops"):
        for n in range(entries):
            inputs = {
                "key": f"release/{account}/flag-{n}",
                "value": {"enabled": n % 2 == 0, "owner": account},
            }
            out.append((KvEntry, f"{account}-flag-{n}", inputs, account))
    return out
