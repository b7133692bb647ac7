"""A tiny in-memory fake of Terrateam's auth endpoints for unit tests (httpx.MockTransport)."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

BASE = "http://terrateam.test"


def _b64(doc: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(doc).encode()).rstrip(b"=").decode()


def make_jwt(claims: dict[str, object]) -> str:
    """An unsigned JWT-shaped token with these claims (the client never verifies signatures)."""
    return f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(claims)}.c2lnbmF0dXJl"


API_KEY = make_jwt(
    {
        "terrateam": {
            "access_token_id": "k1",
            "capabilities": ["access_token_refresh"],
            "user_id": "u1",
        }
    }
)
RUN_TOKEN = make_jwt(
    {
        "terrateam": {
            "access_token_id": "wm-1",
            "capabilities": [{"id": "1", "name": "installation_id"}, "kv_store_read"],
            "user_id": "system",
        }
    }
)


@dataclass
class FakeTerrateam:
    """Issues access tokens with ``exp`` = clock() + ttl; answers ``routes`` for the rest.

    Expired or unknown tokens get 403 with an empty body, as the real server does.
    """

    ttl: float = 60.0
    clock: Callable[[], float] = time.time
    refreshes: int = 0
    key_revoked: bool = False
    run_active: bool = True
    requests: list[httpx.Request] = field(default_factory=list)
    routes: dict[tuple[str, str], Callable[[httpx.Request], httpx.Response]] = field(
        default_factory=dict
    )
    #: (method, path prefix) → handler, tried after the exact routes.
    prefix_routes: dict[tuple[str, str], Callable[[httpx.Request], httpx.Response]] = field(
        default_factory=dict
    )
    refresh_delay: float = 0.0
    issued: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
        auth = request.headers.get("authorization", "")
        token = auth.removeprefix("Bearer ")
        if request.url.path == "/api/v1/access-token/refresh":
            if self.refresh_delay:
                time.sleep(self.refresh_delay)
            if token != API_KEY or self.key_revoked:
                return httpx.Response(403)
            with self._lock:
                self.refreshes += 1
                n = self.refreshes
            exp = int(self.clock() + self.ttl)
            new = make_jwt({"exp": exp, "terrateam": {"capabilities": [], "user_id": "u1", "n": n}})
            self.issued[new] = exp
            return httpx.Response(200, json={"token": new})
        if token == RUN_TOKEN:
            if not self.run_active:
                return httpx.Response(403)
        elif token not in self.issued or self.clock() > self.issued[token]:
            return httpx.Response(403)
        handler = self.routes.get((request.method, request.url.path))
        for (method, prefix), candidate in self.prefix_routes.items():
            if handler is None and method == request.method and request.url.path.startswith(prefix):
                handler = candidate
        if handler is None:
            return httpx.Response(404, headers={"content-type": "text/html"})
        return handler(request)


def json_route(doc: object, status: int = 200) -> Callable[[httpx.Request], httpx.Response]:
    return lambda _r: httpx.Response(status, json=doc)
