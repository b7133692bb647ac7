"""Differential check of the `q` parser against Menhir itself, when `menhir` is installed.

Menhir interprets upstream's grammar (terrateamio/terrateam
``code/src/terrat_tag_query_parser/terrat_tag_query_parser.mly``, copied below) on random token
sentences; the emulator's parser must accept the same sentences with the same trees and reject
the others at the same token, in an LR state whose message (``PARSER_MESSAGES``) it serves.
Skipped without the ``menhir`` binary (Debian package ``menhir``; not needed by ``make test``).
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from terrateam_emulator.query import parser as qp

pytestmark = pytest.mark.skipif(shutil.which("menhir") is None, reason="menhir is not installed")

GRAMMAR = """\
%token <string> STRING
%token LPAREN RPAREN
%token AND OR
%token NOT IN
%left OR
%left AND
%token EOF
%start <unit> start
%on_error_reduce expr
%%
start:
  | EOF { () }
  | expr EOF { () }
;
expr:
  | STRING IN STRING { () }
  | STRING { () }
  | LPAREN expr RPAREN { () }
  | expr OR expr { () }
  | expr AND expr { () }
  | expr expr { () }
  | NOT STRING { () }
  | NOT LPAREN expr RPAREN { () }
;
"""
WORDS = {"STRING": "a", "LPAREN": "(", "RPAREN": ")", "AND": "and", "OR": "or", "NOT": "not"}


def _text(sentence: tuple[str, ...]) -> str:
    # `x in dir` only: another right side is a semantic error, outside the grammar
    words = [WORDS.get(t, "in") for t in sentence]
    after_in = [i > 0 and sentence[i - 1] == "IN" and t == "STRING" for i, t in enumerate(sentence)]
    return " ".join("dir" if a else w for a, w in zip(after_in, words, strict=True))


def _tree(cst: str) -> Any:
    tokens = re.findall(
        r"\[expr:|\]|STRING|LPAREN|RPAREN|AND|OR|NOT|IN", cst.split("[start:", 1)[1]
    )
    pos = 0

    def expr() -> Any:
        nonlocal pos
        pos += 1
        items: list[Any] = []
        while tokens[pos] != "]":
            if tokens[pos] == "[expr:":
                items.append(expr())
            else:
                items.append(tokens[pos])
                pos += 1
        pos += 1
        shapes = {("STRING",): ("tag", "a"), ("STRING", "IN", "STRING"): ("in_dir", "a")}
        if tuple(items) in shapes:
            return shapes[tuple(items)]
        if items == ["NOT", "STRING"]:
            return ("not", ("tag", "a"))
        if items[0] == "NOT":
            return ("not", items[2])
        if items[0] == "LPAREN":
            return items[1]
        if len(items) == 3:
            return (items[1].lower(), items[0], items[2])
        return ("and", items[0], items[1])

    return expr() if tokens else None


def _mine(sentence: tuple[str, ...]) -> tuple[str, Any, int]:
    parser = qp.Parser(_text(sentence))
    pulled = 0
    tokens = parser._tokens

    def counting() -> Any:
        nonlocal pulled
        for token in tokens:
            pulled += 1
            yield token

    parser._tokens = counting()
    try:
        return ("ACCEPT", parser.parse(), pulled)
    except qp.QuerySyntaxError as exc:
        return ("ERROR", str(exc), pulled)


def test_parser_agrees_with_menhir(tmp_path: Path) -> None:
    grammar = tmp_path / "q.mly"
    grammar.write_text(GRAMMAR)
    rng = random.Random(20261204)
    names = [*WORDS, "IN", "STRING", "STRING"]
    sentences = sorted(
        {tuple(rng.choice(names) for _ in range(rng.randint(1, 7))) for _ in range(250)}
    )
    feed = "".join(f"start: {' '.join(s)} EOF\n" for s in sentences)
    run = subprocess.run(
        ["menhir", "--interpret", "--interpret-show-cst", str(grammar)],
        input=feed,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    verdicts = re.split(r"\n(?=ACCEPT|REJECT|OVERSHOOT)", run.stdout.split("Ready!", 1)[1].strip())
    assert len(verdicts) == len(sentences)
    for sentence, verdict in zip(sentences, verdicts, strict=True):
        kind, value, pulled = _mine(sentence)
        if verdict.startswith("ACCEPT"):
            assert (kind, value) == ("ACCEPT", _tree(verdict)), sentence
            continue
        assert kind == "ERROR", sentence
        prefix = [*sentence, "EOF"][:pulled]
        error = subprocess.run(
            ["menhir", "--interpret-error", str(grammar)],
            input=f"start: {' '.join(prefix)}\n",
            capture_output=True,
            text=True,
            timeout=60,
        )
        state = re.search(r"error in state: (\d+)", error.stdout)
        assert state is not None, (sentence, error.stdout + error.stderr)
        assert qp.PARSER_MESSAGES[int(state.group(1))] == value, sentence
