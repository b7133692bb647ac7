"""Retry decisions, Retry-After parsing and backoff bounds."""

from __future__ import annotations

from email.utils import formatdate

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from terrateam_core._retry import (
    RetryPolicy,
    backoff_delay,
    parse_retry_after,
    retry_delay_for_exception,
    retry_delay_for_status,
)

NOW = 1_800_000_000.0


@given(st.integers(min_value=0, max_value=10**9))
def test_retry_after_seconds(seconds: int) -> None:
    """Delta-seconds parse as that many seconds."""
    assert parse_retry_after(str(seconds)) == float(seconds)


@given(st.integers(min_value=0, max_value=10**6))
def test_retry_after_http_date(delta: int) -> None:
    """An HTTP date parses as seconds from now."""
    value = formatdate(NOW + delta, usegmt=True)
    assert parse_retry_after(value, now=NOW) == pytest.approx(delta, abs=1.0)


def test_retry_after_past_date_is_zero() -> None:
    """A date in the past means retry now."""
    assert parse_retry_after(formatdate(NOW - 100, usegmt=True), now=NOW) == 0.0


@given(st.text())
def test_retry_after_garbage_is_none_or_nonnegative(value: str) -> None:
    """Any header value yields None or a non-negative number, never an exception."""
    result = parse_retry_after(value, now=NOW)
    assert result is None or result >= 0


@given(
    attempt=st.integers(min_value=1, max_value=60),
    rnd=st.floats(min_value=0.0, max_value=0.999999),
    base=st.floats(min_value=0.01, max_value=5),
    cap=st.floats(min_value=0.01, max_value=30),
)
def test_backoff_is_full_jitter_within_cap(
    attempt: int, rnd: float, base: float, cap: float
) -> None:
    """The delay lies in [0, min(cap, base·2^(n-1))]."""
    policy = RetryPolicy(base=base, cap=cap, random=lambda: rnd)
    delay = backoff_delay(attempt, policy)
    assert 0 <= delay <= min(cap, base * 2 ** (attempt - 1)) + 1e-9


POLICY = RetryPolicy(max_retries=3, random=lambda: 0.5)


@pytest.mark.parametrize(
    ("status", "idempotent", "retried"),
    [
        (429, True, True),
        (429, False, True),
        (503, True, True),
        (503, False, False),
        (502, True, True),
        (504, False, False),
        (500, True, True),
        (500, False, False),
        (400, True, False),
        (403, True, False),
        (404, True, False),
    ],
)
def test_status_retry_table(status: int, idempotent: bool, retried: bool) -> None:
    """429 for any method; 502/503/504 (and one 500) for idempotent calls only."""
    delay = retry_delay_for_status(
        status, idempotent=idempotent, attempt=1, policy=POLICY, retry_after=None, remaining=None
    )
    assert (delay is not None) is retried


def test_500_retried_only_once() -> None:
    """A second 500 is final."""
    delay = retry_delay_for_status(
        500, idempotent=True, attempt=2, policy=POLICY, retry_after=None, remaining=None
    )
    assert delay is None


def test_attempts_are_bounded() -> None:
    """After max_retries retries the answer is final."""
    assert retry_delay_for_status(
        503, idempotent=True, attempt=3, policy=POLICY, retry_after=None, remaining=None
    )
    assert (
        retry_delay_for_status(
            503, idempotent=True, attempt=4, policy=POLICY, retry_after=None, remaining=None
        )
        is None
    )


def test_retry_after_overrides_short_backoff_and_respects_deadline() -> None:
    """Retry-After raises the delay; a delay past the deadline stops retrying."""
    delay = retry_delay_for_status(
        429, idempotent=True, attempt=1, policy=POLICY, retry_after="7", remaining=30
    )
    assert delay == 7.0
    assert (
        retry_delay_for_status(
            429, idempotent=True, attempt=1, policy=POLICY, retry_after="40", remaining=30
        )
        is None
    )
    assert (
        retry_delay_for_status(
            429, idempotent=True, attempt=1, policy=POLICY, retry_after="3600", remaining=None
        )
        is None
    )


@pytest.mark.parametrize(
    ("exc", "idempotent", "retried"),
    [
        (httpx.ConnectError("x"), False, True),
        (httpx.ConnectTimeout("x"), False, True),
        (httpx.PoolTimeout("x"), False, True),
        (httpx.ReadTimeout("x"), True, True),
        (httpx.ReadTimeout("x"), False, False),
        (httpx.RemoteProtocolError("x"), False, False),
        (httpx.RemoteProtocolError("x"), True, True),
        (httpx.UnsupportedProtocol("x"), True, False),
    ],
)
def test_exception_retry_table(exc: Exception, idempotent: bool, retried: bool) -> None:
    """Nothing-sent errors retry for any method; maybe-sent ones only when idempotent."""
    delay = retry_delay_for_exception(
        exc, idempotent=idempotent, attempt=1, policy=POLICY, remaining=None
    )
    assert (delay is not None) is retried
