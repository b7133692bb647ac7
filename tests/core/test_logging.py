"""Redaction helpers and the debug handler."""

from __future__ import annotations

import io
import json
import logging

from core.fakes import API_KEY
from terrateam_core._logging import redact_body, redact_text, set_debug_logging


def test_redact_text_masks_jwts_and_bearer_values() -> None:
    """JWT-shaped strings and bearer credentials are masked wherever they appear."""
    text = f"token={API_KEY} Authorization: Bearer opaque-secret"
    out = redact_text(text)
    assert API_KEY not in out
    assert "opaque-secret" not in out
    assert "[redacted-jwt]" in out


def test_redact_body_drops_tokens_and_kv_data_by_default() -> None:
    """token/refresh_token keys are masked; KV data becomes a size unless asked for."""
    body = json.dumps({"token": "t0k", "refresh_token": "r", "data": {"pw": "hunter2"}, "key": "k"})
    out = redact_body(body.encode())
    assert "t0k" not in out
    assert "hunter2" not in out
    assert '"key":"k"' in out
    assert "hunter2" in redact_body(body.encode(), log_kv_data=True)
    assert redact_body(b"") == "<empty>"
    assert redact_body(b"\x00\xff") == "<2 bytes, not JSON>"


def test_debug_handler_filters_even_foreign_messages() -> None:
    """set_debug_logging's handler masks a JWT even in a message the core did not write."""
    handler = set_debug_logging()
    stream = io.StringIO()
    handler.setStream(stream)  # type: ignore[attr-defined]
    logger = logging.getLogger("terrateam_core.test")
    try:
        logger.debug("oops %s", API_KEY)
    finally:
        logging.getLogger("terrateam_core").removeHandler(handler)
        logging.getLogger("terrateam_core").setLevel(logging.NOTSET)
    assert "oops [redacted-jwt]" in stream.getvalue()
    assert API_KEY not in stream.getvalue()
