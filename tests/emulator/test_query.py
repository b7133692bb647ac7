"""The `q` language: grammar, tags, sort, datetimes and every documented error (§6.3)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terrateam_emulator.query.compiler import (
    DIRSPACE_TAGS,
    OUTPUT_TAGS,
    WORK_MANIFEST_TAGS,
    CompiledQuery,
    Rejection,
    compile_query,
)

UUID_A = "6f1c2d4e-0000-4000-8000-00000000000a"


def _ts(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp()


def _wm(**kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "branch": "main",
        "created_ts": _ts("2026-03-04T10:30:00"),
        "environment": None,
        "id": UUID_A,
        "kind": "pr",
        "pull_number": 7,
        "repo": "infra",
        "state": "completed",
        "run_type": "plan",
        "user": "alice",
        "dirspaces": [{"dir": "ec2", "workspace": "default", "success": True}],
    }
    row.update(kw)
    return row


def _compile(q: str | None, tags: Any = WORK_MANIFEST_TAGS, **kw: Any) -> CompiledQuery:
    out = compile_query(q, tags=tags, default_sort="desc", **kw)
    assert isinstance(out, CompiledQuery), out
    return out


def _reject(q: str, tags: Any = WORK_MANIFEST_TAGS, **kw: Any) -> Rejection:
    out = compile_query(q, tags=tags, default_sort="desc", **kw)
    assert isinstance(out, Rejection), out
    return out


@pytest.mark.parametrize("q", [None, "", "   ", "\t"])
def test_compile_query__empty_means_no_filter(q: str | None) -> None:
    c = _compile(q)
    assert c.sort == "desc"
    assert c.matches(_wm())


def test_compile_query__juxtaposition_is_and() -> None:
    c = _compile("repo:infra type:apply")
    assert not c.matches(_wm())
    assert c.matches(_wm(run_type="apply"))


def test_compile_query__and_binds_tighter_than_or() -> None:
    c = _compile("repo:other and type:apply or user:alice")
    assert c.matches(_wm())  # (false and false) or true
    c2 = _compile("repo:other and (type:apply or user:alice)")
    assert not c2.matches(_wm())


def test_compile_query__juxtaposition_takes_the_rest_of_the_expression() -> None:
    """Menhir resolves the juxtaposition conflicts by shifting: `a b or c` = a and (b or c)."""
    row = _wm()  # repo infra, type plan, user alice
    assert not _compile("repo:other type:plan or user:alice").matches(row)
    assert _compile("(repo:other type:plan) or user:alice").matches(row)
    assert _compile("repo:infra type:apply or user:alice").matches(row)
    # `a or b c or d` = a or (b and (c or d))
    assert not _compile("repo:x or user:bob type:plan or repo:infra").matches(row)
    assert _compile("repo:x or user:alice type:apply or repo:infra").matches(row)
    # Explicit keywords keep their declared precedence, inside or outside juxtaposition.
    assert _compile("repo:x and type:apply or user:alice").matches(row)
    assert not _compile("repo:infra repo:x and type:plan or user:bob").matches(row)


def test_compile_query__keywords_case_insensitive_and_not() -> None:
    assert _compile("repo:x OR NOT repo:y").matches(_wm())
    assert not _compile("not (repo:infra or repo:x)").matches(_wm())


def test_compile_query__quoted_strings_and_escapes() -> None:
    assert _compile('"branch:feat x"').matches(_wm(branch="feat x"))
    assert _compile(r"'branch:it\'s'").matches(_wm(branch="it's"))
    assert _compile('"branch:a\\"b"').matches(_wm(branch='a"b'))


def test_compile_query__null_is_not_matched_by_not() -> None:
    assert not _compile("not environment:prod").matches(_wm())
    assert _compile("not environment:prod").matches(_wm(environment="dev"))


def test_compile_query__sort_tag() -> None:
    assert _compile("sort:asc").sort == "asc"
    assert _compile("sort:asc repo:infra sort:desc").sort == "desc"
    assert _compile("sort:asc", tags=OUTPUT_TAGS).matches({})


def test_compile_query__unknown_tags() -> None:
    assert _reject("foo:bar") == Rejection(400, {"id": "UNKNOWN_TAG", "data": "foo"})
    assert _reject("sort:sideways") == Rejection(400, {"id": "UNKNOWN_TAG", "data": "sort"})
    assert _reject("infra") == Rejection(400, {"id": "UNKNOWN_TAG", "data": "infra"})


@pytest.mark.parametrize("q", ["(repo:x", "repo:x)", "and", "not and", "'open", "a in b", "()"])
def test_compile_query__parse_errors(q: str) -> None:
    r = _reject(q)
    assert r.status == 400
    assert r.body is not None
    assert r.body["id"] == "PARSE_ERROR"
    assert r.body["data"]


def test_compile_query__in_dir() -> None:
    assert _reject("foo in dir") == Rejection(400, {"id": "IN_DIR_NOT_SUPPORTED"})


def test_compile_query__int_errors_use_raw_value_as_id() -> None:
    assert _reject("pr:abc") == Rejection(400, {"id": "abc"})
    assert _reject("idx:1.5", tags=OUTPUT_TAGS) == Rejection(400, {"id": "1.5"})
    assert _compile("pr:0x7").matches(_wm())


@pytest.mark.parametrize(
    "q", ["id:nope", "branch:", "created_at:2026-13-01", "created_at:soon", "environment:"]
)
def test_compile_query__postgres_failures_are_500(q: str) -> None:
    assert _reject(q) == Rejection(500)


def test_compile_query__ignore_errors() -> None:
    assert _compile("ignore_errors", tags=OUTPUT_TAGS).matches({"ignore_errors": True})
    assert not _compile("ignore_errors", tags=OUTPUT_TAGS).matches({"ignore_errors": False})
    assert _reject("ignore_errors:true", tags=OUTPUT_TAGS) == Rejection(500, json_type=False)


def test_compile_query__output_scope_tags() -> None:
    row = {"scope": {"type": "dirspace", "dir": "ec2", "workspace": "default"}, "idx": 3}
    assert _compile("scope:dirspace dir:ec2 workspace:default idx:3", tags=OUTPUT_TAGS).matches(row)
    assert not _compile("flow:x", tags=OUTPUT_TAGS).matches(row)


def test_compile_query__dir_workspace_are_element_matches_on_work_manifests() -> None:
    assert _compile("dir:ec2 workspace:default").matches(_wm())
    assert not _compile("dir:ec").matches(_wm())


def test_compile_query__id_accepts_uppercase_uuid() -> None:
    assert _compile("id:" + UUID_A.upper()).matches(_wm())


def test_compile_query__dates() -> None:
    row = _wm()
    assert _compile("created_at:2026-03-04").matches(row)
    assert not _compile("created_at:2026-03-05").matches(row)
    assert _compile("'created_at:2026-03-04 10:30'").matches(row)
    assert not _compile("'created_at:2026-03-04 10:31'").matches(row)
    assert _compile("created_at:2026-03-01..2026-03-05").matches(row)
    assert not _compile("created_at:2026-03-01..2026-03-04").matches(row)  # [A, B)
    assert _compile("created_at:..2026-03-05").matches(row)
    now = _ts("2026-04-01T00:00:00")
    assert _compile("created_at:2026-03-01..", now=now).matches(row)
    assert not _compile("created_at:2026-03-01..", now=_ts("2026-03-02T00:00:00")).matches(row)
    assert _reject("created_at:..") == Rejection(400, {"id": "BAD_DATE_FORMAT", "data": ".."})


def test_compile_query__tz_shifts_days() -> None:
    row = _wm(created_ts=_ts("2026-03-04T02:00:00"))  # 2026-03-03 21:00 in New York
    assert _compile("created_at:2026-03-03", tz="America/New_York").matches(row)
    assert not _compile("created_at:2026-03-03").matches(row)
    assert _compile("created_at:2026-03-04", tz="utc").matches(row)


def test_compile_query__unknown_tz_only_matters_with_dates() -> None:
    assert _reject("created_at:2026-03-03", tz="Mars/Olympus") == Rejection(500)
    assert isinstance(_compile("repo:infra", tz="Mars/Olympus"), CompiledQuery)


def test_compile_query__dirspace_states() -> None:
    def ds(state: str, success: bool | None) -> dict[str, Any]:
        return {"wm_state": state, "success": success}

    assert _compile("state:success", tags=DIRSPACE_TAGS).matches(ds("completed", True))
    assert _compile("state:failure", tags=DIRSPACE_TAGS).matches(ds("completed", False))
    assert not _compile("state:failure", tags=DIRSPACE_TAGS).matches(ds("completed", None))
    assert _compile("state:pending", tags=DIRSPACE_TAGS).matches(ds("queued", None))
    assert _compile("state:queued", tags=DIRSPACE_TAGS).matches(ds("queued", None))
    assert _compile("state:running", tags=DIRSPACE_TAGS).matches(ds("running", None))
    assert _compile("state:aborted", tags=DIRSPACE_TAGS).matches(ds("aborted", None))
    assert _reject("state:done", tags=DIRSPACE_TAGS) == Rejection(
        400, {"id": "Invalid state: done"}
    )


def test_compile_query__first_error_in_walk_order_wins() -> None:
    assert _reject("foo:1 pr:x") == Rejection(400, {"id": "UNKNOWN_TAG", "data": "foo"})
    assert _reject("pr:x foo:1") == Rejection(400, {"id": "x"})


_WORDS = ["and ", "or ", "not ", " in ", "dir", "sort:", "created_at:", "..", "pr:", "id:"]
_ALPHABET = st.sampled_from(
    [*"abcz:._-() '\"\\\t", *_WORDS, "state:", "2026-03-04", "ignore_errors", "é"]
)


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(_ALPHABET, max_size=12).map("".join),
    tz=st.sampled_from([None, "UTC", "Nope/Zone"]),
)
def test_compile_query__never_crashes(text: str, tz: str | None) -> None:
    """Any text compiles to a query or to a documented rejection; predicates never raise."""
    for tags in (WORK_MANIFEST_TAGS, DIRSPACE_TAGS, OUTPUT_TAGS):
        out = compile_query(text, tags=tags, default_sort="asc", tz=tz, now=2e9)
        if isinstance(out, Rejection):
            assert out.status in (400, 500)
            assert out.body is None or set(out.body) <= {"id", "data"}
        else:
            out.matches(_wm())
            out.matches({"scope": {"type": "run"}, "wm_state": "queued"})
