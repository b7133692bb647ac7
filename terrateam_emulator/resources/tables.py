"""The whole schema: importing this module puts every family's tables on `metadata`.

The storage layer knows only `storage.schema.metadata`; whoever opens a `Database` (the
server state, tools, tests) imports this module first, so ``create_all`` and the migrations
see every table.
"""

from __future__ import annotations

from terrateam_emulator.resources.identity import tables as identity
from terrateam_emulator.resources.kv import tables as kv
from terrateam_emulator.resources.runs import tables as runs
from terrateam_emulator.storage.schema import metadata

__all__ = ["identity", "kv", "metadata", "runs"]
