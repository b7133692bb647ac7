"""Hostile data from a server or in the store (issue 16): lying artifact manifests, deeply
nested KV values, error bodies echoing secrets, and API keys sent over plain http."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest_client import CannedServer

from terrateam_core import TerrateamClient
from terrateam_core._calls.artifacts_format import generation_key
from terrateam_core.errors import APIStatusError, ArtifactError, ChecksumMismatchError

TERRATEAM = Path(sys.executable).parent / "terrateam"
TOKEN = "canned-access-token-ABCDEFGH12345678"


@pytest.fixture
def client(emulator):  # type: ignore[no-untyped-def]
    with TerrateamClient(
        emulator.api_key, base_url=emulator.url, installation_id=emulator.installation_id
    ) as c:
        yield c


def _kv_gets(emulator) -> int:  # type: ignore[no-untyped-def]
    return sum(n for k, n in emulator.admin.stats()["requests"].items() if k.startswith("GET"))


# -- lying manifests -------------------------------------------------------------------------


def _lie(client: TerrateamClient, **fields: int) -> None:
    """Publish a real 50-chunk artifact, then rewrite its manifest with ``fields``."""
    client.kv.put_artifact("builds/app", os.urandom(50 * 1024), chunk_size=1024)
    record = client.kv.get("builds/app")
    client.kv.set("builds/app", {**record.data, **fields})


def test_manifest_whose_counts_disagree_fails_before_any_chunk(emulator, client, tmp_path):  # type: ignore[no-untyped-def]
    _lie(client, size=10, chunks=32_768)
    emulator.admin.reset_stats()
    with pytest.raises(ArtifactError, match="malformed artifact manifest"):
        client.kv.get_artifact("builds/app", tmp_path / "out")
    assert _kv_gets(emulator) == 1  # the manifest only
    assert list(tmp_path.iterdir()) == []


def test_manifest_whose_size_lies_fails_at_the_first_chunk(emulator, client, tmp_path):  # type: ignore[no-untyped-def]
    """Consistent counts but 1-byte chunks claimed: the first 1 KiB chunk ends the read."""
    _lie(client, size=50, chunk_size=1, chunks=50)
    emulator.admin.reset_stats()
    with pytest.raises(ChecksumMismatchError, match="chunk 0 holds 1024 bytes"):
        client.kv.get_artifact("builds/app", tmp_path / "out", concurrency=1)
    assert _kv_gets(emulator) <= 3  # manifest, chunk 0, at most one more in flight
    assert list(tmp_path.iterdir()) == []
    assert client.kv.get_or_none(generation_key("builds/app", "x")) is None  # sanity


# -- deeply nested values --------------------------------------------------------------------


def _nested(depth: int) -> object:
    value: object = {"leaf": True}
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


@pytest.mark.parametrize("depth", [300, 600])
@pytest.mark.parametrize("command", ["get", "iter"])
def test_kv_get_and_iter_print_deeply_nested_values(depth: int, command: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Served by a canned server (the emulator's own nesting limit is not under test here)."""
    value = _nested(depth)
    record = {"key": "deep", "idx": 0, "data": value, "committed": True, "version": 1,
              "size": 1, "created_at": "2026-01-01T00:00:00Z"}  # fmt: skip

    def answer(method: str, path: str, body: bytes) -> tuple[int, bytes]:
        if "/iter" in path:
            return 200, json.dumps({"results": [record]}).encode()
        return 200, json.dumps(record).encode()

    with CannedServer(answer) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TERRATEAM_", "TTM_"))}
        env.update(TERRATEAM_ACCESS_TOKEN=TOKEN, TERRATEAM_BASE_URL=server.url,
                   TERRATEAM_INSTALLATION_ID="1",
                   TERRATEAM_CONFIG_FILE=str(tmp_path / "c.toml"),
                   TERRATEAM_TOKEN_CACHE="0")  # fmt: skip
        proc = subprocess.run([str(TERRATEAM), "kv", command, "deep"], env=env,
                              capture_output=True, text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "internal error" not in proc.stderr
    printed = json.loads(proc.stdout)
    assert printed == ([value] if command == "iter" else value)


# -- error excerpts never echo secrets -------------------------------------------------------


def test_error_excerpt_never_echoes_request_secrets() -> None:
    """A buggy server echoing the request (credential, KV data) into its error body."""
    secret_value = "hunter2-db-password"

    def answer(method: str, path: str, body: bytes) -> tuple[int, bytes]:
        echo = {"error": "bad request", "you_sent": body.decode(), "auth": f"Bearer {TOKEN}",
                "raw": TOKEN}  # fmt: skip
        return 400, json.dumps(echo).encode()

    with (
        CannedServer(answer) as server,
        TerrateamClient(
            access_token=TOKEN, base_url=server.url, installation_id=1, max_retries=0
        ) as client,
        pytest.raises(APIStatusError) as info,
    ):
        client.kv.set("db", {"password": secret_value, "nested": [secret_value]})
    text = str(info.value) + repr(info.value) + (info.value.body_excerpt or "")
    assert secret_value not in text
    assert TOKEN not in text
    assert "bad request" in text  # the excerpt is still useful


def test_refresh_error_excerpt_never_echoes_the_api_key() -> None:
    api_key = "plain-api-key-not-a-jwt-0123456789"

    def answer(method: str, path: str, body: bytes) -> tuple[int, bytes]:
        return 500, json.dumps({"error": f"cannot parse key {api_key}"}).encode()

    with (
        CannedServer(answer) as server,
        TerrateamClient(
            api_key=api_key, base_url=server.url, installation_id=1, max_retries=0
        ) as client,
        pytest.raises(APIStatusError) as info,
    ):
        client.whoami()
    assert api_key not in str(info.value) + (info.value.body_excerpt or "")
    assert "cannot parse key" in (info.value.body_excerpt or "")


# -- API keys over plain http ----------------------------------------------------------------


def test_api_key_over_plain_http_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    from terrateam_core import _client_common

    _client_common._WARNED_HOSTS.discard("api.example.invalid")
    caplog.set_level(logging.WARNING, logger="terrateam_core")
    for _ in range(2):
        TerrateamClient(api_key="k" * 20, base_url="http://api.example.invalid").close()
    warnings = [r for r in caplog.records if "plain http://" in r.getMessage()]
    assert len(warnings) == 1
    assert "api.example.invalid" in warnings[0].getMessage()
    assert "k" * 20 not in caplog.text


@pytest.mark.parametrize(
    "url",
    [
        "https://api.example.invalid",
        "http://127.0.0.1:8080",
        "http://localhost:1",
        "http://[::1]:9",
    ],
)
def test_no_warning_over_https_or_loopback(url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="terrateam_core")
    TerrateamClient(api_key="k" * 20, base_url=url).close()
    assert "plain http://" not in caplog.text


def test_cli_warns_on_stderr(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TERRATEAM_", "TTM_"))}
    env.update(TERRATEAM_API_KEY="k" * 20, TERRATEAM_BASE_URL="http://192.0.2.1",
               TERRATEAM_TOTAL_TIMEOUT="1", TERRATEAM_MAX_RETRIES="0",
               TERRATEAM_CONFIG_FILE=str(tmp_path / "c.toml"),
               TERRATEAM_TOKEN_CACHE="0")  # fmt: skip
    proc = subprocess.run([str(TERRATEAM), "whoami"], env=env, capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert proc.returncode != 0
    assert proc.stderr.count("plain http://") == 1, proc.stderr
    assert "k" * 20 not in proc.stderr
