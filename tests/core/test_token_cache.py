"""TokenCache: private files, symlink/owner refusal, expiry, corrupt entries, secrets, and the
auth hook (a second client with the same cache makes no exchange)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from core.fakes import API_KEY, BASE, RUN_TOKEN, FakeTerrateam, json_route
from terrateam_core import RetryPolicy, TerrateamClient
from terrateam_core.token_cache import TokenCache, TokenCacheError

POSIX = sys.platform != "win32"
WHOAMI = ("GET", "/api/v1/whoami")
TOKEN = "eyJ.header.payload-access-token"


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _files(directory: Path) -> list[Path]:
    return sorted(directory.iterdir())


@pytest.mark.skipif(not POSIX, reason="POSIX permissions")
def test_store_load_private_files_named_by_hash(tmp_path: Path) -> None:
    """0700 directory, 0600 entry, atomic (no temp file left); neither the key nor its hash
    appears in the file name or content."""
    clock = Clock()
    cache = TokenCache(tmp_path / "cache" / "tokens", wall_clock=clock)
    cache.store(BASE, API_KEY, TOKEN, expires_at=clock.now + 60, lifetime=60)
    directory = tmp_path / "cache" / "tokens"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    [entry] = _files(directory)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    text = entry.read_text()
    key_hash = hashlib.sha256(API_KEY.encode()).hexdigest()
    for secret in (API_KEY, key_hash):
        assert secret not in entry.name
        assert secret not in text
    loaded = cache.load(BASE, API_KEY)
    assert loaded is not None
    assert loaded.token.get_secret_value() == TOKEN
    assert loaded.expires_at == clock.now + 60
    # Another key or another server: another entry.
    assert cache.load(BASE, API_KEY + "x") is None
    assert cache.load("http://other.example", API_KEY) is None


@pytest.mark.skipif(not POSIX, reason="POSIX permissions")
def test_open_directory_of_ours_is_tightened(tmp_path: Path) -> None:
    directory = tmp_path / "tokens"
    directory.mkdir(mode=0o755)
    os.chmod(directory, 0o755)
    TokenCache(directory).store(BASE, API_KEY, TOKEN, expires_at=2e9, lifetime=60)
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700


@pytest.mark.skipif(not POSIX, reason="symlinks")
def test_symlinked_directory_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere"
    real.mkdir(mode=0o700)
    link = tmp_path / "tokens"
    link.symlink_to(real)
    cache = TokenCache(link)
    with pytest.raises(TokenCacheError, match=r"symlink.*--no-token-cache"):
        cache.load(BASE, API_KEY)
    with pytest.raises(TokenCacheError):
        cache.store(BASE, API_KEY, TOKEN, expires_at=2e9, lifetime=60)
    assert _files(real) == []


def test_file_in_place_of_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "tokens").write_text("not a directory")
    with pytest.raises(TokenCacheError, match="not a directory"):
        TokenCache(tmp_path / "tokens").load(BASE, API_KEY)


@pytest.mark.skipif(not POSIX or os.geteuid() != 0, reason="chown to another user needs root")
def test_directory_of_another_user_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "tokens"
    directory.mkdir(mode=0o700)
    os.chown(directory, 65534, 65534)
    with pytest.raises(TokenCacheError, match="another user"):
        TokenCache(directory).load(BASE, API_KEY)


@pytest.mark.skipif(not POSIX, reason="symlinks")
def test_symlinked_entry_is_not_followed(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path / "tokens")
    cache.store(BASE, API_KEY, TOKEN, expires_at=2e9, lifetime=60)
    entry = cache.path_for(BASE, API_KEY)
    target = tmp_path / "target.json"
    target.write_bytes(entry.read_bytes())
    os.chmod(target, 0o600)
    entry.unlink()
    entry.symlink_to(target)
    assert cache.load(BASE, API_KEY) is None


def test_expiry_with_margin() -> None:
    """Valid until ``expires_at − min(10 s, lifetime/4)``, then None."""
    clock = Clock()
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        cache = TokenCache(Path(tmp) / "t", wall_clock=clock)
        cache.store(BASE, API_KEY, TOKEN, expires_at=clock.now + 60, lifetime=60)
        clock.now += 49.9
        assert cache.load(BASE, API_KEY) is not None
        clock.now += 0.2  # 9.9 s left: inside the 10 s margin
        assert cache.load(BASE, API_KEY) is None


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{not json",
        b"[]",
        b'{"format": 1}',
        b'{"format": 2, "base_url": "B", "token": "t", "expires_at": 2e9, "lifetime": 60}',
        b'{"format": 1, "base_url": "B", "token": "", "expires_at": 2e9, "lifetime": 60}',
        b'{"format": 1, "base_url": "B", "token": "t", "expires_at": "soon", "lifetime": 60}',
        b'{"format": 1, "base_url": "B", "token": "t", "expires_at": 2e9, "lifetime": 0}',
        b'{"format": 1, "base_url": "http://x", "token": "t", "expires_at": 2e9, "lifetime": 60}',
        b"\xff\xfe" * 100,
        b"x" * 70_000,
    ],
)
def test_corrupt_entry_is_a_miss(tmp_path: Path, content: bytes) -> None:
    cache = TokenCache(tmp_path / "tokens")
    cache.store(BASE, API_KEY, TOKEN, expires_at=2e9, lifetime=60)
    entry = cache.path_for(BASE, API_KEY)
    entry.write_bytes(content.replace(b'"B"', json.dumps(BASE).encode()))
    assert cache.load(BASE, API_KEY) is None


@pytest.mark.skipif(not POSIX, reason="POSIX permissions")
def test_entry_readable_by_others_is_a_miss(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path / "tokens")
    cache.store(BASE, API_KEY, TOKEN, expires_at=2e9, lifetime=60)
    os.chmod(cache.path_for(BASE, API_KEY), 0o644)
    assert cache.load(BASE, API_KEY) is None


def test_reprs_hide_secrets(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path / "tokens")
    cache.store(BASE, API_KEY, TOKEN, expires_at=2e9, lifetime=60)
    loaded = cache.load(BASE, API_KEY)
    assert loaded is not None
    for text in (repr(cache), repr(loaded), str(loaded)):
        assert TOKEN not in text
        assert API_KEY not in text


# -- the auth hook ---------------------------------------------------------------------------


def _client(fake: FakeTerrateam, cache: TokenCache | None, **kw: Any) -> TerrateamClient:
    fake.routes[WHOAMI] = json_route({"id": "u1", "vcs": ["github"]})
    return TerrateamClient(
        kw.pop("api_key", API_KEY),
        base_url=BASE,
        transport=fake.transport(),
        retry_policy=RetryPolicy(sleep=lambda _s: None),
        token_cache=cache,
        **kw,
    )


def _paths(fake: FakeTerrateam) -> list[str]:
    return [r.url.path for r in fake.requests]


def test_second_client_reuses_the_stored_token(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Process 1 exchanges and stores; process 2 (a new client) sends its one request only.
    DEBUG logs mention the cache but never the token or the key."""
    fake = FakeTerrateam()
    cache = TokenCache(tmp_path / "tokens")
    caplog.set_level(logging.DEBUG, logger="terrateam_core")
    with _client(fake, cache) as first:
        first.whoami()
    assert _paths(fake) == ["/api/v1/access-token/refresh", "/api/v1/whoami"]
    fake.requests.clear()
    with _client(fake, TokenCache(tmp_path / "tokens")) as second:
        second.whoami()
        assert second.auth.refresh_count == 0
    assert _paths(fake) == ["/api/v1/whoami"]
    assert "token cache" in caplog.text
    stored = cache.load(BASE, API_KEY)
    assert stored is not None
    for secret in (API_KEY, stored.token.get_secret_value()):
        assert secret not in caplog.text


def test_rejected_cached_token_is_replaced(tmp_path: Path) -> None:
    """A cached token the server refuses (403) costs one refresh; the new one is stored."""
    fake = FakeTerrateam()
    cache = TokenCache(tmp_path / "tokens")
    cache.store(BASE, API_KEY, "revoked-token", expires_at=4e9, lifetime=60)
    with _client(fake, cache) as client:
        assert client.whoami().id == "u1"
    assert _paths(fake) == [
        "/api/v1/whoami",
        "/api/v1/access-token/refresh",
        "/api/v1/whoami",
    ]
    stored = cache.load(BASE, API_KEY)
    assert stored is not None
    assert stored.token.get_secret_value() != "revoked-token"


def test_rejected_key_drops_the_entry(tmp_path: Path) -> None:
    from terrateam_core import AuthenticationError

    fake = FakeTerrateam()
    cache = TokenCache(tmp_path / "tokens")
    with _client(fake, cache) as client:
        client.whoami()
        client.auth._token = None  # force the next call to exchange
    assert cache.load(BASE, API_KEY) is not None
    fake.key_revoked = True
    with _client(fake, cache) as client:
        client.auth._disk_checked = True  # skip the load: go straight to the exchange
        with pytest.raises(AuthenticationError):
            client.get_access_token()
    assert cache.load(BASE, API_KEY) is None


def test_ready_tokens_are_never_stored(tmp_path: Path) -> None:
    """A run token (or any access_token=) cannot be refreshed: it never goes in the cache."""
    fake = FakeTerrateam()
    directory = tmp_path / "tokens"
    with _client(fake, TokenCache(directory), api_key=None, access_token=RUN_TOKEN) as client:
        client.whoami()
    assert not directory.exists() or _files(directory) == []
