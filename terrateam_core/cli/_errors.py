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


def _classify(exc: BaseException) -> tuple[int, str | None]:
    """Return (exit code, hint) for *exc*; most specific classes first."""
    from terrateam_core import errors as e

    table: list[tuple[type[BaseException], int, str | None]] = [
        (
            e.ChecksumMismatchError,
            EXIT_CHECKSUM,
            "the stored data is corrupt or changed while reading; retry, then re-upload it",
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
            e.KVConflictError,
            EXIT_CONFLICT,
            "the value changed since it was read; re-read and retry",
        ),
        (e.ConflictError, EXIT_CONFLICT, None),
        (e.TokenCacheError, EXIT_USAGE, None),  # its message names the directory and the fix
        (
            e.ConfigurationError,
            EXIT_USAGE,
            "set TERRATEAM_API_KEY, or write a profile with `terrateam configure [--profile NAME]`",
        ),
        (e.RateLimitError, EXIT_API, "rate limited; retry later"),
        (e.APIConnectionError, EXIT_API, "could not reach the server; check --base-url"),
        (e.TerrateamError, EXIT_API, None),
    ]
    for cls, code, hint in table:
        if isinstance(exc, cls):
            return code, hint
    return EXIT_API, None


def exit_code_for(exc: BaseException) -> int:
    """Map an exception raised by a command to the CLI's documented exit code."""
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
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
        print("terrateam: interrupted", file=out)
        return EXIT_INTERRUPTED
    code = exit_code_for(exc)
    hint: str | None = None
    if _is_core_error(exc):
        hint = _classify(exc)[1]
        kind = type(exc).__name__
    elif isinstance(exc, OSError):
        kind = "error"
    else:
        kind = f"internal error ({type(exc).__name__})"
        hint = hint or "this is a bug in terrateam; re-run with --debug and report it"
    message = " ".join(str(exc).split()) or type(exc).__name__
    if debug:
        tb = "".join(traceback.format_exception(exc))
        print(redact(tb), file=out, end="")
    print(redact(f"terrateam: {kind}: {message}"), file=out)
    if hint:
        print(f"hint: {hint}", file=out)
    return code
