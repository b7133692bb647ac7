"""Nesting and size limits (issue 16 item 7): deep JSON bodies, KV values and ``q`` queries
answer 400 with a message (never a 500 or a RecursionError), and ``--max-body`` answers 413
without reading an oversized body."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from emulator_helpers import KV, Serve, bearer, raw_http, refresh

from terrateam_emulator.query.parser import (
    MAX_PAREN_DEPTH,
    MAX_TERMS,
    QuerySyntaxError,
    parse,
)
from terrateam_emulator.server.limits import MAX_JSON_DEPTH

WMS = "/api/v1/github/installations/12345/work-manifests"


def nested(depth: int, leaf: str = "1") -> str:
    """A JSON array nested ``depth`` levels."""
    return "[" * depth + leaf + "]" * depth


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    work = tmp_path_factory.mktemp("limits")
    s = Serve(work, "--seed", "demo").start()
    try:
        yield s
    finally:
        s.stop()
        # Whatever the tests sent, the server never hit the recursion limit.
        assert "RecursionError" not in s.err()
        assert "Traceback" not in s.err()


@pytest.fixture(scope="module")
def api(served: Serve) -> Iterator[httpx.Client]:
    key = served.out().split("TERRATEAM_API_KEY=")[1].split()[0]
    headers = {**bearer(refresh(served.url, key)), "content-type": "application/json"}
    with httpx.Client(base_url=served.url, headers=headers, timeout=60) as c:
        yield c


def test_kv_value_at_the_limit_round_trips(api: httpx.Client) -> None:
    """A value nested exactly MAX_JSON_DEPTH levels is stored and read back intact."""
    value = nested(MAX_JSON_DEPTH)
    r = api.put(KV + "/key/deep-ok", content='{"data":' + value + "}")
    assert r.status_code == 200, r.text
    got = api.get(KV + "/key/deep-ok")
    assert got.status_code == 200
    assert json.dumps(got.json()["data"], separators=(",", ":")) == value


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 300, 450, 10_000])
def test_kv_value_too_deep_is_400(api: httpx.Client, depth: int) -> None:
    """Beyond the limit: 400 with a message naming it; nothing stored."""
    r = api.put(KV + "/key/deep-bad", content='{"data":' + nested(depth) + "}")
    assert r.status_code == 400
    assert r.json()["id"] == "JSON_TOO_DEEP"
    assert str(MAX_JSON_DEPTH) in r.json()["data"]
    assert api.get(KV + "/key/deep-bad").status_code == 404


def test_objects_count_like_arrays(api: httpx.Client) -> None:
    """``{"a":{"a":…}}`` is nesting too."""
    deep = '{"a":' * 10_000 + "1" + "}" * 10_000
    assert api.put(KV + "/key/o", content='{"data":' + deep + "}").status_code == 400


def test_brackets_in_strings_and_wide_values_are_fine(api: httpx.Client) -> None:
    """Only real nesting counts: brackets inside strings and many shallow siblings pass."""
    text = "[{" * 10_000
    assert api.put(KV + "/key/s", json={"data": text}).status_code == 200
    assert api.get(KV + "/key/s").json()["data"] == text
    wide = [[{"a": [i]}] for i in range(2_000)]
    assert api.put(KV + "/key/w", json={"data": wide}).status_code == 200
    assert api.get(KV + "/key/w").json()["data"] == wide


def test_other_json_bodies_too_deep_are_400(served: Serve, api: httpx.Client) -> None:
    """API-key creation and the developer API check nesting the same way."""
    body = '{"name":"x","capabilities":' + nested(10_000, '"kv_store_read"') + "}"
    r = api.post("/api/v1/github/access-token", content=body)
    assert r.status_code == 400
    assert r.json()["id"] == "JSON_TOO_DEEP"
    r = httpx.post(
        served.url + "/_emulator/faults",
        content='{"kind":' + nested(450) + "}",
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 400
    assert "nested deeper than" in r.json()["error"]


def test_deep_jwt_header_is_403_not_500(served: Serve) -> None:
    """A bearer token whose header is 10,000 levels deep is just an invalid token."""
    head = base64.urlsafe_b64encode(nested(10_000).encode()).rstrip(b"=").decode()
    r = httpx.get(served.url + "/api/v1/whoami", headers=bearer(f"{head}.e30.c2ln"))
    assert r.status_code == 403


@pytest.mark.parametrize("depth", [1, MAX_PAREN_DEPTH])
def test_q_within_paren_limit(api: httpx.Client, depth: int) -> None:
    """Queries nested up to the limit run."""
    r = api.get(WMS, params={"q": "(" * depth + "repo:x" + ")" * depth})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("depth", [MAX_PAREN_DEPTH + 1, 450, 10_000])
def test_q_too_deep_is_400(api: httpx.Client, depth: int) -> None:
    """Deeper: 400 PARSE_ERROR saying why."""
    r = api.get(WMS, params={"q": "(" * depth + "repo:x" + ")" * depth})
    assert r.status_code == 400
    assert r.json()["id"] == "PARSE_ERROR"
    assert f"deeper than {MAX_PAREN_DEPTH}" in r.json()["data"]


@pytest.mark.parametrize("joiner", [" ", " and ", " or ", " and not "])
def test_q_long_chains(api: httpx.Client, joiner: str) -> None:
    """Chains up to the term limit run; longer ones are 400 (each link nests the tree)."""
    ok = joiner.join(["repo:x"] * (MAX_TERMS // 2))
    assert api.get(WMS, params={"q": ok}).status_code == 200
    long = joiner.join(["repo:x"] * 3_000)
    r = api.get(WMS, params={"q": long})
    assert r.status_code == 400
    assert f"more than {MAX_TERMS}" in r.json()["data"]


def test_q_worst_case_within_limits(api: httpx.Client) -> None:
    """Maximal parentheses around a maximal juxtaposition chain still parses and runs."""
    inner = " ".join(["repo:x"] * (MAX_TERMS - 1))
    q = "(" * MAX_PAREN_DEPTH + "not " + inner + ")" * MAX_PAREN_DEPTH
    assert api.get(WMS, params={"q": q}).status_code == 200


@pytest.mark.parametrize("depth", [450, 10_000, 100_000])
def test_q_parse_never_recurses_too_deep(depth: int) -> None:
    """The parser itself refuses before recursing, whatever the depth."""
    with pytest.raises(QuerySyntaxError):
        parse("(" * depth + "a" + ")" * depth)
    with pytest.raises(QuerySyntaxError):
        parse(" ".join(["a"] * depth))


# --------------------------------------------------------------------------- --max-body

LIMIT = 4096


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    work = tmp_path_factory.mktemp("maxbody")
    with Serve(work, "--seed", "demo", "--max-body", str(LIMIT)) as s:
        yield s


@pytest.fixture(scope="module")
def lapi(limited: Serve) -> Iterator[httpx.Client]:
    key = limited.out().split("TERRATEAM_API_KEY=")[1].split()[0]
    headers = {**bearer(refresh(limited.url, key)), "content-type": "application/json"}
    with httpx.Client(base_url=limited.url, headers=headers, timeout=60) as c:
        yield c


def test_huge_content_length_is_refused_before_the_body(limited: Serve, lapi: httpx.Client) -> None:
    """Content-Length 1 TB and no body sent: the 413 comes at once (nothing was awaited)."""
    token = lapi.headers["authorization"].encode()
    request = (
        b"PUT " + KV.encode() + b"/key/huge HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: " + token + b"\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000000000000\r\n\r\n"
    )
    answer = raw_http(limited.port, request)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413")
    assert b"connection: close" in head.lower()
    assert json.loads(body)["id"] == "BODY_TOO_LARGE"
    assert str(LIMIT).encode() in body


def test_body_over_the_limit_is_413_and_not_stored(lapi: httpx.Client) -> None:
    """A declared length over the limit: 413 with the limit in the message, nothing written."""
    r = lapi.put(KV + "/key/big", json={"data": "x" * (LIMIT + 10)})
    assert r.status_code == 413
    assert "--max-body" in r.json()["data"]
    assert lapi.get(KV + "/key/big").status_code == 404


def test_body_within_the_limit_passes(lapi: httpx.Client) -> None:
    """The limit is not off by one: LIMIT bytes exactly are accepted."""
    prefix, suffix = '{"data":"', '"}'
    body = prefix + "y" * (LIMIT - len(prefix) - len(suffix)) + suffix
    assert len(body) == LIMIT
    assert lapi.put(KV + "/key/fits", content=body).status_code == 200


def test_chunked_body_over_the_limit_is_413(lapi: httpx.Client) -> None:
    """Without Content-Length (chunked), the count stops the body as it passes the limit."""

    def chunks() -> Iterator[bytes]:
        yield b'{"data":"'
        for _ in range(10):
            yield b"z" * 1000
        yield b'"}'

    r = lapi.put(KV + "/key/chunked", content=chunks())
    assert r.status_code == 413
    assert lapi.get(KV + "/key/chunked").status_code == 404

    def small() -> Iterator[bytes]:
        yield b'{"data":'
        yield b'"ok"}'

    assert lapi.put(KV + "/key/chunked", content=small()).status_code == 200


def test_developer_api_body_limit(limited: Serve) -> None:
    """The developer API is limited too (its error shape: ``{"error"}``)."""
    r = httpx.put(
        limited.url + "/_emulator/blobs/b",
        content=b"\0" * (LIMIT + 1),
        headers={"content-type": "application/octet-stream"},
    )
    assert r.status_code == 413
    assert "--max-body" in r.json()["error"]


def test_max_body_must_be_positive(tmp_path: Path) -> None:
    """--max-body 0 is a usage error."""
    from emulator_helpers import run_serve

    r = run_serve("--max-body", "0")
    assert r.returncode == 2
    assert "--max-body" in r.stderr
