"""KV store building blocks: prebuilt SQL, 16/32-bit wrap, namespaces, record rendering.

Kept apart from the operations in `kv.py`; no FastAPI here either.
"""

from __future__ import annotations

import json
import time
from typing import Any

import sqlalchemy as sa

from terrateam_emulator.resources.kv.tables import kv
from terrateam_emulator.server.errors import EmulatorError

__all__ = [
    "GET_ANY",
    "GET_COMMITTED",
    "INSERT",
    "JSON_404",
    "MAX_VERSION",
    "ROW_CAPS",
    "ROW_CAPS_AT",
    "UPDATE",
    "caps_or_none",
    "check_key",
    "dump",
    "namespace",
    "record",
    "server_error",
    "wrap16",
    "wrap32",
]

MAX_VERSION = 32767  # PostgreSQL smallint

JSON_404 = EmulatorError(404, json_type=True)

# Pre-built statements for the hot read path (no per-request statement construction).
GET_ANY = sa.select(kv).where(
    kv.c.namespace == sa.bindparam("ns"),
    kv.c.key == sa.bindparam("key"),
    kv.c.idx == sa.bindparam("idx"),
)
GET_COMMITTED = GET_ANY.where(kv.c.committed.is_(True))
ROW_CAPS = sa.select(kv.c.version, kv.c.write_caps).where(
    kv.c.namespace == sa.bindparam("ns"),
    kv.c.key == sa.bindparam("key"),
    kv.c.idx == sa.bindparam("idx"),
)
ROW_CAPS_AT = ROW_CAPS.where(kv.c.version == sa.bindparam("version"))
INSERT = kv.insert()
_VALUE_COLUMNS = (
    "data",
    "data_json",
    "data_size",
    "committed",
    "created_at",
    "version",
    "read_caps",
    "write_caps",
)
UPDATE = (
    kv.update()
    .where(
        kv.c.namespace == sa.bindparam("b_ns"),
        kv.c.key == sa.bindparam("b_key"),
        kv.c.idx == sa.bindparam("b_idx"),
    )
    .values({c: sa.bindparam(c) for c in _VALUE_COLUMNS})
)


def wrap16(n: int) -> int:
    """Truncate to a signed 16-bit value, as the server's binary ``smallint`` encoding does."""
    return ((n + 0x8000) & 0xFFFF) - 0x8000


def wrap32(n: int) -> int:
    """Truncate to a signed 32-bit value (iter ``limit``)."""
    return ((n + 0x80000000) & 0xFFFFFFFF) - 0x80000000


def namespace(vcs: str, installation_id: int) -> str:
    """Return the KV namespace ``<vcs>:<installation id>`` (docs/contract.md §2.5)."""
    return f"{vcs}:{installation_id}"


def server_error() -> EmulatorError:
    return EmulatorError(500, json_type=False)


def check_key(key: str) -> None:
    # PostgreSQL rejects NUL and invalid UTF-8 in text → a DB error → 500.
    if "\x00" in key:
        raise server_error()
    try:
        key.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise server_error() from exc


def _timestamp(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def caps_or_none(text: str | None) -> list[Any] | None:
    return None if text is None else json.loads(text)


def record(
    *,
    committed: bool,
    created_at: float,
    data_json: str,
    idx: int,
    key: str,
    read_caps: str | None,
    size: int,
    version: int,
    write_caps: str | None,
) -> str:
    # ``data_json`` may be megabytes: it is copied once, by the final join, never formatted.
    parts = [
        f'{{"committed":{"true" if committed else "false"},'
        f'"created_at":"{_timestamp(created_at)}","data":',
        data_json,
        f',"idx":{idx},"key":{dump(key)}',
    ]
    if read_caps is not None:
        parts.append(f',"read_caps":{read_caps}')
    parts.append(f',"size":{size},"version":{version}')
    if write_caps is not None:
        parts.append(f',"write_caps":{write_caps}')
    parts.append("}")
    return "".join(parts)
