"""Secrets (API key, access tokens, KV data) never reach logs, reprs or exception text."""

from __future__ import annotations

import logging
import pickle
from typing import Any

import pytest

from terrateam_core import (
    KVConflictError,
    RetryPolicy,
    TerrateamClient,
    TerrateamError,
    set_debug_logging,
)

SECRET_VALUE = "hunter2-kv-secret-value"


def _everything(client: TerrateamClient, emulator: Any) -> list[BaseException]:
    """Exercise success and failure paths; return the exceptions raised."""
    caught: list[BaseException] = []
    client.kv.set("secret/k", {"password": SECRET_VALUE, "note": SECRET_VALUE})
    client.kv.get("secret/k")
    list(client.kv.iter("secret/", prefix=True))
    created = client.access_tokens.create("leak-check", ["kv_store_read"])
    caught_repr = [repr(created), str(created), repr(created.refresh_token)]
    for call in (
        lambda: client.kv.cas("secret/k", 1),
        lambda: client.kv.get("missing"),
        lambda: client.stacks.get(1, 1),
    ):
        try:
            call()
        except TerrateamError as exc:
            caught.append(exc)
    emulator.admin.advance_clock(61)  # force a 403 → refresh → retry
    client.whoami()
    assert created.id is not None
    client.access_tokens.delete(created.id)
    with TerrateamClient(
        created.refresh_token.get_secret_value(),
        base_url=emulator.url,
        retry_policy=RetryPolicy(sleep=lambda _s: None),
    ) as revoked:
        try:
            revoked.whoami()
        except TerrateamError as exc:
            caught.append(exc)
    client._leak_check_reprs = caught_repr  # type: ignore[attr-defined]
    return caught


def test_no_secret_in_debug_logs_reprs_or_errors(
    emulator: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """At DEBUG on every logger (ours, httpx, httpcore) no key, token or KV value appears."""
    caplog.set_level(logging.DEBUG)
    handler = set_debug_logging()
    try:
        with TerrateamClient(
            emulator.api_key,
            base_url=emulator.url,
            installation_id=emulator.installation_id,
            retry_policy=RetryPolicy(sleep=lambda _s: None),
        ) as client:
            errors = _everything(client, emulator)
            token = client.get_access_token()
            texts = [
                caplog.text,
                repr(client),
                repr(client.settings),
                repr(client.auth),
                *client._leak_check_reprs,  # type: ignore[attr-defined]
            ]
    finally:
        logging.getLogger("terrateam_core").removeHandler(handler)
        logging.getLogger("terrateam_core").setLevel(logging.NOTSET)
    assert any(isinstance(e, KVConflictError) for e in errors)
    assert len(errors) == 4
    for exc in errors:
        texts += [str(exc), repr(exc), repr(exc.__dict__), str(pickle.loads(pickle.dumps(exc)))]
    assert "GET /api/v1/whoami -> 200" in caplog.text  # the INFO line is there
    assert "[redacted]" in caplog.text or "chars>" in caplog.text
    for text in texts:
        assert emulator.api_key not in text
        assert token not in text
        assert SECRET_VALUE not in text
        assert "eyJ" not in text  # no JWT of any kind


def test_kv_data_logged_only_when_asked(emulator: Any, caplog: pytest.LogCaptureFixture) -> None:
    """log_kv_data=True opts in to KV data at DEBUG (tokens stay redacted)."""
    caplog.set_level(logging.DEBUG, logger="terrateam_core")
    with TerrateamClient(
        emulator.api_key,
        base_url=emulator.url,
        installation_id=emulator.installation_id,
        log_kv_data=True,
    ) as client:
        client.kv.set("visible", "plain-value")
    assert "plain-value" in caplog.text
    assert emulator.api_key not in caplog.text
