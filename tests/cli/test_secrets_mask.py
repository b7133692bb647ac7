"""Tests for ttm's masking filter: `terrateam_core._mask` and `terrateam secrets mask`."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from terrateam_core._mask import Masker, mask_bytes, mask_stream, parse_secrets
from terrateam_core.cli.secrets import app


def reference_mask(data: bytes, secrets: list[bytes], unmask: list[bytes], mask: bytes) -> bytes:
    """Whole-buffer, position-by-position statement of ttm's matching rules (§1.11)."""
    ordered = sorted({s for s in secrets if s}, key=len, reverse=True)
    unmask = [u for u in unmask if u]
    occurrences = [
        (i, i + len(u)) for u in unmask for i in range(len(data)) if data.startswith(u, i)
    ]
    out = bytearray()
    pos = 0
    while pos < len(data):
        match = next((s for s in ordered if data.startswith(s, pos)), None)
        if match is not None and not any(a < pos + len(match) and pos < b for a, b in occurrences):
            out += mask
            pos += len(match)
        else:
            out.append(data[pos])
            pos += 1
    return bytes(out)


def feed_in_chunks(masker: Masker, data: bytes, cuts: list[int]) -> bytes:
    """Feed ``data`` split at the sorted positions ``cuts``."""
    out = bytearray()
    prev = 0
    for cut in [*sorted(set(cuts)), len(data)]:
        out += masker.feed(data[prev:cut])
        prev = cut
    return bytes(out + masker.flush())


class OneByteReader(io.RawIOBase):
    """A pipe that hands out one byte per read, like a slow producer."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def readable(self) -> bool:
        return True

    def read1(self, size: int = -1) -> bytes:
        chunk = self._data[self._pos : self._pos + 1]
        self._pos += len(chunk)
        return chunk

    def read(self, size: int = -1) -> bytes:
        return self.read1(size)


def test_parse_secrets_dot_plus_and_plain_lines() -> None:
    """`.` starts a secret, `+` continues it after a newline, other lines are whole secrets."""
    text = b".first\n+second line\nplain\n.with\r\n+\n.\n"
    assert parse_secrets(text) == [b"first\nsecond line", b"plain", b"with\r\n"]


def test_parse_secrets_plus_without_previous_starts_one() -> None:
    """A leading `+` line starts a new secret, as in ttm."""
    assert parse_secrets(b"+abc\n") == [b"abc"]


def test_parse_secrets_drops_empty_secrets() -> None:
    """Empty lines would make ttm loop forever; they are dropped."""
    assert parse_secrets(b"\n\n.\nx\n\n") == [b"x"]


def test_mask_longest_match_wins() -> None:
    """At one position the longest matching secret is replaced."""
    assert mask_bytes(b"xx abcdef yy abc", [b"abc", b"abcdef"]) == b"xx *** yy ***"


def test_mask_unmask_overlap_skips_position() -> None:
    """A match overlapping an unmask string is left alone; later positions still match."""
    data = b"path/secret-dir and secret"
    assert mask_bytes(data, [b"secret"], unmask=[b"path/secret-dir"]) == b"path/secret-dir and ***"


def test_mask_binary_and_nul_secret() -> None:
    """NUL bytes can be secrets (the runner strips NULs this way)."""
    assert mask_bytes(b"a\x00b\x00", [b"\x00"], mask=b"") == b"ab"


def test_mask_empty_secret_does_not_loop() -> None:
    """An empty secret is ignored instead of looping forever."""
    assert mask_bytes(b"hello", [b""]) == b"hello"


def test_mask_secret_straddling_read_boundary() -> None:
    """A secret split between two reads is masked (ttm leaks it)."""
    masker = Masker([b"TOPSECRET"])
    data = b"A" * 65535 + b"TOPSECRET" + b"B" * 10
    assert feed_in_chunks(masker, data, [65536]) == b"A" * 65535 + b"***" + b"B" * 10


def test_mask_stream_one_byte_reads_from_pipe() -> None:
    """Reads smaller than the secret do not defeat the masking (ttm's small-read leak)."""
    data = b"log: token=s3cr3t-value; again s3cr3t-value\n"
    dst = io.BytesIO()
    mask_stream(OneByteReader(data), dst, Masker([b"s3cr3t-value"]))  # type: ignore[arg-type]
    assert dst.getvalue() == b"log: token=***; again ***\n"


secret_st = st.binary(min_size=0, max_size=6).map(lambda b: bytes(97 + x % 3 for x in b))
data_st = st.binary(max_size=300).map(lambda b: bytes(97 + x % 4 for x in b))


@settings(max_examples=300, deadline=None)
@given(
    secrets=st.lists(secret_st, max_size=5),
    unmask=st.lists(secret_st, max_size=2),
    data=data_st,
    cuts=st.lists(st.integers(min_value=0, max_value=300), max_size=20),
)
def test_mask_property_chunking_never_changes_output(
    secrets: list[bytes], unmask: list[bytes], data: bytes, cuts: list[int]
) -> None:
    """Any chunking of the stream gives the reference output of ttm's rules."""
    cuts = [c for c in cuts if c <= len(data)]
    expected = reference_mask(data, secrets, unmask, b"***")
    assert feed_in_chunks(Masker(secrets, unmask=unmask), data, cuts) == expected


@settings(max_examples=300, deadline=None)
@given(
    secrets=st.lists(secret_st.filter(bool), min_size=1, max_size=5),
    data=data_st,
    cuts=st.lists(st.integers(min_value=0, max_value=300), max_size=20),
)
def test_mask_property_every_occurrence_masked(
    secrets: list[bytes], data: bytes, cuts: list[int]
) -> None:
    """With no unmask strings, no secret survives in the output, whatever the chunking."""
    cuts = [c for c in cuts if c <= len(data)]
    out = feed_in_chunks(Masker(secrets), data, cuts)
    for secret in secrets:
        assert secret not in out
    # Outside the masks the bytes are the input's: removing masks leaves a subsequence.
    assert len(out.replace(b"***", b"")) <= len(data)


runner = CliRunner()


@pytest.fixture
def secrets_file(tmp_path: Path) -> Path:
    """A secrets file in the runner's format (a two-line secret and a plain one)."""
    path = tmp_path / "secrets"
    path.write_bytes(b".hunter2\n.multi\n+line\n")
    return path


def test_cli_mask_stdin_to_stdout(secrets_file: Path) -> None:
    """Without FILE the filter reads stdin and writes stdout."""
    stdin = b"pw hunter2 multi\nline\n"
    result = runner.invoke(app, ["mask", "-s", str(secrets_file)], input=stdin)
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == b"pw *** ***\n"


def test_cli_mask_file_to_stdout_with_custom_mask(secrets_file: Path, tmp_path: Path) -> None:
    """FILE without -i prints the masked text, with --mask as the replacement."""
    log = tmp_path / "log"
    log.write_bytes(b"hunter2!")
    result = runner.invoke(app, ["mask", "-s", str(secrets_file), "--mask", "[x]", str(log)])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == b"[x]!"
    assert log.read_bytes() == b"hunter2!"


def test_cli_mask_in_place_with_unmask_keeps_mode(secrets_file: Path, tmp_path: Path) -> None:
    """The runner's call (`-s … --unmask … --in-place FILE`) rewrites FILE and keeps its mode."""
    log = tmp_path / "out.stdout"
    log.write_bytes(b"dir/hunter2/x and hunter2 -v\n")
    os.chmod(log, 0o644)
    unmask = tmp_path / "unmask"
    unmask.write_bytes(b".dir/hunter2/x\n")
    args = ["mask", "-vvv", "-s", str(secrets_file), "--unmask", str(unmask), "-i", str(log)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == b""
    assert log.read_bytes() == b"dir/hunter2/x and *** -v\n"
    assert stat.S_IMODE(log.stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.stdout", "secrets", "unmask"]


def test_cli_mask_missing_secrets_file_is_usage_error(tmp_path: Path) -> None:
    """A nonexistent --secrets file is a usage error (exit 1 through the root command)."""
    from terrateam_core.cli import app as root

    result = runner.invoke(root, ["secrets", "mask", "-s", str(tmp_path / "nope")], input=b"x")
    assert result.exit_code == 1
    assert result.stdout_bytes == b""
