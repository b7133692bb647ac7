"""The connection settings every component reads the same way: timeout and TLS verification.

The names are the Ansible collection's (its lookups and modules read the same variables), so one
set of variables configures the CLI, the Python client, the Pulumi provider and the playbooks:

- ``TERRATEAM_TIMEOUT``: seconds allowed for each HTTP operation (connect, read, write).
- ``TERRATEAM_VALIDATE_CERTS``: ``false`` turns TLS verification off (a test server only).
- ``TERRATEAM_CA_PATH``: a PEM bundle (or a directory of CA certificates) to verify the server
  with, for a self-hosted Terrateam behind a private CA.

An explicit argument always wins; these only replace the defaults.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping

from terrateam_core.errors import ConfigurationError

__all__ = [
    "DEFAULT_TIMEOUT",
    "request_timeout_from_env",
    "ssl_verify",
    "tls_verify_from_env",
]

DEFAULT_TIMEOUT = 30.0  # seconds per HTTP operation

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def request_timeout_from_env(env: Mapping[str, str] | None = None) -> float:
    """Return ``TERRATEAM_TIMEOUT`` (seconds, > 0), default :data:`DEFAULT_TIMEOUT`."""
    value = (os.environ if env is None else env).get("TERRATEAM_TIMEOUT", "").strip()
    if not value:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds > 0 or seconds == float("inf"):
        raise ConfigurationError(
            f"TERRATEAM_TIMEOUT must be a number of seconds > 0, got {value!r}",
            setting="timeout",
        )
    return seconds


def tls_verify_from_env(env: Mapping[str, str] | None = None) -> bool | str:
    """Return the TLS verification the environment asks for: a CA path, ``False`` or ``True``.

    ``TERRATEAM_VALIDATE_CERTS=false`` wins over ``TERRATEAM_CA_PATH`` (as Ansible's
    ``validate_certs`` does over ``ca_path``).
    """
    env = os.environ if env is None else env
    flag = env.get("TERRATEAM_VALIDATE_CERTS", "").strip().lower()
    if flag and flag not in _TRUE | _FALSE:
        raise ConfigurationError(
            f"TERRATEAM_VALIDATE_CERTS must be true or false, got {flag!r}",
            setting="validate_certs",
        )
    if flag in _FALSE:
        return False
    ca_path = env.get("TERRATEAM_CA_PATH", "").strip()
    return ca_path or True


def ssl_verify(
    verify: bool | str | ssl.SSLContext, *, source: str = "verify"
) -> bool | ssl.SSLContext:
    """Turn a CA path into the SSL context httpx wants (its ``verify=<str>`` is deprecated).

    ``source`` names the setting in the error a missing or unreadable bundle raises.
    """
    if not isinstance(verify, str):
        return verify
    try:
        if os.path.isdir(verify):
            return ssl.create_default_context(capath=verify)
        return ssl.create_default_context(cafile=verify)
    except (OSError, ssl.SSLError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigurationError(
            f"{source}: cannot load the CA bundle {verify!r}: {reason}; "
            "point it at a PEM file or a directory of CA certificates",
            setting="ca_path",
        ) from None
