"""Parser of the ``q`` tag-query language (upstream's Menhir grammar; tokens from `lexer`).

``parse(text)`` returns an AST of tuples (``("tag", word)``, ``("and", l, r)``, ``("or", l, r)``,
``("not", e)``, ``("in_dir", word)``) or ``None`` for an empty query, and raises
`QuerySyntaxError` (→ 400 ``PARSE_ERROR``) whose ``str()`` is the exact text upstream serves.

Upstream files copied (terrateamio/terrateam):

* ``code/src/terrat_tag_query_parser/terrat_tag_query_parser.mly`` — grammar, precedence;
* ``code/src/terrat_tag_query_parser/terrat_tag_query_parser_errors.messages`` — one message
  per LR error state (Menhir ``--compile-errors``), served trimmed;
* ``code/src/terrat_tag_query_ast/terrat_tag_query_ast.ml`` — the driver: the lexer is pulled
  token by token (a lexer error after a parse error is never seen) and the three messages it
  builds itself (premature end of string, unexpected symbol, ``in`` with a right side other
  than ``dir``).
"""

from __future__ import annotations

from typing import Any

from terrateam_emulator.query.lexer import QuerySyntaxError, Token, tokens

__all__ = [
    "MAX_PAREN_DEPTH",
    "MAX_TERMS",
    "PARSER_MESSAGES",
    "Ast",
    "Parser",
    "QuerySyntaxError",
    "parse",
]


# terrat_tag_query_parser_errors.messages, keyed by the Menhir state number it lists, trimmed
# as terrat_tag_query_ast.ml does (`CCString.trim err`). Typos ("parantheses") are upstream's.
_START = (
    "This query could not be parsed.  This could be for a few reasons:\n"
    "- There are too many closing right parantheses.\n"
    "- There is an `and` or `or` that is missing both sides to its expression.  If you have a "
    "tag named `or`, `and`, or `not`, then wrap it in quotes to treat it like a tag name rather "
    'than an operator, for example `"and"`.'
)
_EMPTY_PARENS = "Parentheses must contain an expression, `()` is not allowed."
_MISSING_CLOSE = "Missing closing parentheses."
PARSER_MESSAGES: dict[int, str] = {
    0: _START,  # start: RPAREN (messages file line 1)
    4: "Have read a `not` but expected a tag or an opening parantheses.  To treat `not` as a "
    'tag, wrap it in quotes: `"not"`.',  # start: NOT RPAREN (line 15)
    6: _EMPTY_PARENS,  # start: NOT LPAREN RPAREN (line 28)
    7: _EMPTY_PARENS,  # start: LPAREN RPAREN (line 37)
    2: "<YOUR SYNTAX ERROR MESSAGE HERE>",  # start: STRING IN RPAREN (line 49): sic
    8: _MISSING_CLOSE,  # start: LPAREN STRING EOF (line 61)
    10: "An `or` expression with a closing parenthesis where a tag was expected.  In order to "
    'treat the `or` as a tag, wrap it in quotes, for example `"or"`.',  # line 82
    12: "An `and` expression with a closing parenthesis where a tag was expected.  In order to "
    'treat the `and` as a tag, wrap it in quotes, for example `"and"`.',  # line 94
    15: _MISSING_CLOSE,  # start: NOT LPAREN STRING EOF (line 106)
    19: "Missing opening parentheses.",  # start: STRING RPAREN (line 127)
}

Ast = tuple[Any, ...]  # ("tag", s) | ("and", l, r) | ("or", l, r) | ("not", e) | ("in_dir", s)


class Parser:
    """Recursive descent reproducing upstream's Menhir automaton, error states included.

    Upstream declares ``%left OR`` below ``%left AND`` and has a juxtaposition production
    ``expr: expr expr`` with no precedence. Explicit ``and``/``or`` therefore follow the
    declared precedence (``and`` tighter, both left associative), while every conflict that
    involves juxtaposition is resolved by shifting (Menhir's default). So a juxtaposed
    operand takes the whole rest of the expression, up to ``)`` or the end, as its right-hand
    side: ``a b or c`` is ``a and (b or c)`` and ``a or b c or d`` is ``a or (b and (c or d))``.

    Errors carry the number of the LR state Menhir reports them in (``%on_error_reduce expr``
    and default reductions included): where an expression must start it is the state of what
    came before (0 start, 4 ``not``, 6 ``not (``, 7 ``(``, 10 ``or``, 12 ``and``, 2 ``in``);
    after a complete expression it is 19 at top level, 8 inside ``(`` and 15 inside ``not (``.
    """

    def __init__(self, text: str) -> None:
        self._tokens = tokens(text)
        self._next: Token | None = None
        self._depth = 0  # open parentheses consumed so far
        self._terms = 0  # tags and `not`s consumed so far

    def peek(self) -> str:
        if self._next is None:  # pulled only when the automaton needs a lookahead
            self._next = next(self._tokens)
        return self._next[0]

    def advance(self) -> str:
        self.peek()
        assert self._next is not None
        kind, text = self._next
        self._next = None
        self._check_limits(kind)
        return text

    def _check_limits(self, kind: str) -> None:
        # Checked as tokens are consumed, before the recursion they would cause: the
        # emulator's own limits (MAX_PAREN_DEPTH, MAX_TERMS), not upstream's.
        if kind == "LP":
            self._depth += 1
            if self._depth > MAX_PAREN_DEPTH:
                raise QuerySyntaxError(
                    f"The query nests parentheses deeper than {MAX_PAREN_DEPTH} levels "
                    "(the emulator's limit)."
                )
        elif kind == "RP":
            self._depth -= 1
        elif kind in ("STR", "NOT"):
            self._terms += 1
            if self._terms > MAX_TERMS:
                raise QuerySyntaxError(
                    f"The query has more than {MAX_TERMS} tags and operators "
                    "(the emulator's limit)."
                )

    def parse(self) -> Ast | None:
        if self.peek() == "EOF":
            return None
        ast = self.expr(0)
        if self.peek() != "EOF":
            raise _error(19)  # a `)` or `in` after a complete expression
        return ast

    def expr(self, state: int) -> Ast:
        """An expression up to ``)``, ``in`` or the end; ``state`` is where it must start."""
        return self.binary(0, state)

    def binary(self, min_prec: int, state: int) -> Ast:
        left = self.unary(state)
        while True:
            kind = self.peek()
            if kind in ("STR", "LP", "NOT"):
                # juxtaposition: shift wins every conflict; the token starts an expression
                return ("and", left, self.expr(state))
            prec = {"OR": 1, "AND": 2}.get(kind)
            if prec is None or prec < min_prec:
                return left
            self.advance()
            op = "or" if kind == "OR" else "and"
            left = (op, left, self.binary(prec + 1, 10 if op == "or" else 12))

    def group(self, close_state: int, open_state: int) -> Ast:
        inner = self.expr(open_state)
        if self.peek() != "RP":
            raise _error(close_state)
        self.advance()
        return inner

    def unary(self, state: int) -> Ast:
        kind = self.peek()
        if kind == "STR":
            word = self.advance()
            if self.peek() == "IN":
                self.advance()
                if self.peek() != "STR":
                    raise _error(2)
                target = self.advance()
                # A default reduction: `parse_in` runs before the next token is read.
                if target != "dir":
                    raise QuerySyntaxError(
                        "The `in` operator only accepts `dir` on the right hand side, "
                        f"got `{target}`."
                    )
                return ("in_dir", word)
            return ("tag", word)
        if kind == "LP":
            self.advance()
            return self.group(8, 7)
        if kind == "NOT":
            self.advance()
            if self.peek() == "STR":
                return ("not", ("tag", self.advance()))
            if self.peek() != "LP":
                raise _error(4)
            self.advance()
            return ("not", self.group(15, 6))
        raise _error(state)


def _error(state: int) -> QuerySyntaxError:
    return QuerySyntaxError(PARSER_MESSAGES[state])


# Limits that keep the recursive parser, compiler and evaluator far from Python's recursion
# limit: parsing takes up to 4 frames per parenthesis and 2 per juxtaposed term, evaluation
# 2 per AST level. Real queries use a handful of each (docs/emulator.md,
# "Security").
MAX_PAREN_DEPTH = 32
MAX_TERMS = 256


def parse(text: str) -> Ast | None:
    """Parse ``text``; ``None`` when it holds no token at all."""
    return Parser(text).parse()
