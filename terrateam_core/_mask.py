"""Streaming secret masking, compatible with ``ttm secrets mask`` (docs/contract.md §11.4).

Matching rules (same as ttm): secrets are bytes; at each position, scanning left to right, the
*longest* secret matching there is chosen; if its span overlaps an occurrence of any "unmask"
string in the input, nothing is replaced at that position and scanning moves on by one byte;
otherwise the span is replaced by the mask and scanning continues after it.

Unlike ttm, the result does not depend on how the input is split into reads: the masker keeps
every byte whose fate is still undecided (the last ``longest secret + longest unmask - 1``
bytes) until more input or the end of the stream decides it, and empty secrets are dropped
instead of looping forever.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "DEFAULT_MASK",
    "Masker",
    "mask_bytes",
    "mask_file_in_place",
    "mask_stream",
    "parse_secrets",
    "read_secrets_file",
]

DEFAULT_MASK = b"***"
_READ_SIZE = 64 * 1024


def parse_secrets(text: bytes) -> list[bytes]:
    """Parse ttm's secrets-file format into a list of secrets (empty ones dropped).

    Each line (the trailing ``\\n`` removed, a ``\\r`` kept) is one of: ``.rest`` starts a new
    secret ``rest``; ``+rest`` appends ``\\n`` + ``rest`` to the previous secret (or starts one
    when there is none); anything else is a whole secret.

    Args:
        text: The file's raw bytes.

    Returns:
        The secrets, in file order, without empty ones.
    """
    lines = text.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the newline that ends the last line does not start another
    secrets: list[bytes] = []
    for line in lines:
        if line.startswith(b"."):
            secrets.append(line[1:])
        elif line.startswith(b"+"):
            if secrets:
                secrets[-1] += b"\n" + line[1:]
            else:
                secrets.append(line[1:])
        else:
            secrets.append(line)
    # An empty secret would match everywhere; ttm loops forever on it, we drop it.
    return [s for s in secrets if s]


def read_secrets_file(path: str | os.PathLike[str]) -> list[bytes]:
    """Read and parse a secrets (or unmask) file in ttm's format."""
    return parse_secrets(Path(path).read_bytes())


class Masker:
    """Incremental masker: ``feed()`` chunks of any size, then ``flush()``.

    The concatenated output never depends on how the input was chunked.
    """

    def __init__(
        self,
        secrets: Iterable[bytes],
        *,
        unmask: Iterable[bytes] = (),
        mask: bytes = DEFAULT_MASK,
    ) -> None:
        """Build a masker.

        Args:
            secrets: Byte strings to replace; empty ones are ignored.
            unmask: Byte strings whose occurrences protect overlapping matches.
            mask: The replacement text.
        """
        uniq = sorted({s for s in secrets if s}, key=lambda s: (-len(s), s))
        self._mask = mask
        self._unmask = sorted({u for u in unmask if u})
        self._longest = len(uniq[0]) if uniq else 0
        longest_unmask = max((len(u) for u in self._unmask), default=0)
        # Python's regex alternation takes the first alternative that matches at the leftmost
        # position; sorted longest-first that is exactly "the longest secret at this position".
        self._pattern = re.compile(b"|".join(re.escape(s) for s in uniq)) if uniq else None
        # Bytes at the end of the buffer whose fate more input could still change.
        self._lookahead = max(self._longest + max(longest_unmask - 1, 0), 1)
        self._keep_history = max(longest_unmask - 1, 0)
        self._history = b""  # original bytes already emitted, for unmask checks
        self._pending = b""

    def feed(self, data: bytes) -> bytes:
        """Consume ``data`` and return the output that is now decided (possibly empty)."""
        if not data:
            return b""
        self._pending += data
        limit = len(self._pending) - self._lookahead + 1  # positions < limit are decidable
        if limit <= 0:
            return b""
        return self._emit(limit)

    def flush(self) -> bytes:
        """Return the rest of the output; the masker can be fed again afterwards."""
        return self._emit(len(self._pending))

    def _emit(self, limit: int) -> bytes:
        pending = self._pending
        if self._pattern is None:
            out, end = pending[:limit], limit
        else:
            out, end = self._scan(pending, limit)
        window = self._history + pending[:end]
        self._history = window[len(window) - self._keep_history :] if self._keep_history else b""
        self._pending = pending[end:]
        return out

    def _scan(self, pending: bytes, limit: int) -> tuple[bytes, int]:
        assert self._pattern is not None
        parts: list[bytes] = []
        window = self._history + pending
        offset = len(self._history)
        cur = 0
        search_from = 0
        while True:
            found = self._pattern.search(pending, search_from)
            if found is None or found.start() >= limit:
                break
            start, stop = found.span()
            if self._protected(window, offset + start, offset + stop):
                search_from = start + 1
                continue
            parts.append(pending[cur:start])
            parts.append(self._mask)
            cur = search_from = stop
        end = max(cur, limit)
        parts.append(pending[cur:end])
        return b"".join(parts), end

    def _protected(self, window: bytes, start: int, stop: int) -> bool:
        """Whether ``window[start:stop]`` overlaps an occurrence of an unmask string."""
        for u in self._unmask:
            hit = window.find(u, max(0, start - len(u) + 1))
            if hit != -1 and hit < stop:
                return True
        return False


def mask_bytes(
    data: bytes,
    secrets: Iterable[bytes],
    *,
    unmask: Iterable[bytes] = (),
    mask: bytes = DEFAULT_MASK,
) -> bytes:
    """Mask a whole byte string at once."""
    masker = Masker(secrets, unmask=unmask, mask=mask)
    return masker.feed(data) + masker.flush()


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    read1 = getattr(stream, "read1", None)
    while True:
        # read1 returns what is available now, so a slow pipe is masked as it flows.
        chunk = read1(_READ_SIZE) if read1 is not None else stream.read(_READ_SIZE)
        if not chunk:
            return
        yield chunk


def mask_stream(src: BinaryIO, dst: BinaryIO, masker: Masker) -> None:
    """Copy ``src`` to ``dst`` through ``masker``, flushing ``dst`` after each piece."""
    for chunk in _chunks(src):
        out = masker.feed(chunk)
        if out:
            dst.write(out)
            dst.flush()
    dst.write(masker.flush())
    dst.flush()


def mask_file_in_place(path: str | os.PathLike[str], masker: Masker) -> None:
    """Mask a file through a temporary file in the same directory, then rename it into place.

    The file keeps its permission bits (ttm leaves the temporary file's 0600 instead).
    """
    target = Path(path)
    mode = target.stat().st_mode & 0o7777
    fd, tmp_name = tempfile.mkstemp(prefix=".secrets", suffix=".mask", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as dst, target.open("rb") as src:
            mask_stream(src, dst, masker)
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
