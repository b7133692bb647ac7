"""Routing fidelity (behaviour doc §0): 404 text/html for any mismatch, exact content types."""

from __future__ import annotations

import pytest
from emu_helpers import KV


def assert_route_404(r):
    """Upstream's route-mismatch answer."""
    assert r.status_code == 404
    assert r.content == b""
    assert r.headers["content-type"] == "text/html"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/whoami"),
        ("GET", "/api/v1/whoami/"),
        ("GET", "/api/v1/nothing"),
        ("PUT", "/api/v2/whatever"),
        ("DELETE", "/api/anything"),
        ("GET", "/not-api"),
        ("GET", "/api/v1/github/work-manifests/x"),
        ("GET", "/api/v1/gitlab/whoareyou"),
        ("GET", "/api/v1/bitbucket/kv/1/key/a"),
    ],
)
def test_unmatched_routes_are_404_text_html(api, method, path):
    """Wrong method, trailing slash, unknown path → 404, empty, text/html (§0.1)."""
    assert_route_404(api.request(method, path))


@pytest.mark.parametrize("method", ["HEAD", "PATCH", "OPTIONS"])
def test_unrouted_methods_are_404(api, method):
    """HEAD, PATCH and OPTIONS are never routed, not even for /health."""
    r = api.request(method, "/health")
    assert r.status_code == 404
    assert r.headers["content-type"] == "text/html"


@pytest.mark.parametrize(
    "params",
    [
        {"idx": "abc"},
        {"committed": "1"},
        {"committed": "True"},
        {"committed": "TRUE"},
        {"idx": "1.5"},
        {"idx": "99999999999999999999"},
    ],
)
def test_unparseable_query_values_are_404(api, params):
    """Declared query parameters that do not parse → route mismatch (§0.3)."""
    api.put(f"{KV}/key/q", json={"data": 1})
    assert_route_404(api.get(f"{KV}/key/q", params=params))


@pytest.mark.parametrize("value", ["0x0", "0o0", "0b0", "-0", "+0", "0_0"])
def test_integers_use_ocaml_int_of_string(api, value):
    """idx accepts OCaml integer syntax (hex, octal, binary, sign, underscores)."""
    api.put(f"{KV}/key/i", json={"data": 1})
    assert api.get(f"{KV}/key/i", params={"idx": value}).status_code == 200


def test_bare_scalar_parameter_is_404(api):
    """`?idx` without `=` gives an empty value list: a scalar then fails to parse."""
    api.put(f"{KV}/key/b", json={"data": 1})
    assert_route_404(api.get(f"{KV}/key/b?idx"))


def test_comma_splits_and_first_value_wins(api):
    """`idx=1,2` is two values and the scalar takes the first; repeated names concatenate."""
    api.put(f"{KV}/key/c", json={"data": "one", "idx": 1})
    assert api.get(f"{KV}/key/c?idx=1,2").json()["data"] == "one"
    assert api.get(f"{KV}/key/c?idx=1&idx=2").json()["data"] == "one"


def test_undeclared_query_parameters_are_ignored(api):
    """Parameters a route does not declare are ignored."""
    api.put(f"{KV}/key/u", json={"data": 1})
    assert api.get(f"{KV}/key/u", params={"whatever": "x", "d": "asc"}).status_code == 200


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=utf-8", "text/plain", "application/JSON", None],
)
def test_json_body_needs_exact_content_type(api, content_type):
    """Only an exact JSON content type parses the body; a charset suffix → 404 (§0.2)."""
    headers = {} if content_type is None else {"content-type": content_type}
    assert_route_404(api.put(f"{KV}/key/ct", content=b'{"data":1}', headers=headers))


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/x-javascript", "text/javascript", "text/x-json"],
)
def test_json_body_accepted_content_types(api, content_type):
    """The five JSON media types are all accepted."""
    r = api.put(f"{KV}/key/ct", content=b'{"data":1}', headers={"content-type": content_type})
    assert r.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"idx":0}',
        b'{"data":1,"idx":"0"}',
        b'{"data":1,"idx":1.0}',
        b'{"data":1,"committed":"true"}',
        b'{"data":1,"idx":true}',
    ],
)
def test_undecodable_bodies_are_404(api, body):
    """Invalid JSON, non-object, missing data, wrong field types → 404, never 400 (§8 #30)."""
    assert_route_404(
        api.put(f"{KV}/key/b", content=body, headers={"content-type": "application/json"})
    )


def test_body_nulls_are_absent_and_unknown_fields_ignored(api):
    """`idx: null` means default; unknown fields are ignored."""
    r = api.put(f"{KV}/key/n", json={"data": 1, "idx": None, "committed": None, "zzz": 1})
    assert r.status_code == 200
    assert r.json()["idx"] == 0


def test_select_entry_without_equals_is_404(api):
    """A non-empty select entry without `=` → route mismatch."""
    api.put(f"{KV}/key/s", json={"data": 1})
    assert_route_404(api.get(f"{KV}/key/s", params={"select": "nope"}))


def test_percent_decoding_in_keys_and_plus_literal(api):
    """Keys are percent-decoded; `+` in a path is a literal plus; `%2B` likewise."""
    api.put(f"{KV}/key/a+b%20c", json={"data": 1})
    assert api.get(f"{KV}/key/a%2Bb c").json()["key"] == "a+b c"


def test_json_responses_are_compact_with_exact_content_type(api):
    """JSON answers are compact (no spaces) with Content-Type exactly application/json."""
    r = api.get("/api/v1/whoami")
    assert r.headers["content-type"] == "application/json"
    assert b" " not in r.content


def test_emulator_version_header_on_every_response(api):
    """Every response carries X-Terrateam-Emulator-Version (STYLE rule 18)."""
    for r in (api.get("/health"), api.get("/api/v1/nothing"), api.get(f"{KV}/key/zz")):
        assert r.headers["x-terrateam-emulator-version"]


def test_no_rate_limit_headers_or_cors(api):
    """No rate-limit or CORS headers are emitted (§0.5, §7)."""
    r = api.get("/api/v1/whoami")
    assert not [h for h in r.headers if h.startswith(("x-ratelimit", "access-control"))]


def test_dev_api_not_reachable_under_api(api):
    """The developer API lives only under /_emulator/."""
    assert_route_404(api.post("/api/_emulator/reset"))
    assert_route_404(api.post("/api/v1/_emulator/clock/advance", json={"seconds": 1}))


def test_response_headers_like_upstream(api):
    """Responses carry Content-Length and Connection: keep-alive, and no Server banner (§0.5)."""
    for r in (api.get("/api/v1/whoami"), api.get("/api/v1/nothing"), api.get(f"{KV}/key/none")):
        assert r.headers["content-length"] == str(len(r.content))
        assert r.headers["connection"] == "keep-alive"
        assert "server" not in r.headers


def test_json_comments_are_accepted_like_yojson(api):
    """Yojson's reader accepts // and /* */ comments; slashes inside strings stay."""
    body = b'{"data": /* c */ {"url": "http://x//y/*z*/"} // trailing\n}'
    r = api.put(f"{KV}/key/cm", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 200
    assert api.get(f"{KV}/key/cm").json()["data"] == {"url": "http://x//y/*z*/"}
    bad = api.put(
        f"{KV}/key/cm", content=b'{"data":1 /* open', headers={"content-type": "application/json"}
    )
    assert_route_404(bad)
