"""The `q` lexer and parser on their own: tokens and the shape of the AST."""

from __future__ import annotations

import pytest

from terrateam_emulator.query.lexer import lex
from terrateam_emulator.query.parser import QuerySyntaxError, parse


def test_lex__words_strings_keywords() -> None:
    assert lex("a:b AND (\"c d\" 'e\\'f') not x\ny") == [
        ("STR", "a:b"),
        ("AND", "AND"),
        ("LP", "("),
        ("STR", "c d"),
        ("STR", "e'f"),
        ("RP", ")"),
        ("NOT", "not"),
        ("STR", "x\ny"),  # only space and tab separate words, as upstream's lexer
    ]
    assert lex('"and"') == [("STR", "and")]  # quoting makes a keyword a tag


@pytest.mark.parametrize(
    ("text", "ast"),
    [
        ("", None),
        ("a", ("tag", "a")),
        ("a b", ("and", ("tag", "a"), ("tag", "b"))),
        ("a b c", ("and", ("tag", "a"), ("and", ("tag", "b"), ("tag", "c")))),
        ("a or b or c", ("or", ("or", ("tag", "a"), ("tag", "b")), ("tag", "c"))),
        ("a and b or c", ("or", ("and", ("tag", "a"), ("tag", "b")), ("tag", "c"))),
        ("a or b and c", ("or", ("tag", "a"), ("and", ("tag", "b"), ("tag", "c")))),
        ("a b or c", ("and", ("tag", "a"), ("or", ("tag", "b"), ("tag", "c")))),
        ("(a b) or c", ("or", ("and", ("tag", "a"), ("tag", "b")), ("tag", "c"))),
        ("not a b", ("and", ("not", ("tag", "a")), ("tag", "b"))),
        ("not (a or b)", ("not", ("or", ("tag", "a"), ("tag", "b")))),
        ("x in dir", ("in_dir", "x")),
    ],
)
def test_parse__ast(text: str, ast: object) -> None:
    assert parse(text) == ast


@pytest.mark.parametrize("text", ["(", ")", "a )", "not", "not not a", "a in", "x in y", "a or"])
def test_parse__syntax_errors(text: str) -> None:
    with pytest.raises(QuerySyntaxError):
        parse(text)
