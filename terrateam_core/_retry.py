"""Retry decisions (no I/O): which failures to retry, how long to wait, Retry-After parsing.

The loop that uses them sits *above* auth, so every attempt gets a fresh token: a long
``Retry-After`` can never resend an expired token.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import httpx

__all__ = [
    "RetryPolicy",
    "backoff_delay",
    "parse_retry_after",
    "retry_delay_for_exception",
    "retry_delay_for_status",
]

# Nothing reached the server: safe to repeat whatever the method.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# The request may have been processed: repeat only idempotent calls.
_MAYBE_SENT = (
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)
_IDEMPOTENT_STATUSES = frozenset({502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How persistent a call is.

    ``max_retries`` extra attempts (3 → 4 attempts, as ttm), full-jitter exponential backoff
    ``min(cap, base·2ⁿ)``, ``Retry-After`` honoured up to ``max_retry_after`` seconds.
    ``sleep``/``async_sleep``/``random`` are injectable so tests never really wait.
    """

    max_retries: int = 3
    base: float = 0.5
    cap: float = 8.0
    max_retry_after: float = 60.0
    random: Callable[[], float] = field(default=random.random, repr=False)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    async_sleep: Callable[[float], object] | None = field(default=None, repr=False)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Parse ``Retry-After`` (delta-seconds or HTTP-date) into seconds ≥ 0; ``None`` if unusable."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():  # not '²': str.isdigit accepts it, int() not
        return float(int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def backoff_delay(attempt: int, policy: RetryPolicy) -> float:
    """Full-jitter delay before retry number ``attempt`` (1-based)."""
    ceiling = min(policy.cap, policy.base * 2.0 ** max(0, attempt - 1))
    return policy.random() * ceiling


def retry_delay_for_status(
    status: int,
    *,
    idempotent: bool,
    attempt: int,
    policy: RetryPolicy,
    retry_after: str | None,
    remaining: float | None,
) -> float | None:
    """Return the delay before retrying a response with ``status``, or ``None`` to stop.

    429 is retried for any method (the request was rejected before being processed);
    502/503/504 only for idempotent calls; 500 once, for idempotent calls.
    ``attempt`` is the number of attempts already made.
    """
    if attempt > policy.max_retries:
        return None
    if status == 429:
        pass
    elif status in _IDEMPOTENT_STATUSES or (status == 500 and attempt == 1):
        if not idempotent:
            return None
    else:
        return None
    delay = backoff_delay(attempt, policy)
    hint = parse_retry_after(retry_after)
    if hint is not None:
        if hint > policy.max_retry_after:
            return None
        delay = max(delay, hint)
    if remaining is not None and delay >= remaining:
        return None
    return delay


def retry_delay_for_exception(
    exc: Exception,
    *,
    idempotent: bool,
    attempt: int,
    policy: RetryPolicy,
    remaining: float | None,
) -> float | None:
    """Return the delay before retrying after a transport error, or ``None`` to stop."""
    if attempt > policy.max_retries:
        return None
    if isinstance(exc, _NOT_SENT):
        pass
    elif isinstance(exc, _MAYBE_SENT):
        if not idempotent:
            return None
    else:
        return None
    delay = backoff_delay(attempt, policy)
    if remaining is not None and delay >= remaining:
        return None
    return delay
