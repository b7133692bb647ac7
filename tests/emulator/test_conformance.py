"""`terrateam-emulator conformance` over real loopback sockets (docs/conformance.md).

Against the emulator every rule passes; against an emulator altered by an ASGI wrapper (an
expired token answered 401, a paraphrased parse error) exactly those rules differ, both answers
are printed, and the exit status is 1. The runner never prints the API key or a token, writes
nothing without ``--writes`` and deletes what it wrote with it.
"""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from terrateam_emulator import conformance
from terrateam_emulator.__main__ import build_parser
from terrateam_emulator.__main__ import main as emulator_main
from terrateam_emulator.server import app as _app
from terrateam_emulator.server.settings import EmulatorSettings
from terrateam_emulator.testing import EmulatorServer

JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


class _Altered:
    """An ASGI wrapper changing two behaviours: a Bearer JWT with ``exp`` refused on whoami
    gets 401 instead of 403, and "Missing closing parentheses." is paraphrased."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.state = app.state  # EmulatorServer.stop() disposes the database through it

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        messages: list[Any] = []

        async def capture(message: Any) -> None:
            messages.append(message)

        await self.app(scope, receive, capture)
        start, body = messages[0], b"".join(m.get("body", b"") for m in messages[1:])
        status = start["status"]
        auth = dict(scope["headers"]).get(b"authorization", b"").decode()
        if scope["path"] == "/api/v1/whoami" and status == 403 and _has_exp(auth):
            status = 401
        body = body.replace(b"Missing closing parentheses.", b"Missing closing parenthesis.")
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _has_exp(authorization: str) -> bool:
    parts = authorization.removeprefix("Bearer ").split(".")
    if len(parts) != 3:
        return False
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return False
    return isinstance(claims, dict) and "exp" in claims


def _start(altered: bool) -> EmulatorServer:
    server = EmulatorServer(EmulatorSettings(seed="demo"))
    if not altered:
        return server.start()
    original = _app.create_app
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_app, "create_app", lambda settings: _Altered(original(settings)))
        return server.start()


@pytest.fixture(scope="module")
def clean() -> Iterator[EmulatorServer]:
    server = _start(altered=False)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def altered() -> Iterator[EmulatorServer]:
    server = _start(altered=True)
    yield server
    server.stop()


def _run(server: EmulatorServer, *extra: str) -> tuple[int, str, str]:
    key = server.admin.info()["demo_api_key"]
    argv = ["conformance", "--base-url", server.url, "--api-key", key, *extra]
    out = io.StringIO()
    code = conformance.main(build_parser().parse_args(argv), out=out)
    return code, out.getvalue(), key


def _lines(output: str, verdict: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(verdict)]


def test_every_rule_passes_against_the_emulator(clean: EmulatorServer) -> None:
    code, output, key = _run(clean, "--installation-id", "12345", "--writes")
    assert code == 0, output
    assert len(_lines(output, "pass ")) == len(conformance.RULES), output
    assert not _lines(output, "differs")
    assert not _lines(output, "skipped")
    assert key not in output
    assert not JWT.search(output)


def test_writes_are_deleted_and_reads_write_nothing(clean: EmulatorServer) -> None:
    admin = clean.admin
    admin.reset_stats()
    code, output, key = _run(clean, "--installation-id", "12345")
    assert code == 0, output
    skipped = _lines(output, "skipped")
    assert skipped
    assert all("--writes" in line for line in skipped)
    methods = {route.split(" ", 1)[0] for route in admin.stats()["requests"]}
    assert not methods & {"PUT", "DELETE"}
    token = httpx.post(
        f"{clean.url}/api/v1/access-token/refresh",
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    ).json()["token"]
    left = httpx.get(
        f"{clean.url}/api/v1/github/kv/12345/iter/conformance-",
        params={"prefix": "true"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert left.json() == {"results": []}  # the earlier --writes run cleaned up


def test_without_installation_the_installation_rules_are_skipped(clean: EmulatorServer) -> None:
    code, output, _ = _run(clean)
    assert code == 0
    assert "skipped  §6.3 q   `)` → PARSE_ERROR (needs --installation-id)" in output


def test_an_altered_server_is_reported_and_fails(altered: EmulatorServer) -> None:
    code, output, key = _run(altered, "--installation-id", "12345")
    assert code == 1, output
    differs = _lines(output, "differs")
    assert [d.split()[1] for d in differs] == ["§1.3", "§6.3"], output
    text = output.split("differs  §6.3 q   `(repo:x`", 1)[1]
    assert 'expected: 400, application/json, body \'{"data":"Missing closing parentheses."' in text
    assert 'actual:   400, application/json, body \'{"data":"Missing closing parenthesis."' in text
    expiry = output.split("differs  §1.3", 1)[1]
    assert "expected: 403, no Content-Type, body ''" in expiry
    assert "actual:   401" in expiry
    assert key not in output
    assert not JWT.search(output)
    assert "2 differ," in output


def test_cli_subcommand_exit_status_and_usage_errors(
    clean: EmulatorServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = clean.admin.info()["demo_api_key"]
    argv = ["conformance", "--base-url", clean.url]
    assert emulator_main([*argv, "--api-key", key]) == 0
    captured = capsys.readouterr()
    assert "conformance of" in captured.out
    assert key not in captured.out + captured.err
    monkeypatch.delenv("TERRATEAM_API_KEY", raising=False)
    assert emulator_main(argv) == 2
    assert "--api-key (or TERRATEAM_API_KEY) is required" in capsys.readouterr().err
    bad_url = ["conformance", "--base-url", "localhost:1", "--api-key", key]
    assert emulator_main(bad_url) == 2
    assert "--base-url must start with http:// or https://" in capsys.readouterr().err
