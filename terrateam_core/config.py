"""Client configuration: explicit argument > environment > config-file profile > default.

Nothing is read at import time; :func:`load_settings` reads the environment and the profile file
each time a client is built.

Environment: ``TERRATEAM_API_KEY``, ``TERRATEAM_ACCESS_TOKEN``, ``TTM_API_KEY`` (the variable of
Terrateam's own ``ttm`` CLI and runner, classified by its JWT claims), ``TERRATEAM_BASE_URL``,
``TERRATEAM_VCS``, ``TERRATEAM_INSTALLATION_ID``, ``TERRATEAM_PROFILE``,
``TERRATEAM_CONFIG_FILE``, ``TERRATEAM_MAX_RETRIES``. Profiles are ``[profiles.<name>]`` tables in
``~/.config/terrateam/config.toml`` with ``api_key``, ``access_token``, ``base_url``, ``vcs`` and
``installation_id``.
"""

from __future__ import annotations

import os
import stat
import tomllib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from terrateam_core._jwt import is_refresh_key
from terrateam_core.errors import ConfigurationError

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_PROFILE",
    "DEFAULT_VCS",
    "ClientSettings",
    "default_config_path",
    "load_settings",
    "max_retries_from_env",
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
        raise ConfigurationError(f"cannot read config file {path}: {exc.strerror}") from exc
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"config file {path} is not valid TOML: {exc}") from None
    profiles = doc.get("profiles", {})
    if not isinstance(profiles, dict):
        raise ConfigurationError(f"config file {path}: [profiles] must be a table")
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


def _parse_installation_id(value: object, where: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(str(value), 10)
    except ValueError:
        raise ConfigurationError(f"{where}: installation id must be an integer") from None


def _first(*pairs: tuple[str, object]) -> tuple[str, Any]:
    for source, value in pairs:
        if value not in (None, ""):
            return source, value
    return "", None


DEFAULT_MAX_RETRIES = 3  # 4 attempts in all, as ttm


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
            f"TERRATEAM_MAX_RETRIES must be a whole number >= 0, got {value!r}"
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

    Raises:
        ConfigurationError: no credential anywhere (the message names every place looked), an
            unreadable config file, an unknown explicit profile, or a bad value.
    """
    env = os.environ if env is None else env
    if api_key and access_token:
        raise ConfigurationError("pass either api_key= or access_token=, not both")
    path = Path(config_file).expanduser() if config_file else default_config_path(env)
    profile_name = profile or env.get("TERRATEAM_PROFILE") or None
    profiles = _read_profiles(path)
    chosen = profile_name or DEFAULT_PROFILE
    prof = profiles.get(chosen, {})
    if profile_name and chosen not in profiles:
        raise ConfigurationError(f"profile {chosen!r} not found in {path}")
    if not isinstance(prof, dict):
        raise ConfigurationError(f"config file {path}: profile {chosen!r} must be a table")
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
    if key is None and tok is None:
        raise ConfigurationError(
            "no Terrateam credential found; looked in: the api_key= and access_token= "
            "arguments, the environment variables TERRATEAM_API_KEY, TERRATEAM_ACCESS_TOKEN "
            f"and TTM_API_KEY, and {where}" + ("" if path.exists() else " (file not found)")
        )

    _, url = _first(
        ("argument", base_url),
        ("env", env.get("TERRATEAM_BASE_URL")),
        ("profile", prof.get("base_url")),
        ("default", DEFAULT_BASE_URL),
    )
    url = str(url).rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ConfigurationError(f"base URL must start with http:// or https://, got {url!r}")
    _, vcs_value = _first(
        ("argument", vcs),
        ("env", env.get("TERRATEAM_VCS")),
        ("profile", prof.get("vcs")),
        ("default", DEFAULT_VCS),
    )
    if vcs_value not in VCS_VALUES:
        raise ConfigurationError(f"vcs must be one of {', '.join(VCS_VALUES)}, got {vcs_value!r}")
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
        installation_id=_parse_installation_id(inst, inst_src),
        profile=chosen if (profile_name or prof) else None,
        credential_source=key_src or tok_src,
        config_file=path,
    )


def _toml_value(value: str | int) -> str:
    if isinstance(value, int):
        return str(value)
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


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

    Other profiles in the file are kept. Comments in the file are not preserved.
    """
    target = Path(path).expanduser() if path else default_config_path()
    profiles = _read_profiles(target)
    entry: dict[str, str | int] = {"api_key": api_key}
    if base_url:
        entry["base_url"] = base_url
    if vcs:
        entry["vcs"] = vcs
    if installation_id is not None:
        entry["installation_id"] = int(installation_id)
    profiles[name] = entry
    lines: list[str] = []
    for pname, values in profiles.items():
        if not isinstance(values, dict):
            continue
        lines.append(f"[profiles.{_toml_value(str(pname))}]")
        for k, v in values.items():
            if isinstance(v, str | int) and not isinstance(v, bool):
                lines.append(f"{k} = {_toml_value(v)}")
        lines.append("")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))
    os.chmod(target, 0o600)
    return target
