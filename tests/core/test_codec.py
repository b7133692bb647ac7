"""The chunk codec (terrateam_core/_codec.py): same bytes, same records, same errors as before.

Each fast path is checked against the stdlib it replaces: the chunk JSON against ``json.dumps``
of the record, base64 decoding against ``base64.b64decode(validate=True)``, response parsing
against ``json.loads``; then chunks cross a real emulator at sizes around chunk boundaries.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terrateam_core import TerrateamClient
from terrateam_core._call import _parse_json
from terrateam_core._calls.artifacts_format import decode_chunk, encode_chunk
from terrateam_core._calls.kv import KVCalls
from terrateam_core._codec import RawJSON, b64decode, chunk_json, fast_loads
from terrateam_core.errors import ArtifactError, ChecksumMismatchError, ResponseValidationError


def _stdlib_record(raw: bytes) -> dict[str, str]:
    text = base64.b64encode(raw)
    return {"chk": "sha256:" + hashlib.sha256(text).hexdigest(), "data": text.decode()}


@given(st.binary(max_size=5000))
def test_chunk_json__is_json_dumps_of_the_ttm_record(raw: bytes) -> None:
    """The prebuilt JSON is byte for byte what json.dumps writes for ttm's record."""
    record = _stdlib_record(raw)
    assert chunk_json(raw).to_bytes() == json.dumps(record, separators=(",", ":")).encode()
    assert encode_chunk(raw) == record


@given(st.binary(max_size=5000))
def test_decode_chunk__round_trips_through_the_json(raw: bytes) -> None:
    """Encode, parse the JSON (fast parser), decode: the bytes come back."""
    value = fast_loads(chunk_json(raw).to_bytes())
    assert decode_chunk(value, key="k", idx=0) == raw


_B64ISH = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n!é",
    max_size=40,
)


@settings(max_examples=500)
@given(_B64ISH)
def test_b64decode__accepts_and_refuses_what_the_stdlib_does(text: str) -> None:
    """Same output for every input the stdlib accepts, binascii.Error for every other."""
    data = text.encode("utf-8")
    try:
        expected: bytes | None = base64.b64decode(data, validate=True)
    except binascii.Error:
        expected = None
    if expected is None:
        with pytest.raises(binascii.Error):
            b64decode(data)
    else:
        assert b64decode(data) == expected


@pytest.mark.parametrize("text", ["AAAA====", "AB==", "A", "AA", "QUJD\n", "QU JD", "****"])
def test_b64decode__odd_paddings_follow_the_stdlib(text: str) -> None:
    """Inputs where pybase64 and the stdlib could disagree are decided by the stdlib."""
    try:
        expected: bytes | None = base64.b64decode(text, validate=True)
    except binascii.Error:
        expected = None
    if expected is None:
        with pytest.raises(binascii.Error):
            b64decode(text.encode())
    else:
        assert b64decode(text.encode()) == expected


def test_decode_chunk__invalid_base64_and_checksum_errors_unchanged() -> None:
    """A bad chk is ChecksumMismatchError (checked first); bad base64 is ArtifactError."""
    record = _stdlib_record(b"hello world")
    tampered = {"chk": record["chk"], "data": base64.b64encode(b"HELLO WORLD").decode()}
    with pytest.raises(ChecksumMismatchError, match="idx 7: checksum mismatch"):
        decode_chunk(tampered, key="k", idx=7)
    for bad in ("!!!!", "QUJD=A", "é", "A"):
        chk = "sha256:" + hashlib.sha256(bad.encode("ascii", "replace")).hexdigest()
        with pytest.raises(ArtifactError, match="idx 2: invalid base64"):
            decode_chunk({"chk": chk, "data": bad}, key="k", idx=2)
    with pytest.raises(ChecksumMismatchError):
        decode_chunk({"chk": record["chk"].upper(), "data": record["data"]}, key="k", idx=0)


def test_kv_write__raw_json_body_is_the_generic_body() -> None:
    """A chunk sent as RawJSON makes exactly the request body the dict would."""
    raw = bytes(range(256)) * 5
    calls = KVCalls("github", 12345)
    for kwargs in (
        {"idx": 0, "committed": True, "read_caps": None, "write_caps": None, "version": None},
        {"idx": 9, "committed": False, "read_caps": None, "write_caps": None, "version": 3},
        {"idx": 1, "committed": False, "read_caps": ["kv_store_read"], "write_caps": None},
    ):
        kwargs.setdefault("version", None)
        fast = calls.write("k", chunk_json(raw), cas=True, **kwargs)
        slow = calls.write("k", _stdlib_record(raw), cas=True, **kwargs)
        assert fast.body == slow.body
        assert fast.overrides == slow.overrides
        assert fast.path == slow.path
    assert isinstance(chunk_json(b""), RawJSON)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=30,
)


def _response(content: bytes) -> httpx.Response:
    request = httpx.Request("GET", "http://test.invalid/api/v1/x")
    return httpx.Response(200, content=content, request=request)


@settings(max_examples=300)
@given(_JSON, st.booleans())
def test_parse_json__same_values_as_json_loads(value: Any, ascii_only: bool) -> None:
    """Whatever json.loads returns for a response body, the parser returns too."""
    content = json.dumps(value, ensure_ascii=ascii_only).encode()
    got = _parse_json(_response(content))
    assert got == json.loads(content)
    assert json.dumps(got) == json.dumps(json.loads(content))


@pytest.mark.parametrize(
    "content",
    [
        b'["\\u00c9", 1]',  # pydantic-core 2.18.1-2.18.3 decoded this as "\u00c3\u0089"
        b'{"k": "a\\u00e9\\ud83d\\ude00b"}',  # BMP escape beside a surrogate pair
        b'"\\u0000\\n\\t\\""',
    ],
)
def test_parse_json__escapes_decode_as_json_loads(content: bytes) -> None:
    """Escaped non-ASCII text reads back as the characters it names (a lower-bound regression)."""
    assert _parse_json(_response(content)) == json.loads(content)


@pytest.mark.parametrize(
    "content",
    [
        b'"\\ud800"',  # a lone surrogate: pydantic-core refuses it, json accepts it
        b"\xef\xbb\xbf{}",  # a UTF-8 BOM: httpx's decoder strips it
        b"[" * 300 + b"]" * 300,  # deeper than pydantic-core's limit
        b"1" * 5000,  # past Python's int digit limit: not JSON for either
        b"NaN",
        b"",
        b"{bad",
    ],
)
def test_parse_json__fallback_keeps_results_and_errors(content: bytes) -> None:
    """What the fast parser refuses gets the old answer: a value, or ResponseValidationError."""
    response = _response(content)
    try:
        expected: Any = response.json()
    except (ValueError, UnicodeDecodeError, RecursionError):
        with pytest.raises(ResponseValidationError, match="is not JSON"):
            _parse_json(_response(content))
        return
    got = _parse_json(_response(content))
    assert json.dumps(got) == json.dumps(expected)


@pytest.fixture
def client(emulator: Any) -> Iterator[TerrateamClient]:
    """A sync client for the demo installation of a freshly reset emulator."""
    with TerrateamClient(
        api_key=emulator.api_key, base_url=emulator.url, installation_id=emulator.installation_id
    ) as c:
        yield c


@pytest.mark.parametrize("layout", ["generation", "ttm"])
def test_artifact__sizes_around_chunk_boundaries(client: TerrateamClient, layout: str) -> None:
    """k x chunk - 1, k x chunk and k x chunk + 1 bytes cross the emulator unchanged, and the
    stored records are ttm's records."""
    chunk = 3 * 1024 + 1  # odd: base64 padding of every kind occurs
    sizes = (0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk - 1, 3 * chunk, 3 * chunk + 1)
    for size in sizes if layout == "generation" else sizes[1:]:  # ttm stores no empty file
        data = bytes((i * 7 + size) % 251 for i in range(size))
        info = client.kv.put_artifact(f"art/b{size}", data, chunk_size=chunk, layout=layout)
        assert info.size == size
        assert info.sha256 == hashlib.sha256(data).hexdigest()
        buf = io.BytesIO()
        client.kv.get_artifact(f"art/b{size}", buf)
        assert buf.getvalue() == data
        if size and layout == "ttm":
            first = client.kv.get(f"art/b{size}", idx=0)
            assert first.data == _stdlib_record(data[:chunk])
