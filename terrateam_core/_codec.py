"""The artifact chunk codec: base64, checksum and JSON of one chunk, from and to bytes.

A chunk record is ``{"chk": "sha256:<hex of the base64 text>", "data": "<standard base64>"}``
(docs/artifacts.md). Base64 text never needs a JSON escape, so the record's JSON is built by
joining bytes, exactly as ``json.dumps(record, separators=(",", ":"))`` would write it, and the
checksum is taken over the base64 bytes themselves: no ``str`` copy, no generic JSON encoder.
pybase64 (SIMD) encodes and decodes at several GiB/s where ``base64`` manages ~300 MiB/s; what
it refuses is handed to ``base64`` so that the accepted set and the errors stay the stdlib's.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import Any

import pybase64
from pydantic_core import from_json

__all__ = ["RawJSON", "b64decode", "chunk_json", "chunk_parts", "fast_loads", "sha256_tag"]


@dataclass(frozen=True, slots=True)
class RawJSON:
    """A JSON value already serialised (compact, UTF-8), kept as pieces joined once on send."""

    parts: tuple[bytes, ...]

    def to_bytes(self) -> bytes:
        """The JSON text."""
        return b"".join(self.parts)


def sha256_tag(text: bytes) -> bytes:
    """``sha256:<lowercase hex>`` of ``text`` (the chunk's ``chk``), as bytes."""
    return b"sha256:" + hashlib.sha256(text).hexdigest().encode("ascii")


def chunk_parts(raw: bytes) -> tuple[bytes, bytes]:
    """``(chk, base64 text)`` of raw bytes, both as bytes."""
    text = pybase64.b64encode(raw)
    return sha256_tag(text), text


def chunk_json(raw: bytes) -> RawJSON:
    """The chunk record of ``raw`` as compact JSON: ``{"chk":"sha256:…","data":"…"}``."""
    chk, text = chunk_parts(raw)
    return RawJSON((b'{"chk":"', chk, b'","data":"', text, b'"}'))


def b64decode(text: bytes) -> bytes:
    """Decode standard base64 strictly, as ``base64.b64decode(text, validate=True)`` does.

    Raises:
        binascii.Error: not valid base64 (the stdlib's own error and message).
    """
    try:
        return pybase64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        # pybase64 is stricter on a few odd paddings the stdlib accepts ("AAAA===="):
        # the stdlib decides, so both the accepted inputs and the error stay its own.
        return base64.b64decode(text, validate=True)


def fast_loads(content: bytes) -> Any:
    """Parse a JSON document with pydantic-core's parser (megabytes of string at memcpy speed).

    Raises:
        ValueError: anything it does not parse; the caller falls back to ``json`` so that what
        is accepted and how it fails stay the same (BOMs, lone surrogates, very deep nesting).
    """
    return from_json(content)
