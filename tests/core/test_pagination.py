"""Link parsing (property tests) and the paginators."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.fakes import API_KEY, BASE, FakeTerrateam
from terrateam_core import AsyncTerrateamClient, PaginationError, RetryPolicy, TerrateamClient
from terrateam_core._pagination import next_page_tokens, parse_link_header

WM = "/api/v1/github/installations/12345/work-manifests"

cursor_values = st.lists(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12),
    min_size=1,
    max_size=4,
)


def _link(host: str, values: list[str], rel: str = "next", joined: bool = False) -> str:
    enc = [quote(v, safe="") for v in values]
    query = (
        "page=" + ",".join(["n", *enc]) if joined else "&".join(f"page={v}" for v in ["n", *enc])
    )
    return f'<{host}/api/v1/x?{query}&limit=5>; rel="{rel}"'


@given(cursor_values, st.booleans())
def test_next_tokens_round_trip(values: list[str], joined: bool) -> None:
    """Any cursor values come back exactly, whether repeated or comma-joined."""
    header = _link("https://elsewhere.example//api", values, joined=joined)
    assert next_page_tokens(header) == ["n", *values]


@given(cursor_values)
def test_prev_only_is_last_page(values: list[str]) -> None:
    """A Link with only rel=prev means there is no next page."""
    assert next_page_tokens(_link("http://h", values, rel="prev")) is None


@pytest.mark.parametrize("header", [None, "", "  ", "garbage", "<>; rel=next"])
def test_empty_or_garbage_link_is_last_page(header: str | None) -> None:
    """Empty, missing or malformed Link headers end pagination."""
    assert next_page_tokens(header) is None


@given(st.text())
def test_link_parser_never_raises(text: str) -> None:
    """Arbitrary header text never raises."""
    parse_link_header(text)
    next_page_tokens(text)


def test_both_rels_with_commas_inside_urls() -> None:
    """next and prev in one header; commas inside <…> do not split entries."""
    header = '<http://h/x?page=p,a%2Cb>; rel="prev", <http://h/x?page=n,c,d>; rel="next"'
    assert next_page_tokens(header) == ["n", "c", "d"]


def _paged_fake(pages: int, size: int, stuck: bool = False) -> tuple[FakeTerrateam, list[str]]:
    fake = FakeTerrateam()
    urls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        urls.append(str(request.url))
        pages_sent = request.url.params.get_list("page")
        n = 0 if not pages_sent else int(pages_sent[1])
        items = [{"id": f"wm-{n}-{i}", "state": "completed"} for i in range(size)]
        nxt = n if stuck else n + 1
        link = (
            ""
            if n + 1 >= pages
            else f'<https://foreign.example//api{WM}?page=n&page={nxt}>; rel="next"'
        )
        return httpx.Response(200, json={"work_manifests": items}, headers={"link": link})

    fake.routes[("GET", WM)] = handler
    return fake, urls


def _client(fake: FakeTerrateam) -> TerrateamClient:
    return TerrateamClient(
        API_KEY,
        base_url=BASE,
        installation_id=12345,
        transport=fake.transport(),
        retry_policy=RetryPolicy(sleep=lambda _s: None),
    )


def test_paginator_follows_pages_on_our_own_base_url() -> None:
    """All pages are read; next links on a foreign host are re-issued to our base URL."""
    fake, urls = _paged_fake(pages=4, size=3)
    with _client(fake) as client:
        items = list(client.work_manifests.list(limit=3))
    assert len(items) == 12
    assert all(u.startswith(BASE + WM) for u in urls)
    assert "limit=3" in urls[-1]


def test_paginator_max_items_and_first_page() -> None:
    """max_items stops early; first_page fetches one page."""
    fake, urls = _paged_fake(pages=10, size=3)
    with _client(fake) as client:
        assert len(list(client.work_manifests.list(max_items=5))) == 5
        assert len(urls) == 2
        page = client.work_manifests.list().first_page()
    assert len(page.items) == 3
    assert page.next_tokens == ["n", "1"]


def test_non_advancing_cursor_is_pagination_error() -> None:
    """A next link that repeats the previous cursor raises instead of looping forever."""
    fake, _ = _paged_fake(pages=10, size=2, stuck=True)
    with _client(fake) as client, pytest.raises(PaginationError):
        list(client.work_manifests.list())


@pytest.mark.anyio
async def test_async_paginator_reads_every_page() -> None:
    """The async paginator yields the same items across pages."""
    fake, _ = _paged_fake(pages=3, size=4)
    async with AsyncTerrateamClient(
        API_KEY, base_url=BASE, installation_id=12345, transport=fake.transport()
    ) as client:
        items = [wm async for wm in client.work_manifests.list()]
        pages = [p async for p in client.work_manifests.list().pages()]
    assert len(items) == 12
    assert [len(p.items) for p in pages] == [4, 4, 4]


def test_limit_out_of_range_is_rejected() -> None:
    """Page sizes outside 1..100 are refused before the server answers 500."""
    with _client(FakeTerrateam()) as client, pytest.raises(ValueError, match=r"1\.\.100"):
        list(client.repos.list(limit=0))
