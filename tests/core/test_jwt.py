"""JWT claim reading and token lifetime (property tests)."""

from __future__ import annotations

from email.utils import formatdate

from hypothesis import given
from hypothesis import strategies as st

from core.fakes import API_KEY, RUN_TOKEN, make_jwt
from terrateam_core._jwt import decode_claims, is_refresh_key, token_exp, token_lifetime


@given(st.integers(min_value=0, max_value=2**40))
def test_exp_round_trips(exp: int) -> None:
    """The exp claim is read back exactly."""
    assert token_exp(make_jwt({"exp": exp})) == float(exp)


@given(st.text())
def test_garbage_never_raises(text: str) -> None:
    """Any string is either a JWT or None; never an exception."""
    claims = decode_claims(text)
    assert claims is None or isinstance(claims, dict)
    token_exp(text)


@given(
    now=st.floats(min_value=1e9, max_value=2e9, allow_nan=False),
    ttl=st.integers(min_value=-100, max_value=10_000),
)
def test_lifetime_is_clamped_to_1_to_60(now: float, ttl: int) -> None:
    """The lifetime is exp - now, clamped to [1, 60] s."""
    token = make_jwt({"exp": int(now) + ttl})
    life = token_lifetime(token, date_header=None, local_now=now)
    assert 1.0 <= life <= 60.0


def test_lifetime_uses_date_header_when_server_is_ahead() -> None:
    """With a local clock behind the server, the server's Date decides."""
    server = 1_800_000_000
    token = make_jwt({"exp": server + 30})
    date = formatdate(server, usegmt=True)
    assert token_lifetime(token, date_header=date, local_now=server - 3600.0) == 30.0


def test_stale_date_header_does_not_extend_the_lifetime() -> None:
    """A Date behind the local clock (cached by the server) is ignored."""
    now = 1_800_000_000.5
    token = make_jwt({"exp": 1_800_000_003})
    stale = formatdate(now - 5, usegmt=True)
    assert token_lifetime(token, date_header=stale, local_now=now) == 2.5


def test_lifetime_uses_local_clock_when_it_agrees_with_date() -> None:
    """Within Date's one-second resolution the precise local clock is used."""
    server = 1_800_000_000
    token = make_jwt({"exp": server + 3})
    life = token_lifetime(
        token, date_header=formatdate(server, usegmt=True), local_now=server + 0.9
    )
    assert abs(life - 2.1) < 1e-6


def test_no_exp_means_60_seconds() -> None:
    """Tokens without a readable exp are assumed to live 60 s."""
    assert token_lifetime("opaque", date_header=None, local_now=0.0) == 60.0


def test_classify_api_key_vs_bearer_tokens() -> None:
    """Only a refresh-only key is exchanged; run tokens and access tokens are used as is."""
    assert is_refresh_key(API_KEY)
    assert not is_refresh_key(RUN_TOKEN)
    assert not is_refresh_key(make_jwt({"exp": 1, "terrateam": {"capabilities": []}}))
