"""``TokenCache``: access tokens shared between processes, so a CLI call skips the exchange.

Every ``terrateam`` invocation is a new process; without this cache each one pays the
API key → access token exchange (``POST /api/v1/access-token/refresh``) before its one real
request. The cache keeps the last access token per (base URL, API key) in a private directory:

* the directory (default ``<user cache dir>/terrateam/tokens``) is ``0700``; one that is a
  symlink, is not a directory, or belongs to another user is refused with
  :class:`TokenCacheError` (a shared machine must not hand us someone else's tokens, nor
  receive ours);
* an entry is a ``0600`` JSON file written atomically (a temporary file in the same
  directory, then ``os.replace``) and opened with ``O_NOFOLLOW``;
* the file name is ``sha256(base URL + sha256(API key))``: neither the key nor its hash is
  stored anywhere, only the access token (60 s lifetime) and its expiry;
* :meth:`TokenCache.load` returns ``None`` for a missing, expired (with a margin), foreign or
  corrupt entry, never raising for a bad file.

Only tokens obtained by exchanging an API key go in: a ready bearer token or a run token
cannot be refreshed, so it is never cached (see ``TerrateamAuth``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from terrateam_core.errors import TokenCacheError

if TYPE_CHECKING:  # imported where needed: the CLI's fast path reads the cache without pydantic
    from pydantic import SecretStr

__all__ = ["CachedToken", "TokenCache", "TokenCacheError", "default_token_cache_dir"]

_FORMAT = 1
_MAX_ENTRY = 64 * 1024  # an entry is ~1 KiB; anything larger is not ours
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_POSIX = sys.platform != "win32"


@dataclass(frozen=True)
class CachedToken:
    """An access token read from the cache (its ``repr`` hides the token)."""

    token: SecretStr
    expires_at: float  # wall-clock (Unix) time the server stops accepting it
    lifetime: float  # its full lifetime in seconds (for the refresh margin)


def default_token_cache_dir() -> Path:
    """``<platformdirs user cache dir>/terrateam/tokens`` (``~/.cache/terrateam/tokens``)."""
    import platformdirs  # local import: only needed when no directory is given

    return Path(platformdirs.user_cache_dir("terrateam")) / "tokens"


def default_margin(lifetime: float) -> float:
    """Treat a token as expired this long before its expiry: ``min(10 s, lifetime / 4)``
    (the same margin the in-process cache uses before its first request)."""
    return min(10.0, lifetime / 4.0)


def _plain(value: SecretStr | str) -> str:
    return value if isinstance(value, str) else value.get_secret_value()


def _fingerprint(base_url: str, api_key: SecretStr | str) -> str:
    secret = _plain(api_key)
    key_hash = hashlib.sha256(secret.encode()).hexdigest()
    return hashlib.sha256(f"{base_url.rstrip('/')}\n{key_hash}".encode()).hexdigest()


class TokenCache:
    """Access tokens per (base URL, API key fingerprint) in private files.

    Args:
        directory: where entries live; default :func:`default_token_cache_dir`. Created
            ``0700`` on first use (its parents with ``0700`` too when missing).
        wall_clock: the time source for expiry checks (tests).
    """

    def __init__(
        self, directory: Path | None = None, *, wall_clock: Callable[[], float] = time.time
    ) -> None:
        self._directory = Path(directory) if directory is not None else None
        self._wall_clock = wall_clock
        self._checked = False

    def __repr__(self) -> str:
        return f"TokenCache(directory={str(self.directory)!r})"

    @property
    def directory(self) -> Path:
        """The directory holding the entries."""
        if self._directory is None:
            self._directory = default_token_cache_dir()
        return self._directory

    # -- the directory ---------------------------------------------------------------------

    def _ensure_directory(self) -> Path:
        """Create the directory ``0700`` if missing; refuse an unsafe one."""
        path = self.directory
        if self._checked:
            return path
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):
                path.mkdir(mode=0o700)
            st = os.lstat(path)
        except OSError as exc:
            raise TokenCacheError(
                f"token cache directory {path}: {exc.strerror or exc}; "
                "fix it or disable the cache (--no-token-cache / TERRATEAM_TOKEN_CACHE=0)"
            ) from None
        if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
            raise TokenCacheError(
                f"token cache directory {path} is a symlink or not a directory; refusing it: "
                "remove it or disable the cache (--no-token-cache / TERRATEAM_TOKEN_CACHE=0)"
            )
        if _POSIX:
            if st.st_uid != os.geteuid():
                raise TokenCacheError(
                    f"token cache directory {path} belongs to another user (uid {st.st_uid}); "
                    "refusing it: remove it or disable the cache "
                    "(--no-token-cache / TERRATEAM_TOKEN_CACHE=0)"
                )
            if stat.S_IMODE(st.st_mode) != 0o700:
                # Ours but too open (e.g. created by hand): tighten rather than refuse.
                os.chmod(path, 0o700)
        self._checked = True
        return path

    def path_for(self, base_url: str, api_key: SecretStr | str) -> Path:
        """The entry file of (base URL, key): named by a hash, never by the key."""
        return self.directory / f"{_fingerprint(base_url, api_key)}.json"

    # -- entries ---------------------------------------------------------------------------

    def load(
        self,
        base_url: str,
        api_key: SecretStr | str,
        *,
        margin: Callable[[float], float] = default_margin,
    ) -> CachedToken | None:
        """The cached token of (base URL, key), or ``None`` when it is missing, expires
        within ``margin(lifetime)`` seconds, or the entry is corrupt or not private."""
        entry = self.load_plain(base_url, api_key, margin=margin)
        if entry is None:
            return None
        from pydantic import SecretStr

        token, expires_at, lifetime = entry
        return CachedToken(SecretStr(token), expires_at, lifetime)

    def load_plain(
        self,
        base_url: str,
        api_key: SecretStr | str,
        *,
        margin: Callable[[float], float] = default_margin,
    ) -> tuple[str, float, float] | None:
        """:meth:`load` as a plain ``(token, expires_at, lifetime)``: no pydantic import,
        for the CLI's stdlib-only ``kv get``."""
        path = self._ensure_directory() / f"{_fingerprint(base_url, api_key)}.json"
        try:
            fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
        except OSError:
            return None  # missing, or a symlink (ELOOP): not ours either way
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_ENTRY:
                return None
            if _POSIX and (st.st_uid != os.geteuid() or stat.S_IMODE(st.st_mode) & 0o077):
                return None
            raw = os.read(fd, _MAX_ENTRY + 1)
        except OSError:
            return None
        finally:
            os.close(fd)
        entry = _parse(raw, base_url)
        if entry is None:
            return None
        if self._wall_clock() >= entry[1] - margin(entry[2]):
            return None
        return entry

    def store(
        self,
        base_url: str,
        api_key: SecretStr | str,
        token: SecretStr | str,
        *,
        expires_at: float,
        lifetime: float,
    ) -> None:
        """Write the entry of (base URL, key) atomically (``0600``, same-directory rename)."""
        directory = self._ensure_directory()
        value = _plain(token)
        payload = json.dumps(
            {
                "format": _FORMAT,
                "base_url": base_url.rstrip("/"),
                "token": value,
                "expires_at": expires_at,
                "lifetime": lifetime,
            }
        ).encode()
        # mkstemp: O_EXCL | O_NOFOLLOW, mode 0600, a random name in the same directory, so
        # the rename is atomic and a reader sees the old entry or the new one, never half.
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=directory)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
            os.replace(tmp, self.path_for(base_url, api_key))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def delete(self, base_url: str, api_key: SecretStr | str) -> None:
        """Forget the entry of (base URL, key) (after the server rejected it)."""
        with contextlib.suppress(OSError):
            os.unlink(self._ensure_directory() / f"{_fingerprint(base_url, api_key)}.json")


def _parse(raw: bytes, base_url: str) -> tuple[str, float, float] | None:
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        return None
    token, expires, lifetime = data.get("token"), data.get("expires_at"), data.get("lifetime")
    if data.get("base_url") != base_url.rstrip("/") or not isinstance(token, str) or not token:
        return None
    if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in (expires, lifetime)):
        return None
    assert isinstance(expires, int | float)
    assert isinstance(lifetime, int | float)
    if lifetime <= 0:
        return None
    return token, float(expires), float(lifetime)
