"""Artifact metadata (the operations are ``client.artifacts``, in ``_async/artifacts.py``)."""

from __future__ import annotations

from terrateam_core.models._base import ResponseModel

__all__ = ["ArtifactInfo"]


class ArtifactInfo(ResponseModel):
    """What a stored artifact is: size, sha256 (hex), chunking, content type, layout.

    ``layout`` is ``"generation"`` (manifest + generation key) or ``"ttm"`` (ttm's in-place
    chunks); ``generation`` is ``None`` for the ttm layout.
    """

    key: str
    size: int
    sha256: str | None = None
    chunk_size: int
    chunks: int
    content_type: str | None = None
    generation: str | None = None
    layout: str = "generation"
