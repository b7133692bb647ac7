"""Pagination: RFC 8288 ``Link`` parsing and the sync/async paginators.

Only the ``page`` values of the ``rel="next"`` link are used; they are re-sent to our own base
URL and path (the server builds the link from its own idea of its URL, which may be wrong behind
a proxy, and a foreign host must never see our token). An empty ``Link`` is the last page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import unquote

import httpx

from terrateam_core.errors import PaginationError

__all__ = [
    "AsyncPaginator",
    "Page",
    "Paginator",
    "SyncPaginator",
    "next_page_tokens",
    "parse_link_header",
]

T = TypeVar("T")


def _split_top(value: str, sep: str) -> list[str]:
    """Split on ``sep`` outside ``<…>`` and quoted strings."""
    parts: list[str] = []
    buf: list[str] = []
    in_url = in_quote = False
    for ch in value:
        if ch == "<" and not in_quote:
            in_url = True
        elif ch == ">" and not in_quote:
            in_url = False
        elif ch == '"' and not in_url:
            in_quote = not in_quote
        if ch == sep and not in_url and not in_quote:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    return parts


def parse_link_header(value: str | None) -> list[tuple[str, dict[str, str]]]:
    """Parse a ``Link`` header into ``(url, params)`` pairs; malformed entries are skipped."""
    if not value:
        return []
    links: list[tuple[str, dict[str, str]]] = []
    for entry in _split_top(value, ","):
        entry = entry.strip()
        if not entry.startswith("<") or ">" not in entry:
            continue
        url, _, rest = entry[1:].partition(">")
        params: dict[str, str] = {}
        for param in _split_top(rest, ";"):
            name, eq, val = param.strip().partition("=")
            if not name or not eq:
                continue
            params[name.strip().lower()] = val.strip().strip('"')
        links.append((url.strip(), params))
    return links


def next_page_tokens(link: str | None) -> list[str] | None:
    """Return the ``page`` values of the ``rel="next"`` link, in order; ``None`` on the last page.

    Values are split on literal commas as the server does (ocaml-uri), then percent-decoded.
    """
    for url, params in parse_link_header(link):
        if "next" not in params.get("rel", "").split():
            continue
        query = url.partition("?")[2].partition("#")[0]
        tokens: list[str] = []
        for pair in query.split("&"):
            name, _, val = pair.partition("=")
            if unquote(name.replace("+", " ")) != "page":
                continue
            tokens.extend(unquote(piece.replace("+", " ")) for piece in val.split(","))
        return tokens or None
    return None


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page: its items, the next page's tokens (``None`` on the last page), the response."""

    items: list[T]
    next_tokens: list[str] | None
    response: httpx.Response | None = None


def _check_advance(tokens: list[str] | None, seen: set[tuple[str, ...]]) -> None:
    if tokens is None:
        return
    key = tuple(tokens)
    if key in seen:
        raise PaginationError(f"the server's page cursor did not advance ({len(tokens)} values)")
    seen.add(key)


class SyncPaginator(Generic[T]):
    """Iterate items across pages; ``.pages()`` yields :class:`Page` objects.

    ``max_items`` caps the number of items yielded in total.
    """

    def __init__(
        self, fetch: Callable[[list[str] | None], Page[T]], *, max_items: int | None = None
    ) -> None:
        self._fetch = fetch
        self.max_items = max_items

    def pages(self) -> Iterator[Page[T]]:
        """Yield pages until the server's ``Link`` has no next page."""
        tokens: list[str] | None = None
        seen: set[tuple[str, ...]] = set()
        count = 0
        while True:
            page = self._fetch(tokens)
            yield page
            count += len(page.items)
            if page.next_tokens is None or (self.max_items is not None and count >= self.max_items):
                return
            _check_advance(page.next_tokens, seen)
            tokens = page.next_tokens

    def first_page(self) -> Page[T]:
        """Fetch and return only the first page."""
        return self._fetch(None)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} max_items={self.max_items!r}: iterate it, or call "
            ".pages(), .first_page(), .to_list()>"
        )

    def __iter__(self) -> Iterator[T]:
        count = 0
        for page in self.pages():
            for item in page.items:
                if self.max_items is not None and count >= self.max_items:
                    return
                count += 1
                yield item

    def to_list(self) -> list[T]:
        """Collect every item into a list."""
        return list(self)


Paginator = SyncPaginator


class AsyncPaginator(Generic[T]):
    """Async twin of :class:`SyncPaginator` (``async for``)."""

    def __init__(
        self,
        fetch: Callable[[list[str] | None], Awaitable[Page[T]]],
        *,
        max_items: int | None = None,
    ) -> None:
        self._fetch = fetch
        self.max_items = max_items

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Yield pages until the server's ``Link`` has no next page."""
        tokens: list[str] | None = None
        seen: set[tuple[str, ...]] = set()
        count = 0
        while True:
            page = await self._fetch(tokens)
            yield page
            count += len(page.items)
            if page.next_tokens is None or (self.max_items is not None and count >= self.max_items):
                return
            _check_advance(page.next_tokens, seen)
            tokens = page.next_tokens

    async def first_page(self) -> Page[T]:
        """Fetch and return only the first page."""
        return await self._fetch(None)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} max_items={self.max_items!r}: `async for` over it, or "
            "await .first_page(), .to_list(); async for over .pages()>"
        )

    async def __aiter__(self) -> AsyncIterator[T]:
        count = 0
        async for page in self.pages():
            for item in page.items:
                if self.max_items is not None and count >= self.max_items:
                    return
                count += 1
                yield item

    async def to_list(self) -> list[T]:
        """Collect every item into a list."""
        return [item async for item in self]
