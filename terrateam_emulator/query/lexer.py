"""Lexer of the ``q`` tag-query language (upstream's sedlex lexer).

Copied from ``code/src/terrat_tag_query_lexer/terrat_tag_query_lexer.ml`` (terrateamio/terrateam):
tokens and string escapes. `tokens` is a generator because upstream's driver pulls the lexer
token by token: a lexer error after a parse error is never seen.
"""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["QuerySyntaxError", "Token", "lex", "tokens"]


class QuerySyntaxError(ValueError):
    """The query does not parse; ``str(exc)`` is the ``data`` of ``PARSE_ERROR``."""


# sedlex's `white_space` class (Unicode White_Space); upstream skips `Plus white_space`.
_WHITE_SPACE = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
)
_NOT_IDENT = frozenset(" '\"\t()")  # `identifier = Plus (Compl (Chars " '\"\t()"))`
_KEYWORDS = {"and": "AND", "or": "OR", "not": "NOT", "in": "IN"}
Token = tuple[str, str]  # (kind, text); kind ∈ STR, AND, OR, NOT, IN, LP, RP, EOF


def _run(text: str, i: int, inside: frozenset[str], negate: bool) -> int:
    j = i
    while j < len(text) and ((text[j] in inside) != negate):
        j += 1
    return j - i


def tokens(text: str) -> Iterator[Token]:
    """Yield the tokens of ``text``, then ``("EOF", "")``; raises on an unclosed string."""
    """Upstream's ``token`` rule, lazily. sedlex takes the longest match and, on a tie, the
    first rule: an identifier run (which may hold newlines) beats an equally long white-space
    run, so ``a\\nb`` is one word while ``\\n a`` is skipped white space then ``a``."""
    i, n = 0, len(text)
    while i < n:
        id_len = _run(text, i, _NOT_IDENT, negate=True)
        ws_len = _run(text, i, _WHITE_SPACE, negate=False)
        if ws_len > id_len:
            i += ws_len
        elif id_len:
            word = text[i : i + id_len]
            i += id_len
            yield (_KEYWORDS.get(word.lower(), "STR"), word)
        elif text[i] in "()":
            yield ("LP" if text[i] == "(" else "RP", text[i])
            i += 1
        else:  # a quote
            stop = text[i]
            buf: list[str] = []
            i += 1
            while True:
                if i >= n:
                    raise QuerySyntaxError(f"Premature end of string in `{''.join(buf)}`.")
                ch = text[i]
                if ch == "\\":
                    if i + 1 >= n:
                        raise QuerySyntaxError(f"Premature end of string in `{''.join(buf)}`.")
                    buf.append(text[i + 1])
                    i += 2
                elif ch == stop:
                    i += 1
                    break
                else:
                    buf.append(ch)  # the other quote character is kept literally
                    i += 1
            yield ("STR", "".join(buf))
    yield ("EOF", "")


def lex(text: str) -> list[Token]:
    """All tokens of ``text`` (without the final EOF); raises on an unclosed string."""
    return [t for t in tokens(text) if t[0] != "EOF"]
