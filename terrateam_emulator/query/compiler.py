"""The ``q`` tag-query language of the list endpoints (docs/contract.md §6.3, "The `q` query
language").

``compile_query`` turns the text into a predicate over row dicts plus a sort direction, or into
a :class:`Rejection` carrying the status and body the real server answers:

* 400 ``{"id":"PARSE_ERROR","data":…}``, ``UNKNOWN_TAG``, ``IN_DIR_NOT_SUPPORTED``,
  ``BAD_DATE_FORMAT``, ``{"id":"<raw int>"}``, ``{"id":"Invalid state: <v>"}``;
* 500 (empty body) where the upstream SQL fails in PostgreSQL: bad uuid, bad date, unknown
  time zone, an empty value (``branch:``), ``ignore_errors:<anything>``.

Predicates use SQL's three-valued logic (``None`` is NULL), so ``not environment:prod`` does
not match rows without an environment, as in PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from terrateam_emulator.query import timezones
from terrateam_emulator.query.parser import Ast, QuerySyntaxError, parse
from terrateam_emulator.query.querystring import ocaml_int

__all__ = [
    "DIRSPACE_TAGS",
    "OUTPUT_TAGS",
    "WORK_MANIFEST_TAGS",
    "CompiledQuery",
    "Rejection",
    "TagSpec",
    "compile_query",
]

Tri = bool | None
Row = Mapping[str, Any]
Pred = Callable[[Row], Tri]
SortDir = Literal["asc", "desc"]
TagKind = Literal["string", "datetime", "uuid", "bigint", "int", "bool", "json_array", "json_obj"]


@dataclass(frozen=True)
class Rejection:
    """The answer for a query the server refuses: status plus JSON body (``None`` = empty)."""

    status: int
    body: dict[str, str] | None = None
    # False for upstream's uncaught exceptions (no Content-Type); PostgreSQL errors and 400s
    # go through the handler's "Ok path" and carry `application/json`.
    json_type: bool = True


@dataclass(frozen=True)
class CompiledQuery:
    """A compiled ``q``: ``matches(row)`` and the sort direction it selected."""

    predicate: Pred
    sort: SortDir

    def matches(self, row: Row) -> bool:
        """True only when the predicate is true (NULL filters the row out, as in SQL)."""
        return self.predicate(row) is True


@dataclass(frozen=True)
class TagSpec:
    """How one tag filters: its type, the row column and (JSON tags) the key inside it."""

    kind: TagKind | Literal["raw"]
    column: str
    key: str = ""
    raw: Callable[[str], Pred] | None = field(default=None, compare=False)


class _Reject(Exception):  # internal control flow, never escapes this module
    def __init__(self, rejection: Rejection) -> None:
        super().__init__(rejection.status)
        self.rejection = rejection


def _bad(id_: str, data: str | None = None) -> _Reject:
    body = {"id": id_} if data is None else {"data": data, "id": id_}
    return _Reject(Rejection(400, body))


_SERVER_ERROR = Rejection(500)

# --------------------------------------------------------------------------- three-valued logic


def _and(a: Tri, b: Tri) -> Tri:
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def _or(a: Tri, b: Tri) -> Tri:
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


def _not(a: Tri) -> Tri:
    return None if a is None else not a


def _eq(column: str, value: Any) -> Pred:
    def pred(row: Row) -> Tri:
        have = row.get(column)
        return None if have is None else have == value

    return pred


# --------------------------------------------------------------------------- datetimes


class _SqlError(Exception):
    """A value PostgreSQL refuses once the query runs: an empty 500, after every 400."""


def _strtol(text: str, i: int) -> tuple[int, int]:
    """C ``strtol`` as PostgreSQL's ``from_char_parse_int_len`` uses it: white space, sign,
    digits; no digit → error."""
    j = i
    while j < len(text) and text[j] in " \t\n\r\f\v":
        j += 1
    m = re.compile(r"[+-]?[0-9]+").match(text, j)
    if m is None:
        raise _SqlError
    return int(m.group()), m.end()


def _to_timestamp_fields(text: str) -> tuple[int, int, int, int, int]:
    """``to_timestamp(text, 'YYYY-MM-DD HH24:MI')`` field by field (PostgreSQL 15, not FX mode):
    a format separator skips white space then one non-alphanumeric character; each field reads
    a ``strtol`` number; the input may end after any field (the rest default: month and day
    1, time 0, year 0 = 1 BC) and anything after the minutes is ignored. Year 0 and below are
    BC. Returns the astronomical year."""
    values = [0, 1, 1, 0, 0]
    i = 0
    for index in range(5):
        if index:
            while i < len(text) and text[i].isspace():
                i += 1
            if i < len(text) and not text[i].isalnum():
                i += 1
        if i >= len(text):
            break
        value, i = _strtol(text, i)
        if index in (1, 2) and value == 0:
            continue  # MM/DD of 0 leave the field unset
        values[index] = value
    year, month, day, hour, minute = values
    if year < 0:
        year += 1  # -N is N BC, astronomical 1 - N; 0 is 1 BC, astronomical 0
    if not (1 <= month <= 12 and 0 <= hour <= 23 and 0 <= minute <= 59):
        raise _SqlError
    if not 1 <= day <= _days_in_month(year, month) or not -4712 <= year <= 294276:
        raise _SqlError
    return year, month, day, hour, minute


def _days_in_month(year: int, month: int) -> int:
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 in the proleptic Gregorian calendar, for any year."""
    year -= month <= 2
    era = year // 400  # floor division: Hinnant's `(y >= 0 ? y : y - 399) / 400` in C
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _timestamp(text: str, tz: str) -> float:
    """``to_timestamp(text, 'YYYY-MM-DD HH24:MI')::timestamp at time zone tz`` as epoch."""
    return _epoch(_to_timestamp_fields(text), tz)


def _epoch(fields: tuple[int, int, int, int, int], tz: str) -> float:
    """Local date-time fields (astronomical year) in ``tz``, as epoch seconds."""
    year, month, day, hour, minute = fields
    zone = timezones.resolve(tz)
    if zone is None:
        raise _SqlError  # time zone "…" not recognized
    if 1 <= year <= 9999:
        return zone.epoch(dt.datetime(year, month, day, hour, minute))
    naive = _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60
    edge = dt.datetime(1 if year < 1 else 9999, 1, 1)
    return naive - (edge.replace(tzinfo=dt.UTC).timestamp() - zone.epoch(edge))


def _datetime_pred(column: str, value: str, tz: str, now: float) -> Pred:
    def between(lo: float | None, hi: float | None, col: str = column) -> Pred:
        def pred(row: Row) -> Tri:
            have = row.get(col)
            if have is None:
                return None
            return (lo is None or lo <= have) and (hi is None or have < hi)

        return pred

    if ".." in value:
        left, right = value.split("..", 1)
        if left == "" and right == "":
            raise _bad("BAD_DATE_FORMAT", value)
        if right == "":
            return between(_timestamp(left, tz), now)
        if left == "":
            return between(None, _timestamp(right, tz))
        return between(_timestamp(left, tz), _timestamp(right, tz))
    # A value without a space is a whole day, otherwise one minute (upstream `date_only`).
    # The day's lower bound uses upstream's format typo 'YYYY-MM-DD H24:MI' (no HH24, so no
    # hour is read); its upper bound the proper format plus one day (`eq_date`).
    if " " not in value:
        year, month, day, hour, minute = _to_timestamp_fields(value)
        upper = _epoch((year, month, day, hour, minute), tz) + 86400.0
        return between(_epoch((year, month, day, 0, 0), tz), upper)
    start = _timestamp(value, tz)
    return between(start, start + 60.0)


# --------------------------------------------------------------------------- compiler


class _Compiler:
    def __init__(self, tags: Mapping[str, TagSpec], sort: SortDir, tz: str, now: float) -> None:
        self.tags = tags
        self.sort: SortDir = sort
        self.tz = tz
        self.now = now
        # PostgreSQL errors surface only when the SQL runs, i.e. after every term compiled:
        # a later UNKNOWN_TAG (400) wins over an earlier bad uuid (500).
        self.sql_error = False

    def compile(self, ast: Ast) -> Pred:
        op = ast[0]
        if op == "tag":
            return self.tag(ast[1])
        if op in ("and", "or"):
            left, right = self.compile(ast[1]), self.compile(ast[2])
            combine = _and if op == "and" else _or
            return lambda row: combine(left(row), right(row))
        if op == "not":
            inner = self.compile(ast[1])
            return lambda row: _not(inner(row))
        raise _bad("IN_DIR_NOT_SUPPORTED")

    def tag(self, word: str) -> Pred:
        if ":" not in word:
            spec = self.tags.get(word)
            if spec is not None and spec.kind == "bool":
                return _eq(spec.column, True)
            raise _bad("UNKNOWN_TAG", word)
        name, value = word.split(":", 1)
        if name == "sort" and value in ("asc", "desc"):
            self.sort = "asc" if value == "asc" else "desc"
            return lambda row: True  # upstream substitutes SQL `true` for the meta tag
        spec = self.tags.get(name)
        if spec is None:
            raise _bad("UNKNOWN_TAG", name)
        return self.value(spec, value)

    def value(self, spec: TagSpec, value: str) -> Pred:
        try:
            return self.sql_value(spec, value)
        except _SqlError:
            self.sql_error = True
            return lambda row: None

    def sql_value(self, spec: TagSpec, value: str) -> Pred:
        kind = spec.kind
        if kind == "datetime":
            return _datetime_pred(spec.column, value, self.tz, self.now)
        if kind in ("bigint", "int"):
            parsed = ocaml_int(value, 64 if kind == "bigint" else 63)
            if parsed is None:
                raise _bad(value)
            if kind == "int":  # CCInt32.of_int wraps silently
                parsed = (parsed + (1 << 31)) % (1 << 32) - (1 << 31)
            return _eq(spec.column, parsed)
        if kind == "string":
            if value == "":
                raise _SqlError  # upstream's SQL lacks a closing parenthesis
            return _eq(spec.column, value)
        if kind == "uuid":
            try:
                canonical = str(uuid.UUID(value))
            except ValueError:
                raise _SqlError from None
            return _eq(spec.column, canonical)
        if kind == "json_array":
            return _json_array_pred(spec.column, spec.key, value)
        if kind == "json_obj":
            return _json_obj_pred(spec.column, spec.key, value)
        if kind == "raw" and spec.raw is not None:
            return spec.raw(value)
        raise _Reject(Rejection(500, json_type=False))  # `ignore_errors:<v>`: `assert false`


def _json_array_pred(column: str, key: str, value: str) -> Pred:
    def pred(row: Row) -> Tri:
        items = row.get(column)
        if items is None:
            return None
        return any(isinstance(it, Mapping) and it.get(key) == value for it in items)

    return pred


def _json_obj_pred(column: str, key: str, value: str) -> Pred:
    def pred(row: Row) -> Tri:
        obj = row.get(column)
        if obj is None:
            return None
        return isinstance(obj, Mapping) and obj.get(key) == value

    return pred


def _dirspace_state(value: str) -> Pred:
    """The dirspaces ``state`` tag (a raw SQL fragment upstream)."""

    def state_is(wanted: str) -> Pred:
        return _eq("wm_state", wanted)

    if value == "aborted":
        return state_is("aborted")
    if value in ("success", "failure"):
        completed = state_is("completed")
        want_success = value == "success"

        def pred(row: Row) -> Tri:
            success = row.get("success")
            ok = None if success is None else bool(success) is want_success
            return _and(completed(row), ok)

        return pred
    if value == "running":
        return state_is("running")
    if value in ("pending", "queued"):
        return state_is("queued")
    raise _bad("Invalid state: " + value)


def compile_query(
    q: str | None,
    *,
    tags: Mapping[str, TagSpec],
    default_sort: SortDir,
    tz: str | None = None,
    now: float = 0.0,
) -> CompiledQuery | Rejection:
    """Compile ``q`` for an endpoint's ``tags``; ``now`` (epoch seconds) bounds ``A..`` ranges."""
    try:
        ast = parse(q or "")
    except QuerySyntaxError as exc:
        return Rejection(400, {"data": str(exc), "id": "PARSE_ERROR"})
    try:
        if ast is None:
            return CompiledQuery(lambda row: True, default_sort)
        compiler = _Compiler(tags, default_sort, "UTC" if tz is None else tz, now)
        predicate = compiler.compile(ast)
        if compiler.sql_error:
            return _SERVER_ERROR
        return CompiledQuery(predicate, compiler.sort)
    except _Reject as exc:
        return exc.rejection


def _s(column: str) -> TagSpec:
    return TagSpec("string", column)


_COMMON: dict[str, TagSpec] = {
    "branch": _s("branch"),
    "created_at": TagSpec("datetime", "created_ts"),
    "environment": _s("environment"),
    "id": TagSpec("uuid", "id"),
    "kind": _s("kind"),
    "pr": TagSpec("bigint", "pull_number"),
    "repo": _s("repo"),
    "type": _s("run_type"),
    "user": _s("user"),
}

WORK_MANIFEST_TAGS: dict[str, TagSpec] = {
    **_COMMON,
    "dir": TagSpec("json_array", "dirspaces", "dir"),
    "state": _s("state"),
    "workspace": TagSpec("json_array", "dirspaces", "workspace"),
}
"""Tags of ``…/work-manifests``: row keys as above (``created_ts`` is epoch seconds)."""

DIRSPACE_TAGS: dict[str, TagSpec] = {
    **_COMMON,
    "dir": _s("dir"),
    "state": TagSpec("raw", "", raw=_dirspace_state),
    "workspace": _s("workspace"),
}
"""Tags of ``…/dirspaces``; ``state`` reads the row keys ``wm_state`` and ``success``."""

OUTPUT_TAGS: dict[str, TagSpec] = {
    "dir": TagSpec("json_obj", "scope", "dir"),
    "flow": TagSpec("json_obj", "scope", "flow"),
    "idx": TagSpec("int", "idx"),
    "ignore_errors": TagSpec("bool", "ignore_errors"),
    "scope": TagSpec("json_obj", "scope", "type"),
    "state": _s("state"),
    "step": _s("step"),
    "subflow": TagSpec("json_obj", "scope", "subflow"),
    "workspace": TagSpec("json_obj", "scope", "workspace"),
}
"""Tags of ``…/work-manifests/{id}/outputs``."""
