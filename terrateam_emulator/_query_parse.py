"""Lexer and parser of the ``q`` tag-query language (upstream's sedlex lexer + Menhir grammar).

``parse(text)`` returns an AST of tuples (``("tag", word)``, ``("and", l, r)``, ``("or", l, r)``,
``("not", e)``, ``("in_dir", word)``) or ``None`` for an empty query, and raises
`QuerySyntaxError` (→ 400 ``PARSE_ERROR``) with a human message.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "MAX_PAREN_DEPTH",
    "MAX_TERMS",
    "Ast",
    "Parser",
    "QuerySyntaxError",
    "check_size",
    "lex",
    "parse",
]


class QuerySyntaxError(ValueError):
    """The query does not parse; ``str(exc)`` is the human message for ``PARSE_ERROR``."""


_WORD_RE = re.compile(r"[^ \t'\"()]+")
_KEYWORDS = {"and": "AND", "or": "OR", "not": "NOT", "in": "IN"}
Token = tuple[str, str]  # (kind, text); kind ∈ STR, AND, OR, NOT, IN, LP, RP


def lex(text: str) -> list[Token]:
    """Tokens: words (anything but space, tab, quotes, parentheses), quoted strings with
    backslash escapes, parentheses and the keywords ``and or not in`` (any case)."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t":
            i += 1
        elif c == "(":
            tokens.append(("LP", c))
            i += 1
        elif c == ")":
            tokens.append(("RP", c))
            i += 1
        elif c in "'\"":
            buf: list[str] = []
            i += 1
            while True:
                if i >= n:
                    raise _parse_error("string")
                ch = text[i]
                if ch == "\\" and i + 1 < n:
                    buf.append(text[i + 1])
                    i += 2
                elif ch == c:
                    i += 1
                    break
                else:
                    buf.append(ch)
                    i += 1
            tokens.append(("STR", "".join(buf)))
        else:
            m = _WORD_RE.match(text, i)
            assert m is not None
            word = m.group(0)
            tokens.append((_KEYWORDS.get(word.lower(), "STR"), word))
            i = m.end()
    return tokens


Ast = tuple[Any, ...]  # ("tag", s) | ("and", l, r) | ("or", l, r) | ("not", e) | ("in_dir", s)


class Parser:
    """Recursive descent reproducing upstream's Menhir grammar and its conflict resolution.

    Upstream declares ``%left OR`` below ``%left AND`` and has a juxtaposition production
    ``expr: expr expr`` with no precedence. Explicit ``and``/``or`` therefore follow the
    declared precedence (``and`` tighter, both left associative), while every conflict that
    involves juxtaposition is resolved by shifting (the LR default). So a juxtaposed
    operand takes the whole rest of the expression, up to ``)`` or the end, as its right-hand
    side: ``a b or c`` is ``a and (b or c)`` and ``a or b c or d`` is ``a or (b and (c or d))``.
    """

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else "EOF"

    def take(self, kind: str, context: str) -> str:
        if self.peek() != kind:
            raise _parse_error(context)
        text = self.tokens[self.pos][1]
        self.pos += 1
        return text

    def parse(self) -> Ast | None:
        if self.peek() == "EOF":
            return None
        ast = self.expr("start")
        if self.peek() != "EOF":
            raise _parse_error("unopened")  # only `)` can stop an expression early
        return ast

    def expr(self, context: str) -> Ast:
        """Everything up to ``)`` or the end; ``context`` names what an error here means."""
        return self.binary(0, context)

    def binary(self, min_prec: int, context: str) -> Ast:
        left = self.unary(context)
        while True:
            kind = self.peek()
            if kind in ("STR", "LP", "NOT"):
                # juxtaposition: shift wins every conflict
                return ("and", left, self.expr(context))
            prec = {"OR": 1, "AND": 2}.get(kind)
            if prec is None or prec < min_prec:
                return left
            self.pos += 1
            op = "or" if kind == "OR" else "and"
            left = (op, left, self.binary(prec + 1, op))

    def group(self) -> Ast:
        inner = self.expr("paren")
        self.take("RP", "unclosed")
        return inner

    def unary(self, context: str) -> Ast:
        kind = self.peek()
        if kind == "STR":
            self.pos += 1
            word = self.tokens[self.pos - 1][1]
            if self.peek() == "IN":
                self.pos += 1
                target = self.take("STR", "in")
                if target != "dir":
                    raise _parse_error("in")
                return ("in_dir", word)
            return ("tag", word)
        if kind == "LP":
            self.pos += 1
            return self.group()
        if kind == "NOT":
            self.pos += 1
            if self.peek() == "STR":
                return ("not", ("tag", self.take("STR", "not")))
            self.take("LP", "not")
            return ("not", self.group())
        raise _parse_error(context)


# Human messages of PARSE_ERROR, one per parser situation (upstream keeps a message per LR
# error state; these are our own words for the same situations).
_PARSE_MESSAGES = {
    "start": "The query could not be parsed: it starts with a closing parenthesis or an "
    "operator. Quote a tag named and, or, not or in to use it as a tag.",
    "paren": "Parentheses must contain an expression; () is not allowed.",
    "unclosed": "Missing closing parenthesis.",
    "unopened": "Missing opening parenthesis.",
    "not": "Expected a tag or an opening parenthesis after not; quote it to use it as a tag.",
    "or": "Expected a tag after or; quote it to use it as a tag.",
    "and": "Expected a tag after and; quote it to use it as a tag.",
    "in": "Expected dir after in; only `<name> in dir` is recognised.",
    "string": "A quoted string is not closed.",
}


def _parse_error(context: str) -> QuerySyntaxError:
    return QuerySyntaxError(_PARSE_MESSAGES[context])


# Limits that keep the recursive parser, compiler and evaluator far from Python's recursion
# limit: parsing takes up to 4 frames per parenthesis and 2 per juxtaposed term, evaluation
# 2 per AST level. Real queries use a handful of each (terrateam_emulator/README.md,
# "Security").
MAX_PAREN_DEPTH = 32
MAX_TERMS = 256


def check_size(tokens: list[Token]) -> None:
    """Refuse queries nested or chained beyond the limits (iteratively, before parsing)."""
    depth = terms = 0
    for kind, _ in tokens:
        if kind == "LP":
            depth += 1
            if depth > MAX_PAREN_DEPTH:
                raise QuerySyntaxError(
                    f"The query nests parentheses deeper than {MAX_PAREN_DEPTH} levels "
                    "(the emulator's limit)."
                )
        elif kind == "RP":
            depth -= 1
        elif kind in ("STR", "NOT"):
            terms += 1
            if terms > MAX_TERMS:
                raise QuerySyntaxError(
                    f"The query has more than {MAX_TERMS} tags and operators "
                    "(the emulator's limit)."
                )


def parse(text: str) -> Ast | None:
    """Parse ``text``; ``None`` when it holds no token at all."""
    tokens = lex(text)
    check_size(tokens)
    return Parser(tokens).parse()
