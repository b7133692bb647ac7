"""KV store contract (behaviour doc §4): one test per client-observable rule, over real HTTP."""

from __future__ import annotations

import pytest
from emu_helpers import KV, bearer

SYS_READ = "kv_store_system_read"


def put(api, key, body, **kw):
    return api.put(f"{KV}/key/{key}", json=body, **kw)


def get(api, key, **params):
    return api.get(f"{KV}/key/{key}", params=params)


def test_set__first_write_has_version_0_and_data_null(api):
    """A new key is inserted with version 0; set answers the record with `data: null` (§8 #3/#4)."""
    r = put(api, "a", {"data": {"x": 1}})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["version"] == 0
    assert body["data"] is None
    assert body["committed"] is True
    assert body["idx"] == 0
    assert body["key"] == "a"
    assert "read_caps" not in body
    assert "write_caps" not in body


def test_set__record_field_order_and_timestamp_format(api):
    """Fields come in upstream's alphabetical order and created_at has no fraction."""
    put(api, "ord", {"data": 1, "read_caps": [], "write_caps": []})
    text = get(api, "ord").text
    keys = ["committed", "created_at", "data", "idx", "key", "read_caps", "size", "version"]
    positions = [text.index(f'"{k}"') for k in [*keys, "write_caps"]]
    assert positions == sorted(positions)
    created = get(api, "ord").json()["created_at"]
    assert len(created) == 20
    assert created.endswith("Z")
    assert created[10] == "T"


def test_set__overwrite_bumps_version_and_replaces_caps(api):
    """Overwriting increments version, replaces data, and omitted caps clear the old ones."""
    put(api, "v", {"data": 1, "read_caps": ["kv_store_read"]})
    r = put(api, "v", {"data": 2})
    assert r.json()["version"] == 1
    body = get(api, "v").json()
    assert body["data"] == 2
    assert "read_caps" not in body


def test_set__omitting_committed_makes_row_committed(api):
    """A set without `committed` over an uncommitted row commits it."""
    put(api, "c", {"data": 1, "committed": False})
    assert get(api, "c").status_code == 404
    put(api, "c", {"data": 2})
    assert get(api, "c").json()["committed"] is True


def test_set__uncommitted_over_committed_hides_row(api):
    """Writing committed:false over a committed row makes it invisible to default reads."""
    put(api, "h", {"data": 1})
    put(api, "h", {"data": 2, "committed": False})
    assert get(api, "h").status_code == 404
    assert get(api, "h", committed="false").json()["data"] == 2


def test_set__caps_echoed_in_canonical_form(api):
    """read_caps/write_caps are echoed re-serialised canonically."""
    caps = [{"name": "installation_id", "id": "12345"}, "kv_store_read"]
    body = put(api, "cc", {"data": 1, "read_caps": caps}).json()
    assert body["read_caps"] == [{"id": "12345", "name": "installation_id"}, "kv_store_read"]


@pytest.mark.parametrize(
    "caps",
    [["nope"], "kv_store_read", [{"name": "installation_id", "id": 5}], [{"name": "vcs"}], [1]],
)
def test_set__invalid_caps_is_400_empty_json(api, caps):
    """Invalid read_caps/write_caps → 400, empty body, Content-Type application/json (§4.12)."""
    for field in ("read_caps", "write_caps"):
        r = put(api, "bad", {"data": 1, field: caps})
        assert r.status_code == 400
        assert r.content == b""
        assert r.headers["content-type"] == "application/json"


def test_set__null_caps_mean_absent(api):
    """`read_caps: null` is treated as absent."""
    body = put(api, "n", {"data": 1, "read_caps": None}).json()
    assert "read_caps" not in body


def test_set__over_write_protected_row_is_500_without_content_type(api):
    """Overwriting a row whose write_caps the caller lacks → 500, empty, no Content-Type."""
    put(api, "wp", {"data": 1, "write_caps": [SYS_READ]})
    r = put(api, "wp", {"data": 2})
    assert r.status_code == 500
    assert r.content == b""
    assert "content-type" not in r.headers


def test_set__writer_need_not_read(api):
    """Existing read_caps are not checked on set: a writer can overwrite unreadable data."""
    put(api, "wr", {"data": 1, "read_caps": [SYS_READ]})
    assert put(api, "wr", {"data": 2}).status_code == 200
    assert get(api, "wr").json()["data"] == 2


def test_set__data_may_be_any_json(api):
    """Data may be null, a scalar, an array or an object (§8 #2)."""
    for i, value in enumerate([None, 3, "s", [1, "a"], {"k": [True]}, False]):
        assert put(api, f"any{i}", {"data": value}).status_code == 200
        assert get(api, f"any{i}").json()["data"] == value


@pytest.mark.parametrize("raw", ['{"data":"\\u0000"}', '{"data":NaN}', '{"data":"\\ud800"}'])
def test_set__data_jsonb_rejects_is_500(api, raw):
    """`\\u0000`, NaN and lone surrogates are rejected by jsonb → 500, not 400 (§4.8)."""
    r = api.put(f"{KV}/key/bad", content=raw.encode(), headers={"content-type": "application/json"})
    assert r.status_code == 500
    assert "content-type" not in r.headers


def test_get__jsonb_key_order_and_number_canonicalisation(api):
    """Objects come back in jsonb order (length, then bytes), numbers canonicalised (§4.8)."""
    raw = '{"data":{"b":1,"aa":2,"a":3,"a":4,"n":[1e2,1.50,1.5e-3,10000000000000000000001]}}'
    api.put(f"{KV}/key/j", content=raw, headers={"content-type": "application/json"})
    assert '"data":{"a":4,"b":1,"n":[100,1.5,0.0015,10000000000000000000001],"aa":2}' in (
        get(api, "j").text
    )


@pytest.mark.parametrize(
    ("raw", "size"),
    [
        ('{"b":1,"aa":2,"a":3}', 25),
        ("[1,2]", 6),
        ('"é\\t"', 5),
        ("1.50", 4),
        ("1e2", 3),
        ("null", 4),
    ],
)
def test_size__is_characters_of_jsonb_text(api, raw, size):
    """size = characters of PostgreSQL's jsonb text rendering (§4.10 table)."""
    body = '{"data":' + raw + "}"
    r = api.put(f"{KV}/key/s", content=body, headers={"content-type": "application/json"})
    assert r.json()["size"] == size
    assert api.get(f"{KV}/size/key/s").json() == {"size": size}


def test_size__sums_rows_and_filters_idx(api):
    """size sums data_size over the key's rows; `idx` selects one row."""
    put(api, "m", {"data": "ab", "idx": 0})
    put(api, "m", {"data": [1, 2], "idx": 1})
    assert api.get(f"{KV}/size/key/m").json() == {"size": 4 + 6}
    assert api.get(f"{KV}/size/key/m", params={"idx": 1}).json() == {"size": 6}


def test_size__zero_rows_is_500(api):
    """size over zero matching rows → 500, empty, no Content-Type (never 404, §8 #9)."""
    r = api.get(f"{KV}/size/key/missing")
    assert r.status_code == 500
    assert r.content == b""
    assert "content-type" not in r.headers


def test_get__missing_is_404_json_empty(api):
    """A get miss → 404, empty body, Content-Type application/json (not text/html)."""
    r = get(api, "missing")
    assert r.status_code == 404
    assert r.content == b""
    assert r.headers["content-type"] == "application/json"


def test_get__hidden_by_read_caps_is_404(api):
    """A row whose read_caps the caller lacks looks absent (404)."""
    put(api, "hid", {"data": 1, "read_caps": [SYS_READ]})
    assert get(api, "hid").status_code == 404


def test_get__empty_read_caps_readable_by_all(api):
    """`read_caps: []` is satisfied by everyone (containment)."""
    put(api, "e", {"data": 1, "read_caps": []})
    assert get(api, "e").status_code == 200


def test_get__committed_false_returns_either_state(api):
    """committed=false returns the row whether or not it is committed."""
    put(api, "x", {"data": 1})
    assert get(api, "x", committed="false").status_code == 200


def test_get__idx_echoes_request_and_wraps_16_bits(api):
    """idx wraps to 16 bits (70000 → 4464); set and get echo the unwrapped value (§4.9)."""
    assert put(api, "w", {"data": 1, "idx": 70000}).json()["idx"] == 70000
    assert get(api, "w", idx=4464).json()["idx"] == 4464
    assert get(api, "w", idx=70000).json()["idx"] == 70000
    it = api.get(f"{KV}/iter/w").json()["results"]
    assert [r["idx"] for r in it] == [4464]


def test_get__negative_idx_is_legal(api):
    """Negative idx values address their own rows."""
    put(api, "neg", {"data": "n", "idx": -3})
    assert get(api, "neg", idx=-3).json()["data"] == "n"


def test_get__key_with_slashes_and_encoded_slash(api):
    """Keys hold `/`; raw and %2F forms address the same key for get/set."""
    put(api, "a/b/c", {"data": 1})
    assert api.get(f"{KV}/key/a%2Fb%2Fc").json()["key"] == "a/b/c"


def test_get__empty_key_is_legal(api):
    """The empty key is a key."""
    assert put(api, "", {"data": "empty"}).status_code == 200
    assert get(api, "").json()["data"] == "empty"


def test_cas__insert_if_absent(api):
    """cas without version inserts with version 0; again → 400 (even if uncommitted)."""
    r = api.put(f"{KV}/cas/key/c", json={"data": 1, "committed": False})
    assert r.status_code == 200
    assert r.json()["version"] == 0
    assert r.json()["data"] is None
    r = api.put(f"{KV}/cas/key/c", json={"data": 2})
    assert r.status_code == 400
    assert r.content == b""
    assert r.headers["content-type"] == "application/json"


def test_cas__compare_and_set(api):
    """cas with the current version updates and bumps; a stale version → 400."""
    put(api, "c", {"data": 1})
    r = api.put(f"{KV}/cas/key/c", json={"data": 2, "version": 0})
    assert r.json()["version"] == 1
    assert api.put(f"{KV}/cas/key/c", json={"data": 3, "version": 0}).status_code == 400
    assert get(api, "c").json()["data"] == 2


def test_cas__missing_row_with_version_is_400(api):
    """cas with a version on a missing row → 400."""
    assert api.put(f"{KV}/cas/key/none", json={"data": 1, "version": 0}).status_code == 400


def test_cas__write_caps_unsatisfied_is_400(api):
    """cas update of a write-protected row → 400 (not 500 as set)."""
    put(api, "p", {"data": 1, "write_caps": [SYS_READ]})
    assert api.put(f"{KV}/cas/key/p", json={"data": 2, "version": 0}).status_code == 400


def test_cas__ignores_committed_and_read_caps_of_existing_row(api):
    """The existing row's committed state and read_caps do not matter to cas."""
    put(api, "q", {"data": 1, "committed": False, "read_caps": [SYS_READ]})
    assert api.put(f"{KV}/cas/key/q", json={"data": 2, "version": 0}).status_code == 200


def test_cas__version_wraps_16_bits(api):
    """cas `version` wraps like idx: 65536 addresses version 0."""
    put(api, "vw", {"data": 1})
    assert api.put(f"{KV}/cas/key/vw", json={"data": 2, "version": 65536}).status_code == 200


def test_cas__invalid_caps_is_400(api):
    """Invalid caps in a cas body → 400."""
    assert api.put(f"{KV}/cas/key/ic", json={"data": 1, "write_caps": ["x"]}).status_code == 400


def test_version_overflow_is_500(emulator, api):
    """After version 32767 the next set or cas fails with 500, permanently (§4.9)."""
    put(api, "ov", {"data": 0})
    store = emulator.server.app.state.emulator
    from sqlalchemy import update

    from terrateam_emulator.resources.kv.tables import kv

    with store.db.write() as conn:
        conn.execute(update(kv).where(kv.c.key == "ov").values(version=32767))
    assert put(api, "ov", {"data": 1}).status_code == 500
    assert api.put(f"{KV}/cas/key/ov", json={"data": 1, "version": 32767}).status_code == 500
    assert get(api, "ov").json()["version"] == 32767


def test_delete__result_true_then_false(api):
    """delete answers {"result":true} when a row went, {"result":false} otherwise, never 404."""
    put(api, "d", {"data": 1})
    assert api.delete(f"{KV}/key/d").json() == {"result": True}
    r = api.delete(f"{KV}/key/d")
    assert r.status_code == 200
    assert r.json() == {"result": False}


def test_delete__all_idx_by_default_and_uncommitted_too(api):
    """Without idx every idx goes, uncommitted rows included."""
    put(api, "d", {"data": 1, "idx": 0})
    put(api, "d", {"data": 1, "idx": 1, "committed": False})
    assert api.delete(f"{KV}/key/d").json() == {"result": True}
    assert api.get(f"{KV}/count/key/d", params={"committed": "false"}).status_code == 404


def test_delete__idx_and_version_filters(api):
    """`idx` and `version` narrow the delete."""
    put(api, "d", {"data": 1, "idx": 0})
    put(api, "d", {"data": 1, "idx": 1})
    assert api.delete(f"{KV}/key/d", params={"idx": 0, "version": 5}).json() == {"result": False}
    assert api.delete(f"{KV}/key/d", params={"idx": 0, "version": 0}).json() == {"result": True}
    assert api.get(f"{KV}/count/key/d").json() == {"count": 1, "max_idx": 1}


def test_delete__write_protected_row_stays(api):
    """Rows whose write_caps the caller lacks are not deleted: result false."""
    put(api, "d", {"data": 1, "write_caps": [SYS_READ]})
    assert api.delete(f"{KV}/key/d").json() == {"result": False}
    assert get(api, "d").status_code == 200


def test_count__exact_key_and_max_idx(api):
    """count counts exactly one key's rows (no prefix) and reports the largest idx."""
    put(api, "k", {"data": 1, "idx": 0})
    put(api, "k", {"data": 1, "idx": 7})
    put(api, "kk", {"data": 1})
    assert api.get(f"{KV}/count/key/k").json() == {"count": 2, "max_idx": 7}


def test_count__zero_rows_is_404_json(api):
    """count with no rows → 404, empty, application/json (§8 #8)."""
    r = api.get(f"{KV}/count/key/none")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/json"


def test_count__committed_and_read_caps_filters(api):
    """count hides uncommitted rows by default and rows hidden by read_caps."""
    put(api, "k", {"data": 1, "idx": 0, "committed": False})
    put(api, "k", {"data": 1, "idx": 1, "read_caps": [SYS_READ]})
    assert api.get(f"{KV}/count/key/k").status_code == 404
    assert api.get(f"{KV}/count/key/k", params={"committed": "false"}).json() == {
        "count": 1,
        "max_idx": 0,
    }


def test_count__raw_slash_in_key_is_route_404_encoded_works(api):
    """count's key is one segment: raw `/` → 404 text/html; `%2F` works (§4.2)."""
    put(api, "a/b", {"data": 1})
    r = api.get(f"{KV}/count/key/a/b")
    assert r.status_code == 404
    assert r.headers["content-type"] == "text/html"
    assert api.get(f"{KV}/count/key/a%2Fb").json() == {"count": 1, "max_idx": 0}


def _keys(api, key="", **params):
    r = api.get(f"{KV}/iter/{key}", params=params)
    assert r.status_code == 200, r.status_code
    return [(x["key"], x["idx"]) for x in r.json()["results"]]


def _iter_fixture(api):
    for key, idx in [("a", 0), ("b", 0), ("b", 1), ("b", 2), ("c", 0), ("B", 0)]:
        put(api, key, {"data": key, "idx": idx})


def test_iter__byte_order_and_defaults(api):
    """iter sorts by (key, idx) in byte order (`B` < `a`), from the empty key, limit 30."""
    _iter_fixture(api)
    assert _keys(api) == [("B", 0), ("a", 0), ("b", 0), ("b", 1), ("b", 2), ("c", 0)]
    for i in range(40):
        put(api, f"z{i:02d}", {"data": i})
    assert len(_keys(api)) == 30


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, [("b", 0), ("b", 1), ("b", 2), ("c", 0)]),
        ({"idx": 1}, [("b", 1), ("b", 2)]),
        ({"inclusive": "false"}, [("c", 0)]),
        ({"inclusive": "false", "idx": 1}, [("b", 2), ("c", 0)]),
    ],
)
def test_iter__start_conditions(api, params, expected):
    """The four rows of the §4.4.7 start-condition table."""
    _iter_fixture(api)
    assert _keys(api, "b", **params) == expected


def test_iter__prefix_and_limit_zero_and_negative(api):
    """prefix filters by key prefix; limit=0 → []; negative limit → 500."""
    for k in ["ab", "abc", "abd", "b"]:
        put(api, k, {"data": 1})
    assert _keys(api, "ab", prefix="true") == [("ab", 0), ("abc", 0), ("abd", 0)]
    assert _keys(api, "", limit=0) == []
    r = api.get(f"{KV}/iter/", params={"limit": -1})
    assert r.status_code == 500
    assert "content-type" not in r.headers


def test_iter__limit_wraps_32_bits(api):
    """limit is truncated to 32 bits: 2**32 + 1 means 1."""
    _iter_fixture(api)
    assert len(_keys(api, limit=2**32 + 1)) == 1


def test_iter__committed_and_read_caps_filters_and_real_values(api):
    """iter omits uncommitted and unreadable rows; records carry data and stored values."""
    put(api, "a", {"data": {"v": 1}, "read_caps": []})
    put(api, "b", {"data": 1, "committed": False})
    put(api, "c", {"data": 1, "read_caps": [SYS_READ]})
    results = api.get(f"{KV}/iter/").json()["results"]
    assert [r["key"] for r in results] == ["a"]
    assert results[0]["data"] == {"v": 1}
    assert results[0]["read_caps"] == []
    assert len(_keys(api, committed="false")) == 2


def test_iter__response_key_is_results(api):
    """The list is under "results" (docs say "records", §8 #1); include_data is ignored."""
    put(api, "a", {"data": 1})
    body = api.get(f"{KV}/iter/", params={"include_data": "false"}).json()
    assert list(body) == ["results"]
    assert body["results"][0]["data"] == 1


def test_iter__no_slash_after_iter_is_route_404(api):
    """`…/iter` without a trailing slash does not match (404 text/html)."""
    r = api.get(f"{KV}/iter")
    assert r.status_code == 404
    assert r.headers["content-type"] == "text/html"


def test_commit__flips_only_uncommitted_and_reports_them(api):
    """commit flips uncommitted writable rows and lists only those (§8 #10)."""
    put(api, "u", {"data": 1, "idx": 0, "committed": False})
    put(api, "u", {"data": 1, "idx": 1, "committed": False})
    put(api, "c", {"data": 1})
    put(api, "p", {"data": 1, "committed": False, "write_caps": [SYS_READ]})
    body = {"keys": [{"key": "u"}, {"key": "c"}, {"key": "p"}, {"key": "missing", "idx": 0}]}
    r = api.post(f"{KV}/commit", json=body)
    assert r.status_code == 200
    assert sorted((k["key"], k["idx"]) for k in r.json()["keys"]) == [("u", 0), ("u", 1)]
    assert api.post(f"{KV}/commit", json=body).json() == {"keys": []}


def test_commit__keeps_version_and_created_at(api):
    """commit changes neither version nor created_at."""
    put(api, "u", {"data": 1, "committed": False})
    before = get(api, "u", committed="false").json()
    api.post(f"{KV}/commit", json={"keys": [{"key": "u", "idx": None}]})
    after = get(api, "u").json()
    assert (after["version"], after["created_at"]) == (before["version"], before["created_at"])


def test_commit__empty_keys(api):
    """An empty key list returns {"keys":[]}."""
    assert api.post(f"{KV}/commit", json={"keys": []}).json() == {"keys": []}


def test_commit__needs_only_write(token_for, emulator):
    """commit requires kv_store_write only."""
    import httpx

    token = token_for(["kv_store_write", {"id": "12345", "name": "installation_id"}])
    r = httpx.post(emulator.url + f"{KV}/commit", json={"keys": []}, headers=bearer(token))
    assert r.status_code == 200


def test_namespaces_are_per_vcs_and_installation(api):
    """github:12345 and gitlab:678 are separate namespaces; keys come back without namespace."""
    put(api, "same", {"data": "gh"})
    api.put("/api/v1/gitlab/kv/678/key/same", json={"data": "gl"})
    assert get(api, "same").json()["data"] == "gh"
    gl = api.get("/api/v1/gitlab/kv/678/key/same").json()
    assert (gl["data"], gl["key"]) == ("gl", "same")


def test_installation_id_parsed_as_int_and_normalised(api):
    """The path id is an OCaml int (0x3039 = 12345), a non-integer is a route 404 (§8 #29)."""
    put(api, "hex", {"data": 1})
    assert api.get("/api/v1/github/kv/0x3039/key/hex").status_code == 200
    r = api.get("/api/v1/github/kv/abc/key/hex")
    assert r.status_code == 404
    assert r.headers["content-type"] == "text/html"


@pytest.mark.parametrize("raw_key", ["%FF", "a%00b"])
def test_keys_postgres_rejects_are_500(api, raw_key):
    """Invalid UTF-8 or NUL in a key is a DB error upstream → 500 without Content-Type."""
    for r in (
        api.get(f"{KV}/key/{raw_key}"),
        api.put(f"{KV}/key/{raw_key}", json={"data": 1}),
    ):
        assert r.status_code == 500
        assert "content-type" not in r.headers


def test_dot_segments_are_normalised_in_keys(api):
    """Whole `.`/`..` segments are resolved away unless the slashes are sent as %2F (§0.4)."""
    put(api, "a%2F..%2Fb", {"data": "literal"})
    assert get(api, "a%2F..%2Fb").json()["key"] == "a/../b"
