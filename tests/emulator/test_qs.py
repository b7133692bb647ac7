"""Query-string parsing with ocaml-uri semantics (contract §0.3)."""

from __future__ import annotations

import pytest

from terrateam_emulator.query.querystring import (
    bool_param,
    int_param,
    ocaml_int,
    parse_query,
    scalar,
    values,
)


def test_parse_query__commas_split_before_decoding() -> None:
    items = parse_query("a=1,2&b=x%2Cy&c=a+b&d")
    assert items == [("a", ["1", "2"]), ("b", ["x,y"]), ("c", ["a b"]), ("d", [])]


def test_values__repeats_concatenate() -> None:
    items = parse_query("page=n&page=2026-01-01T00:00:00Z,abc")
    assert values(items, "page") == ["n", "2026-01-01T00:00:00Z", "abc"]
    assert values(items, "nope") is None


def test_scalar__first_value_wins_and_bare_key_fails() -> None:
    assert scalar(parse_query("q=repo:a,b"), "q") == (True, "repo:a")
    assert scalar(parse_query("q"), "q") == (False, None)
    assert scalar(parse_query(""), "q") == (True, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5", 5),
        ("-5", -5),
        ("+5", 5),
        ("0x1F", 31),
        ("0o17", 15),
        ("0b101", 5),
        ("1_000", 1000),
        ("abc", None),
        ("", None),
        ("1.0", None),
        ("9" * 30, None),
        ("0xFFFFFFFFFFFFFFFF", None),
    ],
)
def test_ocaml_int(text: str, expected: int | None) -> None:
    assert ocaml_int(text) == expected


def test_ocaml_int__hex_wraps_like_ocaml() -> None:
    assert ocaml_int("0x7FFFFFFFFFFFFFFF") == -1  # 63-bit int: full unsigned range wraps


def test_int_and_bool_params() -> None:
    items = parse_query("limit=x&lite=True&ok=true&n=0x10")
    assert int_param(items, "limit", 20) == (False, 20)
    assert int_param(items, "n", 20) == (True, 16)
    assert int_param(items, "absent", 20) == (True, 20)
    assert bool_param(items, "lite", False) == (False, False)
    assert bool_param(items, "ok", False) == (True, True)
    assert bool_param(items, "absent", False) == (True, False)
