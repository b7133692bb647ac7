"""The KV write/read fast paths: plain strings copied, one stored copy, same answers (§4.8).

A body without a backslash has no string to escape, so ``canonicalise(plain_strings=True)``
must render exactly what the scanning path renders; a value without a fractional number is
stored once (``kv.data`` = '') and must read, size and project as if both texts were stored.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from typing import Any

import httpx
import jwt
import pytest
from emu_helpers import KV, bearer
from hypothesis import given, settings
from hypothesis import strategies as st

from terrateam_emulator import EmulatorSettings, create_app
from terrateam_emulator.storage.jsonb import (
    Num,
    canonicalise,
    canonicalise_for_store,
    loads_lossless,
    normalise,
    pg_from_compact,
    render_pg,
)

# Strings a JSON text can carry without a backslash: no quote, backslash or control character.
_PLAIN = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",), blacklist_characters='"\\' + "".join(map(chr, range(32)))
    ),
    max_size=20,
)
_ANY = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20
)


def _values(strings: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return st.recursive(
        st.none()
        | st.booleans()
        | st.integers(min_value=-(10**30), max_value=10**30)
        | st.floats(allow_nan=False, allow_infinity=False)
        | strings,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(strings, inner, max_size=4),
        max_leaves=20,
    )


@settings(max_examples=300)
@given(_values(_PLAIN))
def test_canonicalise__plain_strings_render_like_the_scanning_path(value: Any) -> None:
    """For a body without a backslash, the copy path and the escaping path agree."""
    text = json.dumps(value, ensure_ascii=False)
    assert "\\" not in text
    assert canonicalise(loads_lossless(text), plain_strings=True) == canonicalise(
        loads_lossless(text)
    )
    assert canonicalise_for_store(
        loads_lossless(text), plain_strings=True
    ) == canonicalise_for_store(loads_lossless(text))


@settings(max_examples=300)
@given(_values(_ANY))
def test_pg_from_compact__parsing_compact_gives_the_pg_tree(value: Any) -> None:
    """Whenever one copy is stored, the compact text rebuilds the pg text and its tree."""
    pg, compact, size = canonicalise(loads_lossless(json.dumps(value)))
    stored = canonicalise_for_store(loads_lossless(json.dumps(value)))
    assert stored == ("" if pg_from_compact(pg) else pg, compact, size)
    if pg_from_compact(pg):
        tree = normalise(loads_lossless(compact))
        assert render_pg(tree) == pg
        assert len(pg) == size
        assert tree == normalise(loads_lossless(pg))


def _chunk(raw: bytes) -> dict[str, str]:
    text = base64.b64encode(raw)
    return {"chk": "sha256:" + hashlib.sha256(text).hexdigest(), "data": text.decode()}


@pytest.mark.parametrize(
    "data",
    [
        _chunk(os.urandom(3000)),
        {"s": 'quote " backslash \\ tab \t nul-free \u0001 é 😀', "n": [1, 2.50, -0, 1e2]},
        ["plain", 10**25, {"z": None, "aa": True}],
        "x" * 70_000,
        1.5,
    ],
    ids=["chunk", "escapes", "integers", "long-string", "float"],
)
def test_kv__set_get_iter_size_answer_as_before(api: httpx.Client, data: Any) -> None:
    """What comes back (get, iter, size) is the compact jsonb of the value, fast path or not."""
    _pg, compact, size = canonicalise(loads_lossless(json.dumps(data)))
    r = api.put(f"{KV}/cas/key/codec", json={"data": data})
    assert r.status_code == 200
    assert r.json()["size"] == size
    got = api.get(f"{KV}/key/codec")
    assert f'"data":{compact},' in got.text
    assert got.json()["size"] == size
    it = api.get(f"{KV}/iter/codec", params={"limit": 1})
    assert f'"data":{compact},' in it.text
    assert api.get(f"{KV}/size/key/codec").json() == {"size": size}
    r = api.put(f"{KV}/key/codec", json={"data": data})  # upsert over the stored row
    assert r.status_code == 200
    assert r.json()["version"] == 1


def test_kv__escaped_body_with_raw_backslash_is_still_escaped(api: httpx.Client) -> None:
    """A body holding any backslash takes the scanning path: escapes survive the round trip."""
    raw = '{"data":{"b":"a\\"b\\\\c\\n","a":"plain"}}'
    api.put(f"{KV}/key/esc", content=raw, headers={"content-type": "application/json"})
    got = api.get(f"{KV}/key/esc")
    assert '"data":{"a":"plain","b":"a\\"b\\\\c\\n"}' in got.text
    assert got.json()["size"] == len('{"a": "plain", "b": "a\\"b\\\\c\\n"}')


@pytest.fixture
def intended() -> httpx.AsyncClient:
    """An in-process client on an app in `intended` select mode (as tests/emulator/test_select)."""
    app = create_app(EmulatorSettings(seed="demo", select_mode="intended"))
    st_ = app.state.emulator
    claim = jwt.decode(st_.demo_api_key, options={"verify_signature": False})["terrateam"]
    token = st_.identity.refresh(claim["access_token_id"], claim["user_id"])
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://e", headers=bearer(token)
    )


@pytest.mark.anyio
async def test_select__projects_from_the_single_stored_copy(intended: httpx.AsyncClient) -> None:
    """Rows stored once (no fraction) and twice (a fraction) project alike."""
    async with intended as c:
        await c.put(KV + "/key/once", json={"data": {"a": {"b": [10, 20]}, "s": "x"}})
        await c.put(KV + "/key/twice", json={"data": {"a": {"b": [1.50, 20]}, "s": "x"}})
        once = await c.get(KV + "/key/once?select=one=a.b[1],s=s,first=a.b[0]")
        assert once.json()["data"] == {"one": 20, "s": "x", "first": 10}
        twice = await c.get(KV + "/key/twice?select=first=a.b[0]")
        assert twice.json()["data"] == {"first": 1.5}
        it = await c.get(KV + "/iter/once?select=s=s&limit=1")
        assert it.json()["results"][0]["data"] == {"s": "x"}


def _typed(value: Any) -> Any:
    """A comparable form that tells a `Num` from a string holding the same characters."""
    if isinstance(value, Num):
        return ("num", str(value))
    if isinstance(value, list):
        return [_typed(v) for v in value]
    if isinstance(value, dict):
        return [(k, _typed(v)) for k, v in value.items()]
    return (type(value).__name__, value)


@settings(max_examples=300)
@given(_values(_ANY), st.booleans())
def test_loads_lossless__same_tree_as_the_json_hooks(value: Any, ascii_only: bool) -> None:
    """The pydantic-core path gives the tree `json` with the lossless hooks gives."""
    text = json.dumps(value, ensure_ascii=ascii_only)
    expected = json.loads(text, parse_int=Num, parse_float=Num)
    assert _typed(loads_lossless(text)) == _typed(expected)
    assert _typed(loads_lossless(text.encode())) == _typed(expected)
