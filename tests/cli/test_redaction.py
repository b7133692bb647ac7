"""Secrets never reach the CLI's output: not the API key, not access tokens, even with --debug."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from terrateam_core.cli._errors import redact, report_error

Run = Callable[..., Any]

JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


@pytest.mark.parametrize(
    "argv",
    [
        ["--debug", "whoami"],
        ["--debug", "work-manifests", "list", "--limit", "25"],
        ["--debug", "api-keys", "list"],
        ["--debug", "tasks", "get", "00000000-0000-4000-8000-000000000000"],
    ],
    ids=lambda v: " ".join(v),
)
def test_debug_output_has_no_credentials(cli_proc: Run, live: Any, argv: list[str]) -> None:
    """With --debug (request log on stderr) neither the API key nor any JWT is printed."""
    result = cli_proc(*argv)
    assert result.exit_code in (0, 3), result.stderr
    both = result.stdout + result.stderr
    assert live.api_key not in both
    assert not JWT.search(both)
    assert result.stderr.strip(), "--debug should log something on stderr"


def test_debug_with_rejected_key_shows_no_key(
    cli_proc: Run, live: Any, cli_env: dict[str, str]
) -> None:
    """A revoked/invalid key is an auth error (exit 2) and the key is not echoed back."""
    bad = live.api_key[:-6] + ("AAAAAA" if not live.api_key.endswith("AAAAAA") else "BBBBBB")
    cli_env["TERRATEAM_API_KEY"] = bad
    result = cli_proc("--debug", "whoami")
    assert result.exit_code == 2, result.stderr
    assert bad not in result.stdout + result.stderr
    assert not JWT.search(result.stdout + result.stderr)
    assert "hint:" in result.stderr


def test_error_without_debug_is_one_line_and_hint(
    cli: Run, live: Any, cli_env: dict[str, str]
) -> None:
    """Without --debug an auth failure is one error line plus one hint line, no traceback."""
    cli_env["TERRATEAM_API_KEY"] = "not-a-valid-key-at-all"
    result = cli("whoami")
    assert result.exit_code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("terrateam: ")
    assert lines[1].startswith("hint: ")
    assert "not-a-valid-key-at-all" not in result.stderr


def test_unreachable_server_exits_5(cli: Run, cli_env: dict[str, str]) -> None:
    """A server that refuses connections is exit 5 with a hint about --base-url."""
    cli_env.update(TERRATEAM_BASE_URL="http://127.0.0.1:9", TERRATEAM_API_KEY="k-0123456789")
    result = cli("server", "config")
    assert result.exit_code == 5
    assert "--base-url" in result.stderr


def test_redact_removes_env_keys_and_jwts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's own last-line redaction strips configured keys and anything JWT-shaped."""
    monkeypatch.setenv("TERRATEAM_API_KEY", "super-secret-value")
    text = redact("key super-secret-value token eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl end")
    assert "super-secret-value" not in text
    assert "eyJ" not in text
    assert text.startswith("key [REDACTED] token [REDACTED] end")


def test_report_error_traceback_only_with_debug(capsys: pytest.CaptureFixture[str]) -> None:
    """An unexpected exception prints a traceback only in debug mode; exit code 5."""
    import io

    with pytest.raises(RuntimeError) as info:
        raise RuntimeError("boom")
    quiet, loud = io.StringIO(), io.StringIO()
    assert report_error(info.value, debug=False, stream=quiet) == 5
    assert report_error(info.value, debug=True, stream=loud) == 5
    assert "Traceback" not in quiet.getvalue()
    assert "internal error (RuntimeError): boom" in quiet.getvalue()
    assert "Traceback" in loud.getvalue()
