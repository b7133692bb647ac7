"""``AsyncTerrateamClient``: the asynchronous client (connection pool, send loop, namespaces)."""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Iterable
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from terrateam_core._async.identity import AsyncIdentityNamespaces
from terrateam_core._async.kv import AsyncKVNamespaces
from terrateam_core._async.runs import AsyncRunsNamespaces
from terrateam_core._async.server import AsyncServerNamespaces
from terrateam_core._async.shell import AsyncClientShell
from terrateam_core._call import Call, finish
from terrateam_core._calls import identity as _calls
from terrateam_core._client_common import BaseClient, raw_call
from terrateam_core._connection_env import (
    DEFAULT_TIMEOUT,
    request_timeout_from_env,
    ssl_verify,
    tls_verify_from_env,
)
from terrateam_core._retry import RetryPolicy
from terrateam_core.errors import APIStatusError
from terrateam_core.models import WhoAmI

if TYPE_CHECKING:
    from terrateam_core._async.session import AsyncKVOwner, AsyncSession
    from terrateam_core.token_cache import TokenCache

__all__ = ["AsyncTerrateamClient"]

T = TypeVar("T")


class AsyncTerrateamClient(
    AsyncIdentityNamespaces,
    AsyncKVNamespaces,
    AsyncRunsNamespaces,
    AsyncServerNamespaces,
    AsyncClientShell,
    BaseClient,
):
    """Asynchronous Terrateam client.

    Credentials and defaults come from the arguments, then ``TERRATEAM_*`` (and ``TTM_API_KEY``),
    then the profile file; see :func:`terrateam_core.config.load_settings`. Reuse one client:
    it pools connections and caches the 60 s access token. The sync client is safe to share
    between threads; the async one is bound to the event loop it is first used on.

    Args:
        api_key: an API key, exchanged for access tokens automatically.
        access_token: a ready bearer token (access token or a run's work-manifest token).
        base_url: default ``https://app.terrateam.io``.
        vcs: default ``github``; every call may override it.
        installation_id: default installation of installation-scoped calls.
        profile: profile name in the config file.
        timeout: per-request timeout in seconds (``None``: none); the default yields to
            ``TERRATEAM_TIMEOUT``.
        max_retries: retries after the first attempt; default ``TERRATEAM_MAX_RETRIES`` or 3
            (4 attempts, like ``ttm``).
        total_timeout: deadline in seconds for one call, retries included.
        http_client: an ``httpx.AsyncClient`` to use (never closed by us).
        transport: an httpx transport for the client we create (tests, proxies).
        user_agent_extra: tokens appended to the User-Agent (``"terrateam-cli/0.1"``).
        verify: TLS verification: a bool, a CA bundle path or an ``ssl.SSLContext``; by default
            ``TERRATEAM_CA_PATH`` / ``TERRATEAM_VALIDATE_CERTS`` (the variables the Ansible
            collection reads too), else the system's CA store.
        retry_policy: backoff settings, injectable sleep and random (tests).
        log_kv_data: include KV data in DEBUG logs (off by default).
        token_cache: share access tokens with other processes through this
            :class:`~terrateam_core.token_cache.TokenCache` (API keys only; off by default,
            the ``terrateam`` CLI turns it on).

    Namespaces (one per resource family; every call may override ``vcs`` and, where it
    applies, ``installation_id``):

    - ``kv``: the KV store (``get``, ``set``, ``cas``, ``iter``, ``update`` …)
    - ``artifacts``: binary files in the KV store (``put``, ``get``, ``info``, ``delete``; also
      ``kv.put_artifact`` …)
    - ``access_tokens``: API keys (``create``, ``list``, ``delete``)
    - ``installations``, ``repos``, ``pull_requests``: what the user can reach
    - ``work_manifests``: runs (``list``, ``get``, ``outputs``, ``wait``)
    - ``dirspaces``, ``stacks``, ``tasks``, ``server``
    - ``whoami()``, ``get_access_token()``, ``request()``: the rest

    Each family's module declares its namespaces (``AsyncRunsNamespaces`` …), built on first
    use; they reach the client only through :class:`~terrateam_core._async.session.AsyncSession`
    (``execute``, ``scope``, ``scope_vcs``, ``sleep``, ``policy``, ``clock``).
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        access_token: str | None = None,
        base_url: str | None = None,
        vcs: str | None = None,
        installation_id: int | str | None = None,
        profile: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        max_retries: int | None = None,
        total_timeout: float | None = 120.0,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        user_agent_extra: Iterable[str] = (),
        verify: bool | str | ssl.SSLContext | None = None,
        retry_policy: RetryPolicy | None = None,
        log_kv_data: bool = False,
        monotonic: Callable[[], float] = time.monotonic,
        token_cache: TokenCache | None = None,
    ) -> None:
        if timeout == DEFAULT_TIMEOUT:
            # The default (not an explicit other value) yields to TERRATEAM_TIMEOUT.
            timeout = request_timeout_from_env()
        tls = ssl_verify(
            tls_verify_from_env() if verify is None else verify,
            source="TERRATEAM_CA_PATH" if verify is None else "verify",
        )
        super().__init__(
            api_key,
            access_token=access_token,
            base_url=base_url,
            vcs=vcs,
            installation_id=installation_id,
            profile=profile,
            timeout=timeout,
            max_retries=max_retries,
            total_timeout=total_timeout,
            user_agent_extra=user_agent_extra,
            retry_policy=retry_policy,
            log_kv_data=log_kv_data,
            monotonic=monotonic,
            token_cache=token_cache,
        )
        self._owns_http = http_client is None
        self._http: httpx.AsyncClient = http_client or httpx.AsyncClient(
            transport=self._transport(transport, tls),
            verify=tls,
            timeout=timeout,
            follow_redirects=False,
        )

    # -- lifecycle ----------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the connection pool (not an injected ``http_client``)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncTerrateamClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # -- top-level calls ----------------------------------------------------------------------

    async def whoami(self) -> WhoAmI:
        """The calling user (``GET /api/v1/whoami``)."""
        return await self.execute(_calls.whoami())

    async def get_access_token(self) -> str:
        """Return a valid access token (cached, refreshed when needed).

        With ``access_token=`` (or a run token) that token is returned as is.
        """
        call: Call[Any] = Call("POST", "/api/v1/access-token/refresh", lambda r: r)
        deadline = self._deadline()
        attempt = 0
        while True:
            attempt += 1
            left = self._remaining(deadline, call)
            try:
                return await self._auth.async_get_token(
                    partial(self._send, left=left, auth=None), self._request_timeout(left)
                )
            except (httpx.TransportError, APIStatusError) as exc:
                await self.sleep(self._after_exception(call, exc, attempt, deadline))

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        authenticate: bool = True,
    ) -> httpx.Response:
        """Send any request under the base URL with retries; any status is returned.

        ``authenticate=False`` sends it without the client's credentials (no token refresh,
        no Authorization header unless ``headers`` has one): the raw answer a server gives
        to an anonymous or hand-made credential, e.g. for conformance checks.
        """
        call = raw_call(
            method, path, params=params, json=json, headers=headers, authenticate=authenticate
        )
        return await self.execute(call)

    # -- the send loop ------------------------------------------------------------------------

    async def execute(self, call: Call[T]) -> T:
        """Send ``call`` with retries within the total deadline; its parsed result or error.

        The session seam (``AsyncSession.execute``): every namespace sends through it.
        """
        self._check_loop()
        deadline = self._deadline()
        attempt = 0
        while True:
            attempt += 1
            left = self._remaining(deadline, call)
            request = self._build(call, left)
            started = time.perf_counter()
            try:
                response = await self._send(request, left, None if call.anonymous else self._auth)
            except (httpx.TransportError, APIStatusError) as exc:
                await self.sleep(self._after_exception(call, exc, attempt, deadline))
                continue
            delay = self._after_response(call, response, attempt, started, deadline)
            if delay is None:
                return finish(call, response, attempt)
            await response.aclose()
            await self.sleep(delay)


if TYPE_CHECKING:
    # The client is the session its namespaces send through: mypy checks it keeps the protocol.
    _SESSION: type[AsyncSession] = AsyncTerrateamClient
    _KV_OWNER: type[AsyncKVOwner] = AsyncTerrateamClient
