"""Client configuration: explicit argument > environment > config-file profile > default.

Nothing is read at import time; :func:`load_settings` reads the environment and the profile file
each time a client is built.

Environment: ``TERRATEAM_API_KEY``, ``TERRATEAM_ACCESS_TOKEN``, ``TTM_API_KEY`` (the variable of
Terrateam's own ``ttm`` CLI and runner, classified by its JWT claims), ``TERRATEAM_BASE_URL``,
``TERRATEAM_VCS``, ``TERRATEAM_INSTALLATION_ID``, ``TERRATEAM_PROFILE``,
``TERRATEAM_CONFIG_FILE``, ``TERRATEAM_MAX_RETRIES``, ``TERRATEAM_TOTAL_TIMEOUT``, and the
connection settings shared with the Ansible collection: ``TERRATEAM_TIMEOUT``,
``TERRATEAM_VALIDATE_CERTS``, ``TERRATEAM_CA_PATH``. Profiles are ``[profiles.<name>]`` tables in
``~/.config/terrateam/config.toml`` with ``api_key``, ``access_token``, ``base_url``, ``vcs`` and
``installation_id``.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tomllib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from terrateam_core._connection_env import (
    DEFAULT_TIMEOUT,
    request_timeout_from_env,
    ssl_verify,
    tls_verify_from_env,
)
from terrateam_core._jwt import is_refresh_key
from terrateam_core.errors import ConfigurationError

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_PROFILE",
    "DEFAULT_TIMEOUT",
    "DEFAULT_TOTAL_TIMEOUT",
    "DEFAULT_VCS",
    "ClientSettings",
    "check_base_url",
    "default_config_path",
    "load_settings",
    "max_retries_from_env",
    "parse_installation_id",
    "request_timeout_from_env",
    "ssl_verify",
    "tls_verify_from_env",
    "total_timeout_from_env",
    "write_profile",
]

DEFAULT_BASE_URL = "https://app.terrateam.io"
DEFAULT_VCS = "github"
DEFAULT_PROFILE = "default"
VCS_VALUES = ("github", "gitlab")


@dataclass(frozen=True)
class ClientSettings:
    """Resolved client settings. Exactly one of ``api_key`` / ``access_token`` is set.

    ``credential_source`` names where the credential came from (e.g. ``"TTM_API_KEY"``).
    """

    api_key: SecretStr | None
    access_token: SecretStr | None
    base_url: str = DEFAULT_BASE_URL
    vcs: str = DEFAULT_VCS
    installation_id: int | None = None
    profile: str | None = None
    credential_source: str = ""
    config_file: Path | None = field(default=None, repr=False)
    sources: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    """Where each setting came from: ``{"base_url": "TERRATEAM_BASE_URL", …}``."""

    def __repr__(self) -> str:
        cred = "api_key" if self.api_key is not None else "access_token"
        return (
            f"ClientSettings(base_url={self.base_url!r}, vcs={self.vcs!r}, "
            f"installation_id={self.installation_id!r}, profile={self.profile!r}, "
            f"{cred}=<from {self.credential_source}>)"
        )


def default_config_path(env: Mapping[str, str] | None = None) -> Path:
    """Return the config file path: ``TERRATEAM_CONFIG_FILE`` or the platform config dir."""
    env = os.environ if env is None else env
    override = env.get("TERRATEAM_CONFIG_FILE")
    if override:
        return Path(override).expanduser()
    import platformdirs  # local import: only needed when no override is given

    return Path(platformdirs.user_config_dir("terrateam")) / "config.toml"


def _read_profiles(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read config file {path}: {exc.strerror}", setting="config_file"
        ) from exc
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigurationError(
            f"config file {path} is not valid TOML: {exc}", setting="config_file"
        ) from None
    profiles = doc.get("profiles", {})
    if not isinstance(profiles, dict):
        raise ConfigurationError(
            f"config file {path}: [profiles] must be a table", setting="config_file"
        )
    return profiles


def _warn_if_readable(path: Path) -> None:
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        warnings.warn(
            f"{path} holds an API key and is readable by other users; chmod 600 it",
            stacklevel=3,
        )


def parse_installation_id(value: object, where: str) -> int | None:
    """Parse an installation id given as text or int (``None``/``""``: not set); *where*
    names its source in the error (ending in "argument" for a front end's own flag)."""
    if value is None or value == "":
        return None
    try:
        return int(str(value), 10)
    except ValueError:
        problem = f"installation id must be an integer, got {value!r}"
        raise ConfigurationError(
            f"{where}: {problem}",
            setting="installation_id",
            # An argument's source is the front end's own flag, which its hint names.
            problem=problem if where.endswith("argument") else f"{where}: {problem}",
        ) from None


def _first(*pairs: tuple[str, object]) -> tuple[str, Any]:
    for source, value in pairs:
        if value not in (None, ""):
            return source, value
    return "", None


DEFAULT_MAX_RETRIES = 3  # 4 attempts in all, as ttm


DEFAULT_TOTAL_TIMEOUT = 120.0  # seconds for one call, retries and token exchange included


def total_timeout_from_env(env: Mapping[str, str] | None = None) -> float:
    """Return ``TERRATEAM_TOTAL_TIMEOUT`` (seconds, > 0), default ``DEFAULT_TOTAL_TIMEOUT``.

    Replaces the default total deadline of every client the tools build (CLI, Ansible, Pulumi),
    so a CI job can bound each call without a flag in each of them.
    """
    value = (os.environ if env is None else env).get("TERRATEAM_TOTAL_TIMEOUT", "").strip()
    if not value:
        return DEFAULT_TOTAL_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds > 0 or seconds == float("inf"):
        raise ConfigurationError(
            f"TERRATEAM_TOTAL_TIMEOUT must be a number of seconds > 0, got {value!r}"
        )
    return seconds


def max_retries_from_env(env: Mapping[str, str] | None = None) -> int:
    """Return ``TERRATEAM_MAX_RETRIES`` (retries after the first attempt), default 3.

    Lets CI jobs on a flaky network make every tool built on the core more persistent
    without a flag in each of them.
    """
    value = (os.environ if env is None else env).get("TERRATEAM_MAX_RETRIES", "").strip()
    if not value:
        return DEFAULT_MAX_RETRIES
    try:
        retries = int(value, 10)
    except ValueError:
        retries = -1
    if retries < 0:
        raise ConfigurationError(
            f"TERRATEAM_MAX_RETRIES must be a whole number >= 0, got {value!r}",
            setting="max_retries",
        )
    return retries


def load_settings(
    *,
    api_key: str | None = None,
    access_token: str | None = None,
    base_url: str | None = None,
    vcs: str | None = None,
    installation_id: int | str | None = None,
    profile: str | None = None,
    config_file: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    require_credential: bool = True,
) -> ClientSettings:
    """Resolve the client settings from arguments, environment, profile file and defaults.

    Args:
        api_key: an API key to exchange for access tokens.
        access_token: a ready bearer token (access token or run token), used as is.
        base_url: the server, e.g. ``https://app.terrateam.io``.
        vcs: ``github`` or ``gitlab``.
        installation_id: the default installation for installation-scoped calls.
        profile: the profile name in the config file (default ``default``).
        config_file: the config file path (default ``TERRATEAM_CONFIG_FILE`` or the platform one).
        env: the environment to read (default ``os.environ``; tests pass a dict).
        require_credential: raise when no credential is found (``False`` lets a status
            report show the other settings; both credential fields are then ``None``).

    Raises:
        ConfigurationError: no credential anywhere (the message names every place looked), an
            unreadable config file, an unknown explicit profile, or a bad value.
    """
    env = os.environ if env is None else env
    if api_key and access_token:
        raise ConfigurationError(
            "give either an API key or an access token, not both", setting="credential"
        )
    path = Path(config_file).expanduser() if config_file else default_config_path(env)
    profile_name = profile or env.get("TERRATEAM_PROFILE") or None
    profiles = _read_profiles(path)
    chosen = profile_name or DEFAULT_PROFILE
    prof = profiles.get(chosen, {})
    if profile_name and chosen not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise ConfigurationError(
            f"profile {chosen!r} not found in {path} (profiles there: {known})",
            setting="profile",
        )
    if not isinstance(prof, dict):
        raise ConfigurationError(
            f"config file {path}: profile {chosen!r} must be a table", setting="config_file"
        )
    where = f"profile {chosen!r} in {path}"

    ttm = env.get("TTM_API_KEY") or None
    key_src, key = _first(
        ("api_key argument", api_key),
        ("access_token argument", None),
    )
    tok_src, tok = "", None
    if key is None and access_token:
        tok_src, tok = "access_token argument", access_token
    if key is None and tok is None:
        key_src, key = _first(("TERRATEAM_API_KEY", env.get("TERRATEAM_API_KEY")))
    if key is None and tok is None:
        tok_src, tok = _first(("TERRATEAM_ACCESS_TOKEN", env.get("TERRATEAM_ACCESS_TOKEN")))
    if key is None and tok is None and ttm:
        # ttm's runner exports the work-manifest token here; only a refresh-only key is exchanged.
        if is_refresh_key(ttm):
            key_src, key = "TTM_API_KEY", ttm
        else:
            tok_src, tok = "TTM_API_KEY", ttm
    if key is None and tok is None:
        key_src, key = _first((where, prof.get("api_key")))
        if key is None:
            tok_src, tok = _first((where, prof.get("access_token")))
        if key is not None or tok is not None:
            _warn_if_readable(path)
    if key is None and tok is None and require_credential:
        raise ConfigurationError(
            "no Terrateam credential found; looked in: the api_key/access_token arguments, "
            "the environment variables TERRATEAM_API_KEY, TERRATEAM_ACCESS_TOKEN "
            f"and TTM_API_KEY, and {where}" + ("" if path.exists() else " (file not found)"),
            setting="credential",
        )

    url_src, url = _first(
        ("base_url argument", base_url),
        ("TERRATEAM_BASE_URL", env.get("TERRATEAM_BASE_URL")),
        (where, prof.get("base_url")),
        ("default", DEFAULT_BASE_URL),
    )
    url = check_base_url(str(url), url_src)
    vcs_src, vcs_value = _first(
        ("vcs argument", vcs),
        ("TERRATEAM_VCS", env.get("TERRATEAM_VCS")),
        (where, prof.get("vcs")),
        ("default", DEFAULT_VCS),
    )
    if vcs_value not in VCS_VALUES:
        raise ConfigurationError(
            f"{vcs_src}: vcs must be one of {', '.join(VCS_VALUES)}, got {vcs_value!r}",
            setting="vcs",
        )
    inst_src, inst = _first(
        ("installation_id argument", installation_id),
        ("TERRATEAM_INSTALLATION_ID", env.get("TERRATEAM_INSTALLATION_ID")),
        (where, prof.get("installation_id")),
    )
    return ClientSettings(
        api_key=SecretStr(str(key)) if key is not None else None,
        access_token=SecretStr(str(tok)) if tok is not None else None,
        base_url=url,
        vcs=str(vcs_value),
        installation_id=parse_installation_id(inst, inst_src),
        profile=chosen if (profile_name or prof) else None,
        credential_source=key_src or tok_src,
        config_file=path,
        sources={
            "credential": key_src or tok_src or "not set",
            "base_url": url_src,
            "vcs": vcs_src,
            "installation_id": inst_src or "not set",
            "profile": _source(profile, "profile argument", env, "TERRATEAM_PROFILE"),
            "config_file": _source(
                config_file, "config_file argument", env, "TERRATEAM_CONFIG_FILE"
            ),
        },
    )


def check_base_url(url: str, source: str = "base URL") -> str:
    """Return *url* without a trailing slash, or raise ``ConfigurationError`` explaining
    the usual slips: a missing scheme, or a path such as ``/api`` that the client adds itself.
    """
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        guess = (
            "http://" + url
            if url.split(":")[0] in ("localhost", "127.0.0.1")
            else ("https://" + url.split("://", 1)[-1])
        )
        raise ConfigurationError(
            f"{source}: the base URL must start with http:// or https://, got {url!r} "
            f"(did you mean {guess!r}?)",
            setting="base_url",
        )
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if not parts.hostname:
        raise ConfigurationError(f"{source}: no host in base URL {url!r}", setting="base_url")
    if parts.query or parts.fragment:
        raise ConfigurationError(
            f"{source}: the base URL must not have a query or fragment, got {url!r}",
            setting="base_url",
        )
    path = parts.path.rstrip("/")
    if path.endswith(("/api", "/api/v1")):
        root = url[: len(url) - len(parts.path)] + path.rsplit("/api", 1)[0]
        raise ConfigurationError(
            f"{source}: the base URL {url!r} ends in {path[path.rfind('/api') :]!r}, but the "
            f"client adds /api/v1/… itself (requests would go to …{path}/api/v1/…); "
            f"use the server root {root!r}",
            setting="base_url",
        )
    return url


def _source(argument: object, label: str, env: Mapping[str, str], variable: str) -> str:
    if argument:
        return label
    return variable if env.get(variable) else "default"


def _check_profile_values(
    name: str, api_key: str, base_url: str | None, vcs: str | None, installation_id: int | None
) -> None:
    # Validate everything before touching the file: a bad value must not leave a file that
    # can no longer be read (a newline in a key once did exactly that).
    if not name.strip() or any(ch in name for ch in "\r\n\t"):
        raise ConfigurationError(f"bad profile name {name!r}", setting="profile")
    key = api_key.strip()
    if not key or any(ch.isspace() for ch in key) or not key.isprintable():
        raise ConfigurationError(
            "the API key must be one line of printable characters without spaces "
            "(paste it again, without quotes or line breaks)",
            setting="credential",
        )
    if base_url:
        check_base_url(base_url)
    if vcs is not None and vcs not in VCS_VALUES:
        raise ConfigurationError(
            f"vcs must be one of {', '.join(VCS_VALUES)}, got {vcs!r}", setting="vcs"
        )
    if installation_id is not None and (
        isinstance(installation_id, bool) or not isinstance(installation_id, int)
    ):
        raise ConfigurationError(
            f"installation id must be an integer, got {installation_id!r}",
            setting="installation_id",
        )


def write_profile(
    name: str,
    *,
    api_key: str,
    base_url: str | None = None,
    vcs: str | None = None,
    installation_id: int | None = None,
    path: str | Path | None = None,
) -> Path:
    """Write (or replace) profile ``name`` in the config file, mode 0600; return the path.

    Values are validated first. Other profiles, other tables and comments in the file are
    kept (the file is edited with tomlkit). The new file is written beside the old one and
    moved over it, so a crash leaves either the old file or the new one, never half of one.
    """
    import tomlkit

    _check_profile_values(name, api_key, base_url, vcs, installation_id)
    target = Path(path).expanduser() if path else default_config_path()
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read config file {target}: {exc.strerror}", setting="config_file"
        ) from exc
    try:
        doc = tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigurationError(
            f"config file {target} is not valid TOML ({exc}); fix or move it, then retry",
            setting="config_file",
        ) from None
    profiles = doc.get("profiles")
    if profiles is None:
        profiles = tomlkit.table(is_super_table=True)
        doc["profiles"] = profiles
    elif not isinstance(profiles, dict):
        raise ConfigurationError(
            f"config file {target}: [profiles] must be a table", setting="config_file"
        )
    entry = tomlkit.table()
    entry["api_key"] = api_key.strip()
    if base_url:
        entry["base_url"] = check_base_url(base_url)
    if vcs:
        entry["vcs"] = vcs
    if installation_id is not None:
        entry["installation_id"] = int(installation_id)
    profiles[name] = entry
    _atomic_write_private(target, tomlkit.dumps(doc))
    return target


def _atomic_write_private(target: Path, text: str) -> None:
    """Write *text* to *target* with mode 0600 via a temporary file and ``os.replace``."""
    import tempfile

    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:  # mkstemp creates it 0600
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
