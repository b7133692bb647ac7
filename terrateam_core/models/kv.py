"""KV store models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from terrateam_core.models._base import RequestModel, ResponseModel
from terrateam_core.models.capabilities import Capability

__all__ = ["KVCount", "KVKeyRef", "KVRecord", "KVSetRequest"]


class KVRecord(ResponseModel):
    """One KV row. ``data`` is ``None`` in set/cas responses (the server does not echo it)."""

    key: str
    idx: int = 0
    data: Any = None
    committed: bool = True
    created_at: datetime | None = None
    size: int = 0
    version: int = 0
    read_caps: list[Capability] | None = None
    write_caps: list[Capability] | None = None


class KVCount(ResponseModel):
    """Rows of one key; ``max_idx`` is ``None`` when there are none."""

    count: int
    max_idx: int | None = None


class KVKeyRef(ResponseModel):
    """A key and idx, as listed by ``commit`` (rows actually flipped)."""

    key: str
    idx: int | None = None


class KVSetRequest(RequestModel):
    """Body of set and cas (``version`` only for cas)."""

    data: Any
    idx: int = Field(default=0, ge=-32768, le=32767)
    committed: bool = True
    read_caps: list[Capability] | None = None
    write_caps: list[Capability] | None = None
    version: int | None = Field(default=None, ge=-32768, le=32767)
