"""The start-up seed: load it, and apply each resource family's part in order.

A seed is a YAML or JSON file, a dict, or ``"demo"`` (the demo organisation). Its keys belong
to the families (docs/emulator-seed.md): ``users``, ``installations``, ``api_keys``
(`resources.identity.seed`), ``kv`` (`resources.kv.seed`), and ``repos``, ``pull_requests``,
``work_manifests``, ``stacks``, ``tasks``, ``unlocks`` (`resources.runs.seed`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from terrateam_emulator.resources.identity.seed import apply_identity_seed, demo_identity_seed
from terrateam_emulator.resources.kv.seed import apply_kv_seed
from terrateam_emulator.resources.runs.seed import apply_runs_seed, demo_runs_seed
from terrateam_emulator.server.clock import ClockLike

__all__ = ["apply_seed", "demo_seed", "load_seed"]


def demo_seed() -> dict[str, Any]:
    """Return the demo organisation, runs part included."""
    seed = demo_identity_seed()
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


def apply_seed(conn: sa.Connection, seed: Mapping[str, Any], clock: ClockLike) -> None:
    """Insert ``seed`` on ``conn``: identity first (the others name its users), KV, runs."""
    now = clock.now()
    apply_identity_seed(conn, seed, now)
    apply_kv_seed(conn, seed, now)
    apply_runs_seed(conn, seed, clock)
