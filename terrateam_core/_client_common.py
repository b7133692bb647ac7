"""The clients' common, I/O-free half: settings, auth, scope, request building, retry decisions.

``BaseClient`` is what ``TerrateamClient`` and ``AsyncTerrateamClient`` share apart from the
send loop itself (``_async/client.py`` and its generated twin). Describing a single call is
``_call.py``'s job.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import httpx

from terrateam_core._auth import TerrateamAuth
from terrateam_core._call import Call, build_url, json_body, quote_segment, user_agent
from terrateam_core._logging import logger, redact_body
from terrateam_core._retry import RetryPolicy, retry_delay_for_exception, retry_delay_for_status
from terrateam_core.config import (
    DEFAULT_TOTAL_TIMEOUT,
    ClientSettings,
    load_settings,
    max_retries_from_env,
    total_timeout_from_env,
)
from terrateam_core.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ConfigurationError,
)

if TYPE_CHECKING:
    from terrateam_core.token_cache import TokenCache

__all__ = ["BaseClient", "plain_http_warning", "raw_call", "warn_plain_http"]

_WARNED_HOSTS: set[str] = set()


def plain_http_warning(base_url: str) -> str | None:
    """The warning an API key sent to ``base_url`` deserves, or ``None`` (https, loopback).

    Anything but loopback over ``http://`` lets anyone on the path read the key and mint
    access tokens with it.
    """
    url = httpx.URL(base_url)
    if url.scheme != "http" or _is_loopback(url.host):
        return None
    return (
        f"sending the API key over plain http:// to {url.host}: anyone on the network path "
        "can read it; use https://"
    )


def warn_plain_http(base_url: str) -> bool:
    """Log :func:`plain_http_warning` once per host; True when it was logged now."""
    message = plain_http_warning(base_url)
    host = httpx.URL(base_url).host
    if message is None or host in _WARNED_HOSTS:
        return False
    _WARNED_HOSTS.add(host)
    logger.warning("%s", message)
    return True


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def raw_call(
    method: str,
    path: str,
    *,
    params: Any = None,
    json: Any = None,
    headers: dict[str, str] | None = None,
    authenticate: bool = True,
) -> Call[httpx.Response]:
    """A call for ``client.request()``: any status is returned, not raised."""
    method = method.upper()
    if not path.startswith("/"):
        raise ValueError("path must start with '/' (it is joined to the client's base URL)")
    pairs: list[tuple[str, str]] | None = None
    if params:
        items = params.items() if isinstance(params, dict) else params
        pairs = []
        for k, v in items:
            values = v if isinstance(v, list | tuple) else [v]
            pairs.extend(
                (str(k), str(x).lower() if isinstance(x, bool) else str(x)) for x in values
            )
    return Call(
        method,
        path,
        lambda r: r,
        params=pairs,
        body=None if json is None else json_body(json),
        idempotent=method != "POST",
        ok=frozenset(range(100, 600)),
        extra_headers=dict(headers or {}),
        anonymous=not authenticate,
    )


class BaseClient:
    """Configuration and the I/O-free parts of sending (shared by both clients)."""

    _http: Any

    def __init__(
        self,
        api_key: str | None,
        *,
        access_token: str | None,
        base_url: str | None,
        vcs: str | None,
        installation_id: int | str | None,
        profile: str | None,
        timeout: float | None,
        max_retries: int | None,
        total_timeout: float | None,
        user_agent_extra: Iterable[str],
        retry_policy: RetryPolicy | None,
        log_kv_data: bool,
        monotonic: Callable[[], float],
        token_cache: TokenCache | None = None,
    ) -> None:
        if max_retries is None:
            max_retries = max_retries_from_env()
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self._settings: ClientSettings = load_settings(
            api_key=api_key,
            access_token=access_token,
            base_url=base_url,
            vcs=vcs,
            installation_id=installation_id,
            profile=profile,
        )
        if self._settings.api_key is not None:
            warn_plain_http(self._settings.base_url)
        self._auth = TerrateamAuth(
            base_url=self._settings.base_url,
            api_key=self._settings.api_key,
            access_token=self._settings.access_token,
            monotonic=monotonic,
            token_cache=token_cache,
        )
        policy = retry_policy or RetryPolicy()
        if retry_policy is None or policy.max_retries != max_retries:
            from dataclasses import replace

            policy = replace(policy, max_retries=max_retries)
        self._policy = policy
        self._timeout = timeout
        if total_timeout == DEFAULT_TOTAL_TIMEOUT:
            # The default (not an explicit other value) yields to TERRATEAM_TOTAL_TIMEOUT.
            total_timeout = total_timeout_from_env()
        self._total_timeout = total_timeout
        self._user_agent = user_agent(user_agent_extra)
        self._log_kv_data = log_kv_data
        self._monotonic = monotonic

    # -- public read-only properties ----------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The server's base URL."""
        return self._settings.base_url

    @property
    def vcs(self) -> str:
        """The default VCS (``github`` or ``gitlab``)."""
        return self._settings.vcs

    @property
    def installation_id(self) -> int | None:
        """The default installation id, if configured."""
        return self._settings.installation_id

    @property
    def settings(self) -> ClientSettings:
        """The resolved settings (secrets redacted in their repr)."""
        return self._settings

    @property
    def auth(self) -> TerrateamAuth:
        """The httpx auth object (exposes ``refresh_count``)."""
        return self._auth

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, vcs={self.vcs!r}, "
            f"installation_id={self.installation_id!r})"
        )

    # -- the session seam (what namespaces use; see _async/session.py) ------------------------

    @property
    def policy(self) -> RetryPolicy:
        """The retry policy: backoff, attempts, and the sleep that waits."""
        return self._policy

    def clock(self) -> float:
        """Monotonic seconds (the ``monotonic`` given to the client)."""
        return self._monotonic()

    def scope_vcs(self, vcs: str | None) -> str:
        """The VCS of a call: ``vcs`` or the client's default, checked (the session seam)."""
        value = vcs or self._settings.vcs
        if value not in ("github", "gitlab"):
            raise ConfigurationError(f"vcs must be github or gitlab, got {value!r}", setting="vcs")
        return value

    def scope(self, vcs: str | None, installation_id: int | str | None) -> tuple[str, int]:
        """VCS and installation of a per-installation call, defaults filled in (the seam)."""
        inst = installation_id if installation_id is not None else self._settings.installation_id
        if inst is None:
            raise ConfigurationError(
                "no installation id: pass installation_id=, set TERRATEAM_INSTALLATION_ID, "
                "or add installation_id to the profile",
                setting="installation_id",
                problem="no installation id given (this call is per installation)",
            )
        try:
            number = int(str(inst), 10)
        except ValueError:
            raise ConfigurationError(
                f"installation id must be an integer, got {inst!r}", setting="installation_id"
            ) from None
        return self.scope_vcs(vcs), number

    # -- sending (no I/O) ---------------------------------------------------------------------

    def _deadline(self) -> float | None:
        return None if self._total_timeout is None else self._monotonic() + self._total_timeout

    def _remaining(self, deadline: float | None, call: Call[Any]) -> float | None:
        if deadline is None:
            return None
        left = deadline - self._monotonic()
        if left <= 0:
            raise APITimeoutError(
                f"{call.method} {call.path}: total deadline of {self._total_timeout} s exceeded",
                method=call.method,
                path=call.path,
            )
        return left

    def _request_timeout(self, remaining: float | None) -> dict[str, float | None]:
        """httpx's per-operation timeouts for one attempt (also used by the token exchange)."""
        timeout = self._timeout
        if remaining is not None and (timeout is None or remaining < timeout):
            timeout = remaining
        return httpx.Timeout(
            timeout, connect=None if timeout is None else min(5.0, timeout)
        ).as_dict()

    def _build(self, call: Call[Any], remaining: float | None) -> httpx.Request:
        headers = {"User-Agent": self._user_agent, "Accept": "application/json", **call.headers()}
        request: httpx.Request = self._http.build_request(
            call.method,
            build_url(self._settings.base_url, call.path, call.params),
            content=call.body,
            headers=headers,
        )
        request.extensions["timeout"] = self._request_timeout(remaining)
        if logger.isEnabledFor(10) and call.body is not None:
            logger.debug(
                "%s %s body %s",
                call.method,
                call.path,
                redact_body(call.body, log_kv_data=self._log_kv_data),
            )
        return request

    def _after_response(
        self,
        call: Call[Any],
        response: httpx.Response,
        attempt: int,
        started: float,
        deadline: float | None,
    ) -> float | None:
        """Log the attempt; return a delay to retry after, or ``None`` to finish."""
        elapsed = (time.perf_counter() - started) * 1000
        logger.info(
            "%s %s -> %d (%.0f ms, attempt %d)",
            call.method,
            call.path,
            response.status_code,
            elapsed,
            attempt,
        )
        if logger.isEnabledFor(10):
            logger.debug(
                "%s %s response %s",
                call.method,
                call.path,
                redact_body(response.content, log_kv_data=self._log_kv_data),
            )
        status = response.status_code
        if status in call.ok or status in call.on_status:
            return None
        left = None if deadline is None else deadline - self._monotonic()
        delay = retry_delay_for_status(
            status,
            idempotent=call.idempotent,
            attempt=attempt,
            policy=self._policy,
            retry_after=response.headers.get("retry-after"),
            remaining=left,
        )
        if delay is not None:
            logger.warning(
                "%s %s -> %d, retrying in %.2f s (attempt %d)",
                call.method,
                call.path,
                status,
                delay,
                attempt,
            )
        return delay

    def _after_exception(
        self, call: Call[Any], exc: Exception, attempt: int, deadline: float | None
    ) -> float:
        """Return a delay to retry after a send failure, or raise the mapped error."""
        left = None if deadline is None else deadline - self._monotonic()
        if isinstance(exc, APIStatusError):
            # Raised by the auth flow's refresh: the call itself was never sent.
            hint = getattr(exc, "retry_after", None)
            delay = retry_delay_for_status(
                exc.status_code,
                idempotent=True,
                attempt=attempt,
                policy=self._policy,
                retry_after=None if hint is None else str(math.ceil(hint)),
                remaining=left,
            )
            if delay is None:
                raise exc
        else:
            delay = retry_delay_for_exception(
                exc,
                idempotent=call.idempotent,
                attempt=attempt,
                policy=self._policy,
                remaining=left,
            )
            if delay is None:
                raise self._map_transport(call, exc, self._settings.base_url) from exc
        logger.warning(
            "%s %s failed (%s), retrying in %.2f s (attempt %d)",
            call.method,
            call.path,
            type(exc).__name__,
            delay,
            attempt,
        )
        return delay

    @staticmethod
    def _map_transport(call: Call[Any], exc: Exception, base_url: str = "") -> APIConnectionError:
        cls = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
        # The server's root is named: "connection refused" alone does not tell a user
        # that a profile or variable pointed the client somewhere unexpected.
        where = f" to {base_url}" if base_url else ""
        return cls(
            f"{call.method} {call.path}{where}: {type(exc).__name__}: {exc}",
            method=call.method,
            path=call.path,
        )


def kv_path(vcs: str, installation_id: int, key: str) -> str:
    """The get/set path of a KV key (for ``request()`` users)."""
    return f"/api/v1/{vcs}/kv/{installation_id}/key/{quote_segment(key)}"
