"""``TerrateamAuth``: the API key → 60 s access token exchange, invisible to callers.

* The token is cached against a monotonic deadline computed from its ``exp`` (skew-corrected
  with the refresh response's ``Date``), minus a margin that scales with the lifetime.
* Single-flight: a ``threading.Lock`` (sync) / ``anyio.Lock`` (async) guards the refresh; after
  taking it the cache is re-checked. The lock is never held across the caller's request.
* On 401 **or 403** the request is retried once with a fresh token; the cache is invalidated only
  if it still holds the token this request used (``generation`` unchanged), so a burst of 403s
  costs one refresh.
* A 401/403 from the refresh endpoint itself is :class:`AuthenticationError`, never retried.
* A ready bearer token (``access_token=``, or a run token) is used as is; when a run token stops
  working, :class:`RunTokenInactiveError` says why.
* With a :class:`~terrateam_core.token_cache.TokenCache` (API keys only), the first token is
  looked up there before the refresh POST and every refreshed token is stored there, so the
  next process (the next CLI call) skips the exchange.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncGenerator, Callable, Generator
from typing import TYPE_CHECKING

import anyio
import httpx
from pydantic import SecretStr

from terrateam_core._call import error_from_response
from terrateam_core._jwt import decode_claims, token_exp, token_lifetime
from terrateam_core._logging import logger
from terrateam_core.errors import (
    AuthenticationError,
    ResponseValidationError,
    RunTokenInactiveError,
    status_error_class,
)

if TYPE_CHECKING:
    from terrateam_core.token_cache import TokenCache

__all__ = ["REFRESH_PATH", "TerrateamAuth", "refresh_margin"]

REFRESH_PATH = "/api/v1/access-token/refresh"
WHOAMI_PATH = "/api/v1/whoami"
_AUTH_STATUSES = (401, 403)
# The token exchange and the run-token probe inherit the timeouts of the request that needs
# them; this applies only when there is none (an httpx client built outside ours).
_DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0).as_dict()
Timeouts = dict[str, float | None]


def refresh_margin(lifetime: float, latency: float = 0.0) -> float:
    """Refresh this long before expiry: ``min(10 s, lifetime / 4)``, raised to twice the
    recent request latency (a request must reach the server before its token expires), and
    never more than half the lifetime (the authlib#716 trap)."""
    return min(lifetime / 2.0, max(min(10.0, lifetime / 4.0), 2.0 * latency))


class TerrateamAuth(httpx.Auth):
    """httpx auth for Terrateam: exchange and cache access tokens, or send a ready token."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: SecretStr | None = None,
        access_token: SecretStr | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        token_cache: TokenCache | None = None,
    ) -> None:
        if (api_key is None) == (access_token is None):
            raise ValueError("exactly one of api_key and access_token is required")
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._static = access_token
        self._monotonic = monotonic
        self._wall_clock = wall_clock
        self._token: str | None = None
        self._expires = 0.0  # monotonic time the cached token expires (server's view)
        self._lifetime = 0.0
        self._latency = 0.0  # decaying maximum of recent request round trips (seconds)
        self._generation = 0
        self._thread_lock = threading.Lock()
        self._async_lock: anyio.Lock | None = None
        # Between processes: only API-key exchanges (a ready token cannot be refreshed).
        self._disk = token_cache if api_key is not None else None
        self._disk_checked = False
        #: Number of successful refreshes (for tests and benchmarks).
        self.refresh_count = 0

    def __repr__(self) -> str:
        kind = "api_key" if self._api_key is not None else "access_token"
        return f"TerrateamAuth(base_url={self._base_url!r}, {kind}=<redacted>)"

    # -- I/O-free pieces ---------------------------------------------------------------------

    @property
    def uses_api_key(self) -> bool:
        """True when tokens are obtained by exchanging an API key."""
        return self._api_key is not None

    def _cached(self) -> tuple[str | None, int]:
        if self._token is None and not self._disk_checked:
            self._load_shared()
        token = self._token
        margin = refresh_margin(self._lifetime, self._latency)
        if token is not None and self._monotonic() < self._expires - margin:
            return token, self._generation
        return None, self._generation

    def _load_shared(self) -> None:
        """Adopt a token another process stored (once: afterwards memory is authoritative,
        and a token the server refused is never re-read)."""
        self._disk_checked = True
        if self._disk is None or self._api_key is None:
            return
        entry = self._disk.load(self._base_url, self._api_key)
        if entry is None:
            return
        left = entry.expires_at - self._wall_clock()
        self._token = entry.token.get_secret_value()
        self._expires = self._monotonic() + left
        self._lifetime = entry.lifetime
        self._generation += 1
        logger.debug("access token from the token cache (valid %.1f s)", left)

    def _store_shared(self, token: str, sent_wall: float, lifetime: float) -> None:
        if self._disk is None or self._api_key is None:
            return
        try:
            self._disk.store(
                self._base_url,
                self._api_key,
                token,
                expires_at=sent_wall + lifetime,
                lifetime=lifetime,
            )
        except OSError as exc:  # a full disk must not fail the call that got the token
            logger.debug("token cache not written: %s", type(exc).__name__)

    def _observe(self, started: float) -> None:
        """Record a request's round trip; spikes count at once and fade slowly."""
        rtt = max(0.0, self._monotonic() - started)
        self._latency = max(rtt, self._latency * 0.9)

    def _refresh_request(self, timeout: Timeouts | None = None) -> httpx.Request:
        assert self._api_key is not None
        # Never without a timeout: a server that accepts the POST and stays silent must not
        # hang the caller.
        return httpx.Request(
            "POST",
            self._base_url + REFRESH_PATH,
            headers={"Authorization": f"Bearer {self._api_key.get_secret_value()}"},
            extensions={"timeout": dict(timeout or _DEFAULT_TIMEOUT)},
        )

    def _accept_refresh(self, response: httpx.Response, sent_at: float, sent_wall: float) -> str:
        """Turn the refresh response into a cached token, or raise the matching error."""
        status = response.status_code
        if status in _AUTH_STATUSES:
            if self._disk is not None and self._api_key is not None:
                self._disk.delete(self._base_url, self._api_key)
            raise AuthenticationError(
                f"{status} on POST {REFRESH_PATH}: API key rejected (invalid or revoked)",
                status_code=status,
                method="POST",
                path=REFRESH_PATH,
            )
        if status != 200:
            raise error_from_response(None, response, method="POST", path=REFRESH_PATH)
        try:
            token = response.json()["token"]
            if not isinstance(token, str) or not token:
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise ResponseValidationError(
                "refresh response has no token", method="POST", path=REFRESH_PATH
            ) from None
        lifetime = token_lifetime(
            token, date_header=response.headers.get("date"), local_now=sent_wall
        )
        self._token = token
        self._expires = sent_at + lifetime
        self._lifetime = lifetime
        self._generation += 1
        self.refresh_count += 1
        self._disk_checked = True
        self._store_shared(token, sent_wall, lifetime)
        logger.debug("access token refreshed (valid %.1f s)", lifetime)
        return token

    def _static_failure(self, request: httpx.Request, status: int) -> Exception | None:
        """Explain a 401/403 on a ready bearer token when we can tell why."""
        assert self._static is not None
        token = self._static.get_secret_value()
        exp = token_exp(token)
        path = request.url.path
        if exp is not None and self._wall_clock() > exp:
            return AuthenticationError(
                f"{status} on {request.method} {path}: the access token expired "
                "(access tokens live 60 s; pass an API key to refresh automatically)",
                status_code=status,
                method=request.method,
                path=path,
            )
        return None

    def _is_run_token(self) -> bool:
        if self._static is None:
            return False
        claims = decode_claims(self._static.get_secret_value()) or {}
        inner = claims.get("terrateam")
        return "exp" not in claims and isinstance(inner, dict) and "access_token_id" in inner

    def _probe_request(self, timeout: Timeouts | None = None) -> httpx.Request:
        assert self._static is not None
        return httpx.Request(
            "GET",
            self._base_url + WHOAMI_PATH,
            headers={"Authorization": f"Bearer {self._static.get_secret_value()}"},
            extensions={"timeout": dict(timeout or _DEFAULT_TIMEOUT)},
        )

    @staticmethod
    def _timeouts_of(request: httpx.Request) -> Timeouts | None:
        value = request.extensions.get("timeout")
        return value if isinstance(value, dict) else None

    def _inactive(self, request: httpx.Request, status: int) -> RunTokenInactiveError:
        return RunTokenInactiveError(
            f"{status} on {request.method} {request.url.path}: the run token no longer works "
            "(its work manifest is no longer queued or running)",
            status_code=status,
            method=request.method,
            path=request.url.path,
        )

    @staticmethod
    def _replayable(request: httpx.Request) -> bool:
        return isinstance(request.stream, httpx.ByteStream)

    @staticmethod
    def _set(request: httpx.Request, token: str) -> None:
        request.headers["Authorization"] = f"Bearer {token}"

    # -- sync --------------------------------------------------------------------------------

    def sync_get_token(
        self, send: Callable[[httpx.Request], httpx.Response], timeout: Timeouts | None = None
    ) -> str:
        """Return a valid access token, refreshing through ``send`` if needed (single-flight);
        ``timeout`` is httpx's per-operation timeouts of the exchange."""
        if self._static is not None:
            return self._static.get_secret_value()
        token, _ = self._cached()
        if token is not None:
            return token
        with self._thread_lock:
            token, _ = self._cached()
            if token is not None:
                return token
            sent_at, sent_wall = self._monotonic(), self._wall_clock()
            response = send(self._refresh_request(timeout))
            response.read()
            return self._accept_refresh(response, sent_at, sent_wall)

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        """Attach a token; refresh ahead of expiry; refresh and retry once on 401/403."""
        if self._static is not None:
            yield from self._sync_static_flow(request)
            return
        token, used = self._cached()
        if token is None:
            with self._thread_lock:
                token, used = self._cached()
                if token is None:
                    token = yield from self._sync_refresh(self._timeouts_of(request))
                    used = self._generation
        self._set(request, token)
        started = self._monotonic()
        response = yield request
        self._observe(started)
        if response.status_code not in _AUTH_STATUSES or not self._replayable(request):
            return
        # Release the connection before waiting for the lock, so the refresh can get one.
        response.read()
        with self._thread_lock:
            current, generation = self._cached()
            if generation == used or current is None:
                # Still the token that failed: it is stale (or clocks disagree); get a new one.
                self._token = None
                current = yield from self._sync_refresh(self._timeouts_of(request))
        self._set(request, current)
        yield request

    def _sync_refresh(
        self, timeout: Timeouts | None
    ) -> Generator[httpx.Request, httpx.Response, str]:
        sent_at, sent_wall = self._monotonic(), self._wall_clock()
        response = yield self._refresh_request(timeout)
        response.read()
        return self._accept_refresh(response, sent_at, sent_wall)

    def _sync_static_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        assert self._static is not None
        self._set(request, self._static.get_secret_value())
        response = yield request
        if response.status_code not in _AUTH_STATUSES:
            return
        self._raise_if_explained(request, response.status_code)
        if self._is_run_token():
            probe = yield self._probe_request(self._timeouts_of(request))
            self._raise_after_probe(request, response.status_code, probe.status_code)

    def _raise_if_explained(self, request: httpx.Request, status: int) -> None:
        explained = self._static_failure(request, status)
        if explained is not None:
            raise explained
        if self._is_run_token() and request.url.path == WHOAMI_PATH:
            # whoami needs no capability: a run token refused there is no longer active.
            raise self._inactive(request, status)

    def _raise_after_probe(self, request: httpx.Request, status: int, probe_status: int) -> None:
        if probe_status in _AUTH_STATUSES:
            raise self._inactive(request, status)
        # The token still works, so the refusal is about capabilities or installation access.
        # Raise here: httpx would otherwise hand back the probe's response.
        cls = status_error_class(status)
        raise cls(status_code=status, method=request.method, path=request.url.path)

    # -- async -------------------------------------------------------------------------------

    def _get_async_lock(self) -> anyio.Lock:
        # Created lazily so it binds to the event loop the async client runs on.
        if self._async_lock is None:
            self._async_lock = anyio.Lock()
        return self._async_lock

    async def async_get_token(
        self, send: Callable[[httpx.Request], object], timeout: Timeouts | None = None
    ) -> str:
        """Async twin of :meth:`sync_get_token`; ``send`` returns an awaitable response."""
        if self._static is not None:
            return self._static.get_secret_value()
        token, _ = self._cached()
        if token is not None:
            return token
        async with self._get_async_lock():
            token, _ = self._cached()
            if token is not None:
                return token
            sent_at, sent_wall = self._monotonic(), self._wall_clock()
            response = await send(self._refresh_request(timeout))  # type: ignore[misc]
            assert isinstance(response, httpx.Response)
            await response.aread()
            return self._accept_refresh(response, sent_at, sent_wall)

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Async twin of :meth:`sync_auth_flow` (an ``anyio.Lock``, never a thread lock)."""
        if self._static is not None:
            self._set(request, self._static.get_secret_value())
            response = yield request
            if response.status_code in _AUTH_STATUSES:
                self._raise_if_explained(request, response.status_code)
                if self._is_run_token():
                    probe = yield self._probe_request(self._timeouts_of(request))
                    self._raise_after_probe(request, response.status_code, probe.status_code)
            return
        token, used = self._cached()
        if token is None:
            async with self._get_async_lock():
                token, used = self._cached()
                if token is None:
                    sent_at, sent_wall = self._monotonic(), self._wall_clock()
                    refreshed = yield self._refresh_request(self._timeouts_of(request))
                    await refreshed.aread()
                    token = self._accept_refresh(refreshed, sent_at, sent_wall)
                    used = self._generation
        self._set(request, token)
        started = self._monotonic()
        response = yield request
        self._observe(started)
        if response.status_code not in _AUTH_STATUSES or not self._replayable(request):
            return
        await response.aread()
        async with self._get_async_lock():
            current, generation = self._cached()
            if generation == used or current is None:
                self._token = None
                sent_at, sent_wall = self._monotonic(), self._wall_clock()
                refreshed = yield self._refresh_request(self._timeouts_of(request))
                await refreshed.aread()
                current = self._accept_refresh(refreshed, sent_at, sent_wall)
        self._set(request, current)
        yield request
