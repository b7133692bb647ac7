"""Keyset pagination and the Link header (§6.3 "Pagination mechanism"), as pure functions."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from terrateam_emulator.query.pagination import (
    Page,
    PageToken,
    build_link_header,
    encode_query,
    page_size,
    paginate,
    parse_page_token,
    request_base,
)
from terrateam_emulator.query.querystring import parse_query, values

U1 = "00000000-0000-4000-8000-000000000001"


def test_page_size() -> None:
    assert page_size(20) == 20
    assert page_size(1000) == 100
    assert page_size(0) is None
    assert page_size(-3) is None


def test_parse_page_token() -> None:
    cols = ("text", "uuid")
    assert parse_page_token(None, cols) == (True, None)
    assert parse_page_token(["n", "2026-01-01T00:00:00Z", U1.upper()], cols) == (
        True,
        PageToken("n", ("2026-01-01T00:00:00Z", U1)),
    )
    assert parse_page_token(["p", "x", U1], cols)[0]
    assert not parse_page_token(["x", "a", U1], cols)[0]  # bad direction
    assert not parse_page_token(["n", "a"], cols)[0]  # arity
    assert not parse_page_token(["n", "a", U1, "b"], cols)[0]
    assert not parse_page_token(["n", "a", "not-a-uuid"], cols)[0]
    assert not parse_page_token(["n", "a", U1.replace("-", "")], cols)[0]
    assert not parse_page_token([], cols)[0]
    assert parse_page_token(["n", "0x10"], ("int",)) == (True, PageToken("n", (16,)))
    assert not parse_page_token(["n", "ten"], ("int",))[0]
    assert not parse_page_token(["n"], ("int",))[0]
    # One-column cursors take the first value and ignore the rest (upstream `ud'`).
    assert parse_page_token(["p", "5", "junk"], ("int",)) == (True, PageToken("p", (5,)))


def _walk_forward(rows: list[int], size: int, sort: Any) -> list[list[int]]:
    pages: list[list[int]] = []
    token = None
    while True:
        page = paginate(rows, key=lambda r: (r,), sort=sort, size=size, token=token)
        pages.append(page.items)
        if not page.has_more:
            return pages
        token = PageToken("n", (page.items[-1],))


@given(
    rows=st.sets(st.integers(-1000, 1000), max_size=60),
    size=st.integers(1, 12),
    sort=st.sampled_from(["asc", "desc"]),
)
def test_paginate__forward_then_back_covers_everything_once(
    rows: set[int], size: int, sort: Any
) -> None:
    data = list(rows)
    pages = _walk_forward(data, size, sort)
    flat = [r for p in pages for r in p]
    assert flat == sorted(data, reverse=(sort == "desc"))
    assert all(0 < len(p) <= size for p in pages[:-1]) or not data
    # Backward from the last page's first row reproduces the earlier pages in display order.
    if len(pages) > 1:
        back: list[int] = []
        cursor = pages[-1][0]
        while True:
            page = paginate(
                data, key=lambda r: (r,), sort=sort, size=size, token=PageToken("p", (cursor,))
            )
            back = page.items + back
            if not page.has_more:
                break
            cursor = page.items[0]
        assert back == flat[: len(flat) - len(pages[-1])]


def _link_targets(link: str) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]*)>; rel="(\w+)"', link)}


def test_build_link_header__rules() -> None:
    rows = [{"n": i} for i in range(5)]
    items = parse_query("limit=2&q=a,b&page=n,9")

    def page_of(token: PageToken | None, has_more: bool) -> Page[dict[str, int]]:
        return Page(rows[:2], has_more, token)

    def header(page: Page[dict[str, int]]) -> dict[str, str]:
        return _link_targets(
            build_link_header(
                page, cursor_of=lambda r: [str(r["n"])], base="http://h", path="/x", items=items
            )
        )

    first = header(page_of(None, True))
    assert first == {"next": "http://h/x?page=n,1&limit=2&q=a,b"}
    assert header(page_of(None, False)) == {}
    assert set(header(page_of(PageToken("n", (9,)), False))) == {"prev"}
    assert (
        header(page_of(PageToken("n", (9,)), False))["prev"] == "http://h/x?page=p,0&limit=2&q=a,b"
    )
    assert set(header(page_of(PageToken("p", (9,)), False))) == {"next"}
    assert set(header(page_of(PageToken("p", (9,)), True))) == {"next", "prev"}
    empty: Page[dict[str, int]] = Page([], False, PageToken("p", (9,)))
    assert build_link_header(empty, cursor_of=lambda r: [], base="b", path="/", items=[]) == ""


def test_request_base() -> None:
    assert (
        request_base({"x-forwarded-base": "https://t.example/api/"}, "h:1")
        == "https://t.example/api"
    )
    assert request_base({"x-forwarded-proto": "https"}, "h:1") == "https://h:1"
    assert request_base({}, "127.0.0.1:9") == "http://127.0.0.1:9"


def test_encode_query__commas_inside_values() -> None:
    assert encode_query([("q", ["repo:a,b"]), ("x", [])]) == "q=repo:a%2Cb&x"
    assert encode_query([("q", ["sort:asc dir:a&b"])]) == "q=sort:asc%20dir:a%26b"


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@given(st.lists(st.tuples(_text.filter(bool), st.lists(_text, min_size=1, max_size=3)), max_size=5))
def test_encode_query__round_trips_through_parse(items: list[tuple[str, list[str]]]) -> None:
    assert parse_query(encode_query(items)) == items
    for key, _ in items:
        assert values(parse_query(encode_query(items)), key) is not None


def test_paginate__single_column_cursor_skips_ties_like_upstream() -> None:
    """Pull requests page on `[pull_number]` alone: rows tied with the cursor are skipped."""
    rows = [("a", 3), ("b", 3), ("c", 2), ("d", 1)]
    first = paginate(rows, key=lambda r: (r[1],), sort="desc", size=1, token=None)
    assert first.items == [("a", 3)]
    second = paginate(rows, key=lambda r: (r[1],), sort="desc", size=1, token=PageToken("n", (3,)))
    assert second.items == [("c", 2)]  # ("b", 3) is never listed
