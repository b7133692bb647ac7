"""The artifact wire format (I/O-free): chunk records, the manifest, sources and sinks.

Chunks are stored exactly as ``ttm kv cp`` stores them (docs/contract.md §11.3): one KV record
per idx,
``{"chk": "sha256:<lowercase hex of the base64 text>", "data": "<standard base64>"}``.
The ``generation`` layout puts them under ``<key>/.gen/<generation>`` and publishes a manifest at
``<key>`` idx 0; the ``ttm`` layout puts them directly under ``<key>``. See ``docs/artifacts.md``.
"""

from __future__ import annotations

import binascii
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal

from terrateam_core import _codec
from terrateam_core.errors import ArtifactError, ChecksumMismatchError

if TYPE_CHECKING:
    from terrateam_core.models import ArtifactInfo

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "MAX_CHUNKS",
    "TTM_CHUNK_SIZE",
    "UPLOAD_MARKER_FORMAT",
    "ArtifactDest",
    "ArtifactSource",
    "Layout",
    "Manifest",
    "Progress",
    "Sink",
    "check_args",
    "decode_chunk",
    "encode_chunk",
    "generation_key",
    "info",
    "is_chunk",
    "is_manifest",
    "iter_source_chunks",
    "manifest_info",
    "open_source",
    "upload_marker",
    "upload_marker_key",
]

FORMAT_NAME = "terrateam-artifact"
FORMAT_VERSION = 1
DEFAULT_CHUNK_SIZE = 1024 * 1024
TTM_CHUNK_SIZE = 102_400  # ttm's file_chunk_size
MAX_CHUNKS = 32_768  # idx is a PostgreSQL smallint: 0..32767

Layout = Literal["generation", "ttm"]
ArtifactSource = bytes | bytearray | memoryview | str | os.PathLike[str] | BinaryIO
ArtifactDest = str | os.PathLike[str] | BinaryIO
Progress = Callable[[int, "int | None"], None]


UPLOAD_MARKER_FORMAT = "terrateam-ttm-upload"


def upload_marker_key(key: str) -> str:
    """The key flagging an unfinished ttm-layout upload of ``key`` (ttm never reads it)."""
    return f"{key}/.incomplete"


def upload_marker() -> dict[str, Any]:
    """The value stored at :func:`upload_marker_key` while a ttm-layout upload runs."""
    return {"format": UPLOAD_MARKER_FORMAT, "version": 1}


def generation_key(key: str, generation: str) -> str:
    """Return the key that holds the chunks of one generation of ``key``."""
    return f"{key}/.gen/{generation}"


def encode_chunk(raw: bytes) -> dict[str, str]:
    """Encode raw bytes as a ttm chunk record (checksum over the base64 text, not the bytes)."""
    chk, text = _codec.chunk_parts(raw)
    return {"chk": chk.decode("ascii"), "data": text.decode("ascii")}


def is_chunk(value: Any) -> bool:
    """Whether a KV value looks like a ttm chunk record."""
    return (
        isinstance(value, dict)
        and isinstance(value.get("chk"), str)
        and isinstance(value.get("data"), str)
    )


def is_manifest(value: Any) -> bool:
    """Whether a KV value is an artifact manifest (pointer record)."""
    return isinstance(value, dict) and value.get("format") == FORMAT_NAME


def decode_chunk(value: Any, *, key: str, idx: int) -> bytes:
    """Verify a chunk record's ``chk`` and return its raw bytes.

    Raises:
        ArtifactError: The record is not a chunk or its base64 is invalid.
        ChecksumMismatchError: ``chk`` does not match the base64 text.
    """
    if not is_chunk(value):
        raise ArtifactError(f"artifact chunk {key!r} idx {idx} is not a chunk record")
    text = value["data"].encode("ascii", "replace")
    if value["chk"].encode("utf-8", "replace") != _codec.sha256_tag(text):
        raise ChecksumMismatchError(f"artifact chunk {key!r} idx {idx}: checksum mismatch")
    try:
        return _codec.b64decode(text)
    except binascii.Error as exc:
        raise ArtifactError(f"artifact chunk {key!r} idx {idx}: invalid base64") from exc


@dataclass(frozen=True)
class Manifest:
    """The pointer record stored at ``<key>`` idx 0 in the generation layout."""

    size: int
    sha256: str
    chunk_size: int
    chunks: int
    content_type: str | None
    generation: str

    def to_json(self) -> dict[str, Any]:
        """Return the JSON value stored in the KV record."""
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "size": self.size,
            "sha256": self.sha256,
            "chunk_size": self.chunk_size,
            "chunks": self.chunks,
            "content_type": self.content_type,
            "generation": self.generation,
        }

    @classmethod
    def from_json(cls, value: Any, *, key: str) -> Manifest:
        """Parse a manifest, rejecting unknown format versions and malformed fields."""
        if not is_manifest(value):
            raise ArtifactError(f"{key!r} holds no artifact manifest")
        if value.get("version") != FORMAT_VERSION:
            raise ArtifactError(
                f"{key!r}: unsupported artifact format version {value.get('version')!r}"
            )
        try:
            manifest = cls(
                size=_int(value["size"]),
                sha256=str(value["sha256"]),
                chunk_size=_int(value["chunk_size"]),
                chunks=_int(value["chunks"]),
                content_type=value.get("content_type"),
                generation=str(value["generation"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ArtifactError(f"{key!r}: malformed artifact manifest") from exc
        if manifest.chunks > MAX_CHUNKS or "/" in manifest.generation:
            raise ArtifactError(f"{key!r}: malformed artifact manifest")
        # size, chunk_size and chunks must agree before a single chunk is fetched: a manifest
        # claiming 32,768 chunks for 10 bytes would otherwise cost as many requests.
        expected = -(-manifest.size // manifest.chunk_size) if manifest.chunk_size else None
        if expected != manifest.chunks and not (manifest.size == 0 == manifest.chunks):
            raise ArtifactError(
                f"{key!r}: malformed artifact manifest ({manifest.chunks} chunks of "
                f"{manifest.chunk_size} bytes cannot hold {manifest.size} bytes)"
            )
        return manifest

    def chunk_length(self, idx: int) -> int:
        """The raw length chunk ``idx`` must have: ``chunk_size``, the last one the rest."""
        if idx < self.chunks - 1:
            return self.chunk_size
        return self.size - self.chunk_size * (self.chunks - 1)


def info(key: str, layout: Layout, **fields: Any) -> ArtifactInfo:
    """Build the ``ArtifactInfo`` model (imported lazily: models cost start-up time)."""
    from terrateam_core.models import ArtifactInfo

    return ArtifactInfo(key=key, layout=layout, **fields)


def manifest_info(key: str, m: Manifest) -> ArtifactInfo:
    """Describe a generation-layout artifact from its manifest."""
    return info(
        key,
        "generation",
        size=m.size,
        sha256=m.sha256,
        chunk_size=m.chunk_size,
        chunks=m.chunks,
        content_type=m.content_type,
        generation=m.generation,
    )


def check_args(chunk_size: int | None, layout: str, concurrency: int) -> int:
    """Validate transfer arguments; return the chunk size to use."""
    if layout not in ("generation", "ttm"):
        raise ValueError(f"layout must be 'generation' or 'ttm', not {layout!r}")
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    size = chunk_size or (TTM_CHUNK_SIZE if layout == "ttm" else DEFAULT_CHUNK_SIZE)
    if size < 1:
        raise ValueError("chunk_size must be positive")
    return size


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("expected a non-negative integer")
    return value


def open_source(source: ArtifactSource) -> tuple[BinaryIO, int | None, bool]:
    """Open an artifact source: ``(stream, size if known, whether we must close it)``."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        return BytesIO(data), len(data), True
    if isinstance(source, str | os.PathLike):
        stream = open(source, "rb")  # noqa: SIM115 - closed by the caller
        return stream, os.fstat(stream.fileno()).st_size, True
    size: int | None = None
    try:
        if source.seekable():
            here = source.tell()
            size = source.seek(0, os.SEEK_END) - here
            source.seek(here)
    except (OSError, AttributeError):
        size = None
    return source, size, False


def iter_source_chunks(stream: BinaryIO, chunk_size: int) -> Iterator[bytes]:
    """Yield full ``chunk_size`` pieces (the last one shorter), however short the reads are."""
    while True:
        chunk = stream.read(chunk_size)
        if not chunk:
            return
        while len(chunk) < chunk_size:
            more = stream.read(chunk_size - len(chunk))
            if not more:
                break
            chunk += more
        yield chunk
        if len(chunk) < chunk_size:
            return


def _umask() -> int:
    # os.umask() can only be read by setting it, which races with other threads; Linux says it.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


class Sink:
    """Where a download goes: a temporary file that becomes ``dest`` only once verified.

    A path ``dest`` is replaced atomically (temp file in the same directory, then rename), so an
    interrupted or failed download never leaves a half file; a file-object ``dest`` receives the
    bytes only after verification.
    """

    def __init__(self, dest: ArtifactDest) -> None:
        """Create the temporary file for ``dest``."""
        self._path: Path | None = None
        self._target: BinaryIO | None = None
        self._tmp_name: str | None = None
        if isinstance(dest, str | os.PathLike):
            self._path = Path(dest)
            fd, self._tmp_name = tempfile.mkstemp(
                prefix=f".{self._path.name}.", suffix=".part", dir=self._path.parent
            )
            self.file: BinaryIO = os.fdopen(fd, "w+b")
        else:
            self._target = dest
            self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed in commit/abort

    def reset(self) -> None:
        """Forget what was written (the reader restarts on a newer generation)."""
        self.file.seek(0)
        self.file.truncate()

    def commit(self) -> None:
        """Move the verified bytes into ``dest``."""
        if self._path is not None and self._tmp_name is not None:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()
            try:
                mode = self._path.stat().st_mode & 0o7777
            except FileNotFoundError:
                mode = 0o666 & ~_umask()
            os.chmod(self._tmp_name, mode)
            os.replace(self._tmp_name, self._path)
            self._tmp_name = None
        elif self._target is not None:
            self.file.seek(0)
            shutil.copyfileobj(self.file, self._target, 1024 * 1024)
            self._target.flush()
            self.file.close()

    def abort(self) -> None:
        """Drop the temporary file; ``dest`` is left as it was."""
        self.file.close()
        if self._tmp_name is not None:
            Path(self._tmp_name).unlink(missing_ok=True)
            self._tmp_name = None
