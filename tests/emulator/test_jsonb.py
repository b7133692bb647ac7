"""`_jsonb`: PostgreSQL jsonb rendering and Yojson answers reproduced in Python (§4.8, §4.10)."""

from __future__ import annotations

import pytest

from terrateam_emulator._jsonb import JsonbError, canonicalise, loads_lossless


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
