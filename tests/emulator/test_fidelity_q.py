"""`q` and `tz` answers copied from upstream, rule by rule (docs/contract-audit.md, §6.3).

Each test names the upstream file (terrateamio/terrateam) whose behaviour it pins. Expected
values of the datetime and time-zone tables were measured on PostgreSQL 15, which evaluates
upstream's SQL (``to_timestamp(…)::timestamp at time zone $tz``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from terrateam_emulator.query import timezones
from terrateam_emulator.query.compiler import (
    DIRSPACE_TAGS,
    OUTPUT_TAGS,
    WORK_MANIFEST_TAGS,
    CompiledQuery,
    Rejection,
    _timestamp,
    _to_timestamp_fields,
    compile_query,
)
from terrateam_emulator.query.parser import PARSER_MESSAGES, QuerySyntaxError, parse

START = (
    "This query could not be parsed.  This could be for a few reasons:\n"
    "- There are too many closing right parantheses.\n"
    "- There is an `and` or `or` that is missing both sides to its expression.  If you have a "
    "tag named `or`, `and`, or `not`, then wrap it in quotes to treat it like a tag name rather "
    'than an operator, for example `"and"`.'
)
NOT = (
    "Have read a `not` but expected a tag or an opening parantheses.  To treat `not` as a tag, "
    'wrap it in quotes: `"not"`.'
)
EMPTY = "Parentheses must contain an expression, `()` is not allowed."
IN = "<YOUR SYNTAX ERROR MESSAGE HERE>"
CLOSE = "Missing closing parentheses."
OR = (
    "An `or` expression with a closing parenthesis where a tag was expected.  In order to "
    'treat the `or` as a tag, wrap it in quotes, for example `"or"`.'
)
AND = (
    "An `and` expression with a closing parenthesis where a tag was expected.  In order to "
    'treat the `and` as a tag, wrap it in quotes, for example `"and"`.'
)
OPEN = "Missing opening parentheses."


def _message(q: str) -> str:
    with pytest.raises(QuerySyntaxError) as exc:
        parse(q)
    return str(exc.value)


@pytest.mark.parametrize(
    ("q", "text"),
    [
        (")", START),  # state 0
        ("and", START),
        ("or a", START),
        ("in", START),
        ("not )", NOT),  # state 4
        ("not not a", NOT),
        ("not", NOT),
        ("not ()", EMPTY),  # state 6
        ("()", EMPTY),  # state 7
        ("a (", EMPTY),
        ("a in )", IN),  # state 2
        ("a in", IN),
        ("(a", CLOSE),  # state 8
        ("(a in dir in dir)", CLOSE),
        ("((a) b", CLOSE),
        ("a or )", OR),  # state 10
        ("a or", OR),
        ("(a or and b)", OR),
        ("a and )", AND),  # state 12
        ("a and", AND),
        ("not (a", CLOSE),  # state 15
        ("not (a b or c", CLOSE),
        ("a)", OPEN),  # state 19
        ("(a) in dir", OPEN),
        ("not a in dir", OPEN),
        ("a b or c)", OPEN),
    ],
)
def test_parse_error_texts_are_the_messages_file(q: str, text: str) -> None:
    """terrat_tag_query_parser_errors.messages, served trimmed by terrat_tag_query_ast.ml
    (``CCString.trim err``), keyed by the LR state Menhir stops in."""
    assert _message(q) == text


def test_every_message_of_the_messages_file_is_served() -> None:
    """code/src/terrat_tag_query_parser/terrat_tag_query_parser_errors.messages: ten states."""
    assert sorted(PARSER_MESSAGES) == [0, 2, 4, 6, 7, 8, 10, 12, 15, 19]
    assert all(m == m.strip() for m in PARSER_MESSAGES.values())


@pytest.mark.parametrize(
    ("q", "text"),
    [
        ("'open", "Premature end of string in `open`."),
        ('a:"x y', "Premature end of string in `x y`."),
        ('"ab\\', "Premature end of string in `ab`."),
        ("\"it's", "Premature end of string in `it's`."),
        ("a in b", "The `in` operator only accepts `dir` on the right hand side, got `b`."),
        ("a in DIR", "The `in` operator only accepts `dir` on the right hand side, got `DIR`."),
        ("a in b 'open", "The `in` operator only accepts `dir` on the right hand side, got `b`."),
        (") 'open", START),  # the parser fails before the lexer reaches the string
        ("a in 'open", "Premature end of string in `open`."),
    ],
)
def test_messages_built_by_the_driver(q: str, text: str) -> None:
    """code/src/terrat_tag_query_ast/terrat_tag_query_ast.ml builds these (not trimmed); the
    lexer (terrat_tag_query_lexer.ml) is pulled one token at a time, and ``parse_in``
    (terrat_tag_query_parser_value.ml) runs in a default reduction, before the next token."""
    assert _message(q) == text


def test_lexer_white_space_and_words() -> None:
    """terrat_tag_query_lexer.ml: identifiers exclude only space, tab, quotes and parentheses;
    sedlex's longest match lets a newline-led white-space run win only when it is longer."""
    assert parse("a\nb") == ("tag", "a\nb")
    assert parse("\n a") == ("tag", "a")
    assert parse("\u00a0") == ("tag", "\u00a0")  # a lone NBSP: identifier wins the tie
    assert parse("\u00a0\u00a0 a") == ("tag", "a")
    assert parse(" \t ") is None


@pytest.mark.parametrize(
    ("q", "ast"),
    [
        ("a and b or not c", ("or", ("and", ("tag", "a"), ("tag", "b")), ("not", ("tag", "c")))),
        ("a or b and c", ("or", ("tag", "a"), ("and", ("tag", "b"), ("tag", "c")))),
        ("a b and c", ("and", ("tag", "a"), ("and", ("tag", "b"), ("tag", "c")))),
        (
            "a and b c or d",
            ("and", ("tag", "a"), ("and", ("tag", "b"), ("or", ("tag", "c"), ("tag", "d")))),
        ),
    ],
)
def test_precedence(q: str, ast: object) -> None:
    """terrat_tag_query_parser.mly: ``%left OR`` below ``%left AND``; juxtaposition shifts."""
    assert parse(q) == ast


def _compile(q: str, tags: object = WORK_MANIFEST_TAGS, tz: str | None = None) -> object:
    return compile_query(q, tags=tags, default_sort="desc", tz=tz, now=2e9)  # type: ignore[arg-type]


def test_400_answers_win_over_postgres_errors() -> None:
    """terrat_sql_of_tag_query.ml ``of_ast'`` walks the whole AST (left to right, first
    error wins) before the SQL runs; PostgreSQL errors (500) come only after."""
    assert _compile("id:nope foo:bar") == Rejection(400, {"data": "foo", "id": "UNKNOWN_TAG"})
    assert _compile("branch: or pr:x") == Rejection(400, {"id": "x"})
    assert _compile("id:nope or branch:main") == Rejection(500)
    assert _compile("state:bogus id:nope", tags=DIRSPACE_TAGS) == Rejection(
        400, {"id": "Invalid state: bogus"}
    )
    assert _compile("ignore_errors:x idx:y", tags=OUTPUT_TAGS) == Rejection(500, json_type=False)


# (value, fields) measured with `select to_timestamp(value, 'YYYY-MM-DD HH24:MI')` on PG 15.
TO_TIMESTAMP = [
    ("2026-1-2", (2026, 1, 2, 0, 0)),
    ("2026-01-02 10", (2026, 1, 2, 10, 0)),
    ("2026-01-02 1:5", (2026, 1, 2, 1, 5)),
    ("2026/01/02", (2026, 1, 2, 0, 0)),
    ("26-01-02", (26, 1, 2, 0, 0)),
    ("2026-01-02 10:00:59", (2026, 1, 2, 10, 0)),
    ("", (0, 1, 1, 0, 0)),  # 0001-01-01 BC
    ("2026", (2026, 1, 1, 0, 0)),
    (" 2026-01-02", (2026, 1, 2, 0, 0)),
    ("2026-01-02  10:00", (2026, 1, 2, 10, 0)),
    ("12026-01-02", (12026, 1, 2, 0, 0)),
    ("2026-001-02", (2026, 1, 2, 0, 0)),
    ("2026-1-", (2026, 1, 1, 0, 0)),
    ("2026-01-02 10:5x", (2026, 1, 2, 10, 5)),
    ("2026-01-0", (2026, 1, 1, 0, 0)),
    ("2026-01-02 10.30", (2026, 1, 2, 10, 30)),
    ("2026-01-02/10:30", (2026, 1, 2, 10, 30)),
    ("2026-1-2 3", (2026, 1, 2, 3, 0)),
    ("2026- 01-02", (2026, 1, 2, 0, 0)),
    ("2026 -01-02", (2026, 1, 2, 0, 0)),
    ("2026-01-02 -1:00", (2026, 1, 2, 1, 0)),
    ("0000-01-01", (0, 1, 1, 0, 0)),  # 1 BC
    ("-2026-01-02", (-2025, 1, 2, 0, 0)),  # 2026 BC
]
TO_TIMESTAMP_ERRORS = [
    "2026-01-02T10:00",
    "2026-13-01",
    "2026-01-02 25:00",
    "abc",
    "2026-02-30",
    "2026-01-02x",
    "20260102",
    "2026--01-02",
    "2026-01-02 24:00",
    "2026-01-02 23:60",
    "x2026",
    "2026-01-02 1030",
]


@pytest.mark.parametrize(("value", "fields"), TO_TIMESTAMP)
def test_to_timestamp_reads_like_postgres(value: str, fields: tuple[int, ...]) -> None:
    """terrat_sql_of_tag_query.ml hands datetime values to PostgreSQL's ``to_timestamp``."""
    assert _to_timestamp_fields(value) == fields


@pytest.mark.parametrize("value", TO_TIMESTAMP_ERRORS)
def test_to_timestamp_errors_are_500(value: str) -> None:
    """A value PostgreSQL's ``to_timestamp`` refuses: the handler's empty 500
    (terrat_vcs_service_github_ep_installations.ml, ``Pgsql_io.err`` branch)."""
    assert _compile(f"'created_at:{value}'") == Rejection(500)


def test_empty_date_is_year_one_not_an_error() -> None:
    """``created_at:`` is ``to_timestamp('')`` = 0001-01-01 BC (terrat_sql_of_tag_query.ml
    ``eq_date``): a valid, empty day, so 200 with no rows."""
    out = _compile("created_at:")
    assert isinstance(out, CompiledQuery)
    assert not out.matches({"created_ts": 1.7e9})


# tz → UTC offset PostgreSQL 15 applies to 2026-07-01 12:00 (seconds to add; None = refused).
TZ = {
    "UTC": 0, "utc": 0, "EST": 18000, "est": 18000, "America/New_York": 14400,
    "america/new_york": 14400, "UTC+5": 18000, "utc+5": 18000, "+05": 18000, "+05:00": 18000,
    "-3": -10800, "EST5EDT": 14400, "FOO+3": 10800, "<+03>-3": -10800, "XYZ-3:30": -12600,
    "Etc/GMT+5": 18000, "Z": 0, "zulu": 0, "CEST": -7200, "Factory": 0, "": None, " UTC": None,
    "UTC ": None, "ABC": None, "FOO+3BAR": 7200, "UT": 0, "GMT+2": 7200, "UTC+05:30:15": 19815,
    "UTC+25": 90000, "UTC+24": 86400, "FOO+3BAR,M3.2.0,M11.1.0": 7200,
    "ABC+3DEF+2,J60/2,J300/2": 7200, "EST5": 18000, "UTC+168": None, "UTC+167": 601200,
    "+167:59:60": 604800, "+5:60": None, "A+3": 10800, "5": 18000, "05:30": 19800,
    "+0530": None, "<FOO>+3": 10800, "pst": 28800, "msk": -10800, "Europe/Nowhere": None,
    "UTC+3,": None, "FOO+3BAR+1,M3.2.0,M11.1.0/3": 3600, "FOO+3BAR,J60,J300": 7200, ":UTC": 0,
    "utc-0": 0, "GMT": 0, "gmt+3": 10800, "Etc/GMT-14": -50400, "etc/gmt-14": -50400,
    "EST5EDT4": 14400, "FOO+3BAR,M3.2.0": None, "+05BAR": 14400, ":America/New_York": 14400,
    ":foo": None, "ist": -7200, "wib": None, "America": None, "<ab": None,
    "FOO+3BAR,M13.1.0,M11.1.0": None, "FOO+3BAR;M3.2.0;M11.1.0": None, "FOO+3BAR,0,365": 7200,
    "FOO+3BAR,J0,J300": None, "a-3b": -14400, "EST5EDT,M3.2.0/-1,M11.1.0/170": None,
    "mst7mdt": 21600, "CST6CDT": 18000, "Asia/Kolkata": -19800, "asia/calcutta": -19800,
}  # fmt: skip


@pytest.mark.parametrize(("tz", "shift"), sorted(TZ.items()))
def test_tz_is_read_as_postgres_reads_it(tz: str, shift: int | None) -> None:
    """terrat_vcs_service_github_ep_installations.ml passes ``tz`` (``Var.text "tz"``) to the
    SQL of terrat_sql_of_tag_query.ml: ``… at time zone $tz``. Abbreviations, zone names
    (any case), POSIX TZ strings with PostgreSQL's empty-name extension; else a 500."""
    zone = timezones.resolve(tz)
    local = dt.datetime(2026, 7, 1, 12, 0)
    base = local.replace(tzinfo=dt.UTC).timestamp()
    assert (None if zone is None else zone.epoch(local) - base) == shift
    out = _compile("created_at:2026-07-01", tz=tz)
    assert (out == Rejection(500)) is (shift is None)


def test_unknown_tz_without_datetime_term_is_harmless() -> None:
    """``$tz`` appears only in datetime terms (terrat_sql_of_tag_query.ml)."""
    assert isinstance(_compile("repo:x", tz="Mars/Olympus"), CompiledQuery)


def test_parse_error_over_http(api: httpx.Client) -> None:
    """The handler (terrat_vcs_service_github_ep_installations.ml) serves the text as
    ``{"data": …, "id": "PARSE_ERROR"}`` with status 400."""
    for path in ("work-manifests", "dirspaces"):
        r = api.get(f"/api/v1/github/installations/12345/{path}", params={"q": "a and )"})
        assert r.status_code == 400
        body = {"data": AND, "id": "PARSE_ERROR"}
        assert r.content == json.dumps(body, separators=(",", ":")).encode()


@pytest.fixture(scope="module")
def postgres() -> Any:
    """The PostgreSQL of `make test-postgres` (TERRATEAM_EMULATOR_TEST_DB), else skip."""
    url = os.environ.get("TERRATEAM_EMULATOR_TEST_DB", "")
    if not url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: runs under `make test-postgres`")
    engine = sa.create_engine(url)
    yield engine
    engine.dispose()


def _pg(engine: Any, sql: str, **params: str) -> Any:
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("set time zone 'UTC'"))
            return conn.execute(sa.text(sql), params).scalar()
    except sa.exc.DBAPIError:
        return None


def test_tz_table_matches_live_postgres(postgres: Any) -> None:
    """The TZ table above, measured again on the PostgreSQL at hand."""
    for tz, shift in TZ.items():
        sql = (
            "select extract(epoch from ('2026-07-01 12:00'::timestamp at time zone :tz))::bigint"
            " - 1782907200"
        )
        assert _pg(postgres, sql, tz=tz) == shift, tz


def test_to_timestamp_table_matches_live_postgres(postgres: Any) -> None:
    """The to_timestamp tables above, measured again on the PostgreSQL at hand."""
    sql = "select to_char(to_timestamp(:v, 'YYYY-MM-DD HH24:MI'), 'YYYY MM DD HH24 MI BC')"
    for value, (year, month, day, hour, minute) in TO_TIMESTAMP:
        bc = year <= 0
        want = f"{1 - year if bc else year:04d} {month:02d} {day:02d} {hour:02d} {minute:02d}"
        assert _pg(postgres, sql, v=value) == want + (" BC" if bc else " AD"), value
    for value in TO_TIMESTAMP_ERRORS:
        assert _pg(postgres, sql, v=value) is None, value


@pytest.mark.parametrize(
    ("value", "tz"),
    [
        ("2026-03-08 02:30", "America/New_York"),  # in the spring-forward gap
        ("2026-11-01 01:30", "America/New_York"),  # ambiguous: twice that night
        ("2026-03-29 01:30", "Europe/Dublin"),  # negative DST in tzdata
        ("2026-10-25 01:30", "Europe/Dublin"),
        ("2026-04-05 02:30", "Australia/Sydney"),  # southern fall-back
        ("2026-10-04 02:30", "Australia/Sydney"),
        ("2026-04-05 01:45", "Australia/Lord_Howe"),  # 30-minute DST
        ("2026-11-01 01:30", "EST5EDT"),
        ("2026-07-01 12:00", "EST5EDT"),
        ("2026-07-01 12:00", "FOO+3BAR,M3.2.0,M11.1.0/3"),
        ("2026-01-15 12:00", "cest"),
        ("", "UTC"),
        ("-2026-01-02", "UTC+5"),
        ("12026-01-02", "Europe/Paris"),
    ],
)
def test_datetime_bounds_match_live_postgres(postgres: Any, value: str, tz: str) -> None:
    """``to_timestamp(v, 'YYYY-MM-DD HH24:MI')::timestamp at time zone tz`` end to end
    (terrat_sql_of_tag_query.ml ``eq_datetime``), DST edges included."""
    sql = (
        "select extract(epoch from (to_timestamp(:v, 'YYYY-MM-DD HH24:MI')::timestamp"
        " at time zone :tz))::bigint::text"
    )
    assert str(int(_timestamp(value, tz))) == _pg(postgres, sql, v=value, tz=tz)
