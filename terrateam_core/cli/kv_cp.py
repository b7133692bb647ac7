"""``terrateam kv cp``: file ⇄ KV in ttm's chunk layout (docs/contract.md §11.3)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from terrateam_core import TerrateamClient

__all__ = ["download", "upload"]


def upload(
    client: TerrateamClient,
    src: str,
    key: str,
    *,
    draft: bool,
    layout: str,
    read_caps: list[Any] | None,
    write_caps: list[Any] | None,
) -> None:
    """Upload ``src`` (``-``: stdin) to ``key``.

    With the default ``ttm`` layout: delete every slot, then insert 102,400-byte chunks at idx
    0..n-1 (an existing chunk is a conflict, exit 4). Unlike ttm, a missing source file fails
    before the key is touched.
    """
    source: Any = sys.stdin.buffer if src == "-" else Path(src)
    if layout == "ttm":
        client.artifacts.put(
            key,
            source,
            layout="ttm",
            committed=not draft,
            read_caps=read_caps,
            write_caps=write_caps,
            concurrency=10,
        )
    else:
        client.artifacts.put(
            key, source, layout="generation", read_caps=read_caps, write_caps=write_caps
        )


def download(client: TerrateamClient, key: str, dst: str, *, draft: bool) -> None:
    """Download ``key`` (either layout) to ``dst`` (``-``: stdout).

    As with ttm, a missing key gives an empty file and success (the runner relies on it for
    "no history yet"); unlike ttm, ``dst`` is replaced atomically and only after every
    checksum matched.
    """
    from terrateam_core.errors import KVNotFoundError

    dest: Any = sys.stdout.buffer if dst == "-" else Path(dst)
    try:
        client.artifacts.get(key, dest, committed=not draft, concurrency=10)
    except KVNotFoundError:
        if dst != "-":
            _write_empty(Path(dst))


def _write_empty(path: Path) -> None:
    from terrateam_core._calls.artifacts_format import Sink

    sink = Sink(path)
    try:
        sink.commit()
    except BaseException:
        sink.abort()
        raise
