"""Resource namespaces of the clients (``client.kv``, ``client.repos``, …)."""

from __future__ import annotations

from terrateam_core.resources.kv import KV
from terrateam_core.resources.kv_async import AsyncKV

__all__ = ["KV", "AsyncKV"]
