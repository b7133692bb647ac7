"""The ``terrateam_core`` logger and the redaction applied to everything it logs.

INFO: one line per HTTP attempt (method, path without query, status, ms, attempt).
DEBUG: request/response bodies with tokens, keys and KV ``data`` removed. The refresh
request and response are never logged beyond their status line.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from typing import Any

__all__ = [
    "logger",
    "redact_body",
    "redact_text",
    "set_debug_logging",
]

logger = logging.getLogger("terrateam_core")

_SECRET_KEYS = frozenset(
    {"token", "refresh_token", "access_token", "api_key", "authorization", "password", "secret"}
)
# JWTs (API keys, access tokens, run tokens) all start with a base64url '{"' header.
_JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_BEARER_RE = re.compile(r"(?i)(bearer\s+)\S+")


def redact_text(text: str) -> str:
    """Mask anything that looks like a JWT or a bearer credential in ``text``."""
    return _BEARER_RE.sub(r"\1[redacted]", _JWT_RE.sub("[redacted-jwt]", text))


def _redact(value: Any, *, log_kv_data: bool) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if str(k).lower() in _SECRET_KEYS:
                out[k] = "[redacted]"
            elif k == "data" and not log_kv_data:
                out[k] = f"<{len(json.dumps(v))} chars>"
            else:
                out[k] = _redact(v, log_kv_data=log_kv_data)
        return out
    if isinstance(value, list):
        return [_redact(v, log_kv_data=log_kv_data) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def redact_body(body: bytes, *, log_kv_data: bool = False, limit: int = 2000) -> str:
    """Render a request/response body for DEBUG logs with secrets and KV data removed."""
    if not body:
        return "<empty>"
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return f"<{len(body)} bytes, not JSON>"
    text = json.dumps(_redact(doc, log_kv_data=log_kv_data), separators=(",", ":"))
    return text if len(text) <= limit else text[:limit] + "…"


class _RedactingFilter(logging.Filter):
    """Last line of defence: mask JWT-looking strings in any record that reaches the handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_text(record.getMessage())
        record.args = None
        return True


def set_debug_logging(level: int = logging.DEBUG) -> logging.Handler:
    """Attach a redacting stderr handler to the ``terrateam_core`` logger (the CLI's ``--debug``).

    Returns the handler so callers can remove it again.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_RedactingFilter())
    logger.addHandler(handler)
    logger.setLevel(level)
    return handler
