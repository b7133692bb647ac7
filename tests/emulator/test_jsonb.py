"""`_jsonb`: PostgreSQL jsonb rendering and Yojson answers reproduced in Python (§4.8, §4.10)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terrateam_emulator.storage.jsonb import JsonbError, canonicalise, loads_lossless


def canon(text: str) -> tuple[str, str, int]:
    """Canonicalise a JSON text."""
    return canonicalise(loads_lossless(text))


@pytest.mark.parametrize(
    ("raw", "pg", "compact"),
    [
        ('{"b":1,"aa":2,"a":3}', '{"a": 3, "b": 1, "aa": 2}', '{"a":3,"b":1,"aa":2}'),
        ('{"é":1,"z":2}', '{"z": 2, "é": 1}', '{"z":2,"é":1}'),  # byte length: é is 2 bytes
        ('{"a":1,"a":2}', '{"a": 2}', '{"a":2}'),
        ("1e2", "100", "100"),
        ("1.5e-3", "0.0015", "0.0015"),
        ("1.50", "1.50", "1.5"),
        ("1.50e1", "15.0", "15.0"),
        ("-0", "0", "0"),
        ("-0.0", "0.0", "0.0"),
        (
            "123456789012345678901234567890",
            "123456789012345678901234567890",
            "123456789012345678901234567890",
        ),
        ('"tab\\tq\\"\\u0001é"', '"tab\\tq\\"\\u0001é"', '"tab\\tq\\"\\u0001é"'),
        ("[]", "[]", "[]"),
        ("{}", "{}", "{}"),
        (
            '[{"b":[1,{"d":1,"c":2}]}]',
            '[{"b": [1, {"c": 2, "d": 1}]}]',
            '[{"b":[1,{"c":2,"d":1}]}]',
        ),
    ],
)
def test_canonicalise__pg_text_and_compact_answer(raw, pg, compact):
    """Key order, number canonicalisation and escapes match PostgreSQL then Yojson."""
    got_pg, got_compact, size = canon(raw)
    assert (got_pg, got_compact) == (pg, compact)
    assert size == len(pg)


def test_size__counts_characters_not_bytes():
    """Non-ASCII characters count once (char_length, not octet_length)."""
    assert canon('"ééé"')[2] == 5


@pytest.mark.parametrize("raw", ['"\\u0000"', "NaN", "-Infinity", '"\\udc00"', '{"\\u0000":1}'])
def test_canonicalise__rejects_what_postgres_rejects(raw):
    """NUL, NaN/Infinity and lone surrogates raise `JsonbError` (the server answers 500)."""
    with pytest.raises(JsonbError):
        canon(raw)


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False, width=64)
    | st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(max_size=6).filter(lambda k: "\x00" not in k), children, max_size=4
        )
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(_json_values)
def test_canonicalise__round_trips_values(value):
    """Any JSON value survives: the answer parses back equal, the pg text parses back equal."""
    raw = json.dumps(value, ensure_ascii=False)
    pg, compact, size = canon(raw)
    assert _same(json.loads(compact), value)
    assert _same(json.loads(pg), value)
    assert size == len(pg)


def _same(a, b):
    """JSON equality where numbers compare as floats (`1e2` comes back as the integer 100)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b
