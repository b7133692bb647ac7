"""The I/O-free parts of the artifact format: chunk records, manifests, sources and sinks."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from terrateam_core._calls.artifacts_format import (
    Manifest,
    Sink,
    decode_chunk,
    encode_chunk,
    is_chunk,
    is_manifest,
    iter_source_chunks,
    open_source,
)
from terrateam_core.errors import ArtifactError, ChecksumMismatchError


def test_encode_chunk__matches_ttm_record() -> None:
    """The record is ttm's: chk over the base64 text, standard base64, no other fields."""
    raw = bytes(range(256)) * 3
    text = base64.b64encode(raw).decode()
    expected = {"chk": "sha256:" + hashlib.sha256(text.encode()).hexdigest(), "data": text}
    assert encode_chunk(raw) == expected
    assert is_chunk(expected)
    assert not is_manifest(expected)


@given(st.binary(max_size=2000))
def test_decode_chunk__round_trips(raw: bytes) -> None:
    """Any bytes survive encode then decode."""
    assert decode_chunk(encode_chunk(raw), key="k", idx=0) == raw


def test_decode_chunk__bad_checksum_and_shapes() -> None:
    """A wrong chk is a ChecksumMismatchError; other shapes are ArtifactErrors."""
    record = encode_chunk(b"hello")
    record["data"] = base64.b64encode(b"HELLO").decode()
    with pytest.raises(ChecksumMismatchError, match="idx 4"):
        decode_chunk(record, key="k", idx=4)
    with pytest.raises(ArtifactError, match="not a chunk"):
        decode_chunk({"data": "aGk="}, key="k", idx=0)
    bad = "!!!!"
    with pytest.raises(ArtifactError, match="invalid base64"):
        decode_chunk(
            {"chk": "sha256:" + hashlib.sha256(bad.encode()).hexdigest(), "data": bad},
            key="k",
            idx=0,
        )


def test_manifest__round_trip_and_rejections() -> None:
    """A manifest parses back; unknown versions and malformed fields are ArtifactErrors."""
    m = Manifest(10, "ab" * 32, 4, 3, "text/plain", "0123abcd")
    value = m.to_json()
    assert is_manifest(value)
    assert Manifest.from_json(value, key="k") == m
    with pytest.raises(ArtifactError, match="unsupported artifact format version 2"):
        Manifest.from_json({**value, "version": 2}, key="k")
    with pytest.raises(ArtifactError, match="malformed"):
        Manifest.from_json({**value, "size": "10"}, key="k")
    with pytest.raises(ArtifactError, match="malformed"):
        Manifest.from_json({**value, "generation": "../x"}, key="k")


def test_iter_source_chunks__fills_chunks_from_short_reads() -> None:
    """Short reads (a pipe) still give full chunks, the last one shorter."""

    class Trickle(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.data = data

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            n = 3 if size < 0 else min(3, size)
            out, self.data = self.data[:n], self.data[n:]
            return out

    chunks = list(iter_source_chunks(Trickle(b"x" * 25), 10))  # type: ignore[arg-type]
    assert [len(c) for c in chunks] == [10, 10, 5]
    assert list(iter_source_chunks(io.BytesIO(b""), 10)) == []


def test_open_source__bytes_path_and_stream(tmp_path: Path) -> None:
    """Sizes are known for bytes, paths and seekable streams (from their position)."""
    path = tmp_path / "f"
    path.write_bytes(b"12345")
    stream, size, owned = open_source(path)
    assert (size, owned) == (5, True)
    stream.close()
    assert open_source(b"abc")[1:] == (3, True)
    buf = io.BytesIO(b"abcdef")
    buf.seek(2)
    assert open_source(buf) == (buf, 4, False)


def test_sink__atomic_replace_keeps_mode_and_abort_leaves_dest(tmp_path: Path) -> None:
    """commit renames into place with dest's mode; abort leaves dest and no temp file."""
    dest = tmp_path / "out"
    dest.write_bytes(b"old")
    os.chmod(dest, 0o640)
    sink = Sink(dest)
    sink.file.write(b"partial")
    sink.abort()
    assert dest.read_bytes() == b"old"
    sink = Sink(dest)
    sink.file.write(b"garbage")
    sink.reset()
    sink.file.write(b"new")
    sink.commit()
    assert dest.read_bytes() == b"new"
    assert stat.S_IMODE(dest.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_sink__file_object_gets_bytes_only_on_commit() -> None:
    """A file-object destination receives nothing until commit."""
    target = io.BytesIO()
    sink = Sink(target)
    sink.file.write(b"data")
    assert target.getvalue() == b""
    sink.commit()
    assert target.getvalue() == b"data"
