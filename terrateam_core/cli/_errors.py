"""Exit codes and the one place where core errors become a CLI exit status.

Every command (ours and the ``kv``/``secrets``/``artifact`` groups) lets
``terrateam_core.errors`` exceptions propagate; the root group catches them in
``report_error`` so the mapping, the message format and the redaction live here.
"""

from __future__ import annotations

import os
import re
import sys
import traceback
from typing import IO

EXIT_OK = 0
EXIT_USAGE = 1
EXIT_AUTH = 2
EXIT_NOT_FOUND = 3
EXIT_CONFLICT = 4
EXIT_API = 5
EXIT_TIMEOUT = 6
EXIT_CHECKSUM = 7
EXIT_RUN_FAILED = 8
EXIT_INTERRUPTED = 130

# A JWT (API key, access token, run token) anywhere in a message is replaced: the core
# already redacts, this is the CLI's second line of defence for text it prints itself.
_JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_SECRET_ENV = ("TERRATEAM_API_KEY", "TTM_API_KEY", "TERRATEAM_ACCESS_TOKEN")


def redact(text: str) -> str:
    """Remove credentials (JWTs and the configured keys) from *text*."""
    for name in _SECRET_ENV:
        value = os.environ.get(name)
        if value and len(value) >= 8:
            text = text.replace(value, "[REDACTED]")
    return _JWT_RE.sub("[REDACTED]", text)


# What to change, in the CLI's own terms, for each setting a ConfigurationError names.
SETTING_HINTS: dict[str, str] = {
    "credential": "set TERRATEAM_API_KEY, or save a key with `terrateam configure`",
    "installation_id": (
        "pass --installation-id N (-i N), set TERRATEAM_INSTALLATION_ID, "
        "or save one with `terrateam configure --installation-id N`"
    ),
    "base_url": (
        "pass --base-url or set TERRATEAM_BASE_URL to the server root, "
        "e.g. https://app.terrateam.io or http://127.0.0.1:PORT for the emulator"
    ),
    "vcs": "pass --vcs github|gitlab or set TERRATEAM_VCS",
    "profile": (
        "pick an existing profile with --profile / TERRATEAM_PROFILE, "
        "or create it with `terrateam configure --profile NAME`"
    ),
    "config_file": "fix the file, or point TERRATEAM_CONFIG_FILE at another one",
    "max_retries": "set TERRATEAM_MAX_RETRIES to a whole number, e.g. 3",
    "timeout": "set TERRATEAM_TIMEOUT to a number of seconds, e.g. 30",
    "validate_certs": "set TERRATEAM_VALIDATE_CERTS to true or false, or unset it",
    "ca_path": "point TERRATEAM_CA_PATH at a PEM bundle of CA certificates, or unset it",
    "output": "set TERRATEAM_OUTPUT to table, json or yaml, or unset it",
}

# Flags of the CLI for the Python argument names an InvalidArgumentError carries.
ARGUMENT_HINTS: dict[str, str] = {
    "capabilities": "see `terrateam api-keys create --help` for the capability names",
    "select": "give --select as NAME=PATH, e.g. --select 'env=$.env'",
    "key": "use another KV key",
}


def _classify(exc: BaseException) -> tuple[int, str | None]:
    """Return (exit code, hint) for *exc*; most specific classes first."""
    from terrateam_core import errors as e

    table: list[tuple[type[BaseException], int, str | None]] = [
        (
            e.ChecksumMismatchError,
            EXIT_CHECKSUM,
            "the stored data is corrupt or changed while reading; retry, then re-upload it",
        ),
        (
            e.IncompleteArtifactError,
            EXIT_CHECKSUM,
            "an upload to this key was interrupted (or is still running); upload it again",
        ),
        (e.TaskTimeoutError, EXIT_TIMEOUT, "raise --timeout, or check the run in Terrateam"),
        (e.APITimeoutError, EXIT_TIMEOUT, "the server did not answer in time; retry later"),
        (e.TaskFailedError, EXIT_RUN_FAILED, None),
        (
            e.RunTokenInactiveError,
            EXIT_AUTH,
            "the work manifest this run token belongs to has finished",
        ),
        (
            e.AuthenticationError,
            EXIT_AUTH,
            "check the API key (TERRATEAM_API_KEY or `terrateam configure`) and --base-url",
        ),
        (
            e.PermissionDeniedError,
            EXIT_AUTH,
            "the API key lacks a capability or access to this installation",
        ),
        (e.NotFoundError, EXIT_NOT_FOUND, None),
        (
            e.KVKeyExistsError,
            EXIT_CONFLICT,
            "the key already exists, and a cas without --version only creates; pass "
            "--version with its current version (`terrateam kv get KEY -o record`)",
        ),
        (
            e.KVConflictError,
            EXIT_CONFLICT,
            "the value changed since it was read; re-read and retry",
        ),
        (e.ConflictError, EXIT_CONFLICT, None),
        (e.TokenCacheError, EXIT_USAGE, None),  # its message names the directory and the fix
        (e.ConfigurationError, EXIT_USAGE, None),
        (e.InvalidArgumentError, EXIT_USAGE, None),
        (e.RateLimitError, EXIT_API, "rate limited; retry later"),
        (
            e.APIConnectionError,
            EXIT_API,
            "could not reach the server; check --base-url / TERRATEAM_BASE_URL "
            "(`terrateam auth status` shows where each setting comes from)",
        ),
        (e.TerrateamError, EXIT_API, None),
    ]
    if isinstance(exc, e.ConfigurationError) and not isinstance(exc, e.TokenCacheError):
        return EXIT_USAGE, SETTING_HINTS.get(exc.setting or "", SETTING_HINTS["credential"])
    if isinstance(exc, e.InvalidArgumentError):
        return EXIT_USAGE, ARGUMENT_HINTS.get(exc.argument or "")
    for cls, code, hint in table:
        if isinstance(exc, cls):
            return code, hint
    return EXIT_API, None


def _message(exc: BaseException) -> str:
    """The problem as one line; for configuration errors without Python-phrased advice."""
    from terrateam_core import errors as e

    text = exc.problem if isinstance(exc, e.ConfigurationError) else str(exc)
    return " ".join(text.split()) or type(exc).__name__


def exit_code_for(exc: BaseException) -> int:
    """Map an exception raised by a command to the CLI's documented exit code."""
    if isinstance(exc, KeyboardInterrupt):
        # 130 for Ctrl-C; 143 (SIGTERM) or 129 (SIGHUP): 128 + the signal, like a shell.
        signum = getattr(exc, "signum", None)
        return 128 + signum if isinstance(signum, int) else EXIT_INTERRUPTED
    if _is_core_error(exc):
        return _classify(exc)[0]
    return EXIT_USAGE if isinstance(exc, (OSError, ValueError)) else EXIT_API


def _is_core_error(exc: BaseException) -> bool:
    # Only consult terrateam_core.errors when the exception came from the core: an
    # unrelated failure must not pay for (or fail on) importing it.
    return type(exc).__module__.startswith("terrateam_core")


def report_error(exc: BaseException, *, debug: bool, stream: IO[str] | None = None) -> int:
    """Print *exc* as one line plus a hint (a traceback only with --debug); return the code."""
    out = stream if stream is not None else sys.stderr
    if isinstance(exc, KeyboardInterrupt):
        name = getattr(exc, "signum", None) and str(exc)
        print(f"terrateam: interrupted ({name})" if name else "terrateam: interrupted", file=out)
        return exit_code_for(exc)
    code = exit_code_for(exc)
    hint: str | None = None
    if _is_core_error(exc):
        # A command may know more than the class does (e.g. that --select was given).
        hint = getattr(exc, "cli_hint", None) or _classify(exc)[1]
        kind = type(exc).__name__
    elif isinstance(exc, OSError):
        kind = "error"
    else:
        kind = f"internal error ({type(exc).__name__})"
        hint = hint or "this is a bug in terrateam; re-run with --debug and report it"
    message = _message(exc) if _is_core_error(exc) else " ".join(str(exc).split())
    message = message or type(exc).__name__
    if debug:
        tb = "".join(traceback.format_exception(exc))
        print(redact(tb), file=out, end="")
    print(redact(f"terrateam: {kind}: {message}"), file=out)
    if hint:
        print(f"hint: {hint}", file=out)
    return code
