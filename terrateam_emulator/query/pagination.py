"""Keyset pagination of the list endpoints (docs/contract.md §6.3 "Pagination mechanism").

* page size = ``min(limit, 100)``; ``limit <= 0`` is a 500 (an upstream assertion);
* the token is ``page=n|p,<cursor values…>`` (repeated or comma-joined); arity or type
  mismatch is a route mismatch (404), except that a one-column cursor reads only its first
  value (upstream ``Typ.ud'``) and ignores extra ones;
* ``n`` continues after the cursor row in the sort direction, ``p`` goes back before it, and
  results are always returned in display order;
* the ``Link`` header is always present (possibly empty) and built from the request URL with the
  ``page`` values removed and the new ones prepended (``brtl_ep_paginate.ml``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import quote

from terrateam_emulator.query.querystring import QueryItems, ocaml_int

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_PAGE_SIZE",
    "Page",
    "PageToken",
    "build_link_header",
    "encode_query",
    "page_size",
    "paginate",
    "parse_page_token",
    "request_base",
]

MAX_PAGE_SIZE = 100
DEFAULT_LIMIT = 20
ColumnKind = Literal["text", "uuid", "int"]
Direction = Literal["n", "p"]
T = TypeVar("T")

# ocaml-uri's safe characters for query keys and values (everything else is %-encoded).
_SAFE_COMMON = "!$'()*:@/?"
_SAFE_KEY = _SAFE_COMMON + ","
_SAFE_VALUE = _SAFE_COMMON + "="


@dataclass(frozen=True)
class PageToken:
    """A parsed ``page`` parameter: direction plus typed cursor values."""

    direction: Direction
    cursor: tuple[Any, ...]


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page in display order, whether another page exists beyond it, and the token used."""

    items: list[T]
    has_more: bool
    token: PageToken | None


def page_size(limit: int) -> int | None:
    """``min(limit, 100)``, or ``None`` for ``limit <= 0`` (the server answers 500)."""
    if limit <= 0:
        return None
    return min(limit, MAX_PAGE_SIZE)


def _typed(kind: ColumnKind, raw: str) -> Any:
    if kind == "text":
        return raw
    if kind == "int":
        return ocaml_int(raw)
    if len(raw) != 36:  # Uuidm.of_string takes only the canonical hyphenated form
        return None
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return None


def parse_page_token(
    values: Sequence[str] | None, columns: Sequence[ColumnKind]
) -> tuple[bool, PageToken | None]:
    """``(ok, token)``: absent → ``(True, None)``; bad direction, arity or type → not ok.

    Multi-column cursors need exactly one value per column (upstream ``Typ.tuple``).
    """
    if values is None:
        return True, None
    if not values or values[0] not in ("n", "p"):
        return False, None
    raw = list(values[1:])
    if len(columns) == 1:
        # Single-column cursors decode with `ud'`: the first value, extra ones ignored.
        raw = raw[:1]
    if len(raw) != len(columns):
        return False, None
    typed = [_typed(kind, value) for kind, value in zip(columns, raw, strict=True)]
    if any(v is None for v in typed):
        return False, None
    direction: Direction = "n" if values[0] == "n" else "p"
    return True, PageToken(direction, tuple(typed))


def paginate(
    rows: Sequence[T],
    *,
    key: Callable[[T], tuple[Any, ...]],
    sort: Literal["asc", "desc"],
    size: int,
    token: PageToken | None,
) -> Page[T]:
    """Cut one keyset page out of ``rows`` (already filtered), like ``Pgsql_pagination``."""
    ordered = sorted(rows, key=key, reverse=(sort == "desc"))
    if token is None:
        window = ordered[: size + 1]
        return Page(window[:size], len(window) > size, None)
    cursor = token.cursor

    def after(row: T) -> bool:
        k = key(row)
        return k > cursor if sort == "asc" else k < cursor

    def before(row: T) -> bool:
        k = key(row)
        return k < cursor if sort == "asc" else k > cursor

    if token.direction == "n":
        window = [r for r in ordered if after(r)][: size + 1]
        return Page(window[:size], len(window) > size, token)
    earlier = [r for r in ordered if before(r)]
    window = earlier[-(size + 1) :] if earlier else []
    return Page(window[-size:] if window else [], len(window) > size, token)


def request_base(headers: Mapping[str, str], host: str) -> str:
    """``X-Forwarded-Base`` without a trailing ``/``, else ``<proto>://<Host>``."""
    fwd = headers.get("x-forwarded-base")
    if fwd is not None:
        return fwd.rstrip("/")
    proto = headers.get("x-forwarded-proto", "http")
    return f"{proto}://{host}"


def encode_query(items: QueryItems) -> str:
    """ocaml-uri's encoding: ``k=v1,v2`` with commas inside values as ``%2C``."""
    parts = []
    for key, vals in items:
        k = quote(key, safe=_SAFE_KEY)
        if not vals:
            parts.append(k)
        else:
            parts.append(k + "=" + ",".join(quote(v, safe=_SAFE_VALUE) for v in vals))
    return "&".join(parts)


def _link(base: str, path: str, items: QueryItems, direction: Direction, cursor: list[str]) -> str:
    kept = [(k, v) for k, v in items if k != "page"]
    query = encode_query([("page", [direction, *cursor]), *kept])
    return f"{base}{path}?{query}"


def build_link_header(
    page: Page[T],
    *,
    cursor_of: Callable[[T], list[str]],
    base: str,
    path: str,
    items: QueryItems,
) -> str:
    """The ``Link`` value of ``brtl_ep_paginate.ml``: next then prev, ``", "``-joined."""
    first = cursor_of(page.items[0]) if page.items else None
    last = cursor_of(page.items[-1]) if page.items else None
    forward = page.token is None or page.token.direction == "n"
    if forward:
        next_cursor = last if page.has_more else None
        prev_cursor = first if page.token is not None else None
    else:
        next_cursor = last
        prev_cursor = first if page.has_more else None
    links = []
    if next_cursor is not None:
        links.append(f'<{_link(base, path, items, "n", next_cursor)}>; rel="next"')
    if prev_cursor is not None:
        links.append(f'<{_link(base, path, items, "p", prev_cursor)}>; rel="prev"')
    return ", ".join(links)
