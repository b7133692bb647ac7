"""One set of connection settings for every component: TERRATEAM_TIMEOUT, _CA_PATH, _VALIDATE_CERTS.

The emulator is put behind a real TLS endpoint (a test CA from trustme, a loopback proxy), so
verification succeeds or fails for the reasons a user behind a private CA would see.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from terrateam_core import TerrateamClient
from terrateam_core.config import request_timeout_from_env, tls_verify_from_env
from terrateam_core.errors import APIConnectionError, ConfigurationError

TERRATEAM = Path(sys.executable).parent / "terrateam"


class TlsFront:
    """A TLS endpoint on loopback that pipes each connection to a plain-HTTP server."""

    def __init__(self, ca: trustme.CA, upstream_port: int) -> None:
        self._upstream_port = upstream_port
        self._ssl = ca.issue_cert("127.0.0.1", "localhost").configure_cert
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self.port = 0
        self._server: asyncio.Server
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TlsFront:
        self._thread.start()
        assert self._ready.wait(10), "the TLS front did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        # Close the listener and cancel every pipe before the loop stops, so no coroutine is
        # left un-awaited (a RuntimeWarning that a later test would inherit as an error).
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _shutdown(self) -> None:
        self._server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._server.wait_closed()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def _run(self) -> None:
        import ssl

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._ssl(context)
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=context)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._upstream_port)
        except OSError:
            writer.close()
            return

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (OSError, asyncio.IncompleteReadError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls(emulator: Any, ca: trustme.CA) -> Iterator[TlsFront]:
    port = int(emulator.url.rsplit(":", 1)[1])
    with TlsFront(ca, port) as front:
        yield front


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TERRATEAM_TIMEOUT", "TERRATEAM_CA_PATH", "TERRATEAM_VALIDATE_CERTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


def _client(emulator: Any, url: str, **kwargs: Any) -> TerrateamClient:
    return TerrateamClient(
        emulator.api_key,
        base_url=url,
        installation_id=emulator.installation_id,
        max_retries=0,
        **kwargs,
    )


@pytest.mark.usefixtures("clean_env")
def test_private_ca_is_refused_without_the_bundle(emulator: Any, tls: TlsFront) -> None:
    with _client(emulator, tls.url) as client, pytest.raises(APIConnectionError):
        client.whoami()


@pytest.mark.usefixtures("clean_env")
def test_ca_path_from_the_environment_verifies_the_server(
    emulator: Any, tls: TlsFront, ca_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TERRATEAM_CA_PATH", str(ca_file))
    with _client(emulator, tls.url) as client:
        client.kv.set("over-tls", {"ok": True})
        assert client.kv.get("over-tls").data == {"ok": True}


@pytest.mark.usefixtures("clean_env")
def test_validate_certs_false_skips_verification_and_explicit_verify_wins(
    emulator: Any, tls: TlsFront, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TERRATEAM_VALIDATE_CERTS", "false")
    with _client(emulator, tls.url) as client:
        assert client.whoami().id
    with _client(emulator, tls.url, verify=True) as client, pytest.raises(APIConnectionError):
        client.whoami()


@pytest.mark.usefixtures("clean_env")
def test_ca_path_argument_takes_a_path(emulator: Any, tls: TlsFront, ca_file: Path) -> None:
    # The Ansible collection passes its ca_path option this way.
    with _client(emulator, tls.url, verify=str(ca_file)) as client:
        assert client.whoami().id


@pytest.mark.usefixtures("clean_env")
def test_timeout_from_the_environment_replaces_only_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TERRATEAM_TIMEOUT", "7.5")
    with TerrateamClient("k", base_url="http://127.0.0.1:9") as client:
        assert client._http.timeout.read == 7.5
    with TerrateamClient("k", base_url="http://127.0.0.1:9", timeout=3) as client:
        assert client._http.timeout.read == 3


@pytest.mark.parametrize(
    ("name", "value", "setting"),
    [
        ("TERRATEAM_TIMEOUT", "soon", "timeout"),
        ("TERRATEAM_TIMEOUT", "0", "timeout"),
        ("TERRATEAM_VALIDATE_CERTS", "maybe", "validate_certs"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str, setting: str) -> None:
    env = {name: value}
    with pytest.raises(ConfigurationError) as info:
        request_timeout_from_env(env) if setting == "timeout" else tls_verify_from_env(env)
    assert name in str(info.value)
    assert info.value.setting == setting


@pytest.mark.usefixtures("clean_env")
def test_missing_bundle_is_a_configuration_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TERRATEAM_CA_PATH", str(tmp_path / "nope.pem"))
    with pytest.raises(ConfigurationError) as info:
        TerrateamClient("k", base_url="https://127.0.0.1:9")
    assert "TERRATEAM_CA_PATH" in str(info.value)
    assert info.value.setting == "ca_path"


def _terrateam(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TERRATEAM), *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("TERRATEAM_", "TTM_"))}
    env.update(
        TERRATEAM_CONFIG_FILE=str(tmp_path / "config.toml"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        NO_COLOR="1",
    )
    return env


def test_cli_reads_the_same_variables(
    emulator: Any, tls: TlsFront, ca_file: Path, cli_env: dict[str, str]
) -> None:
    if not TERRATEAM.exists():
        pytest.skip(f"console script not installed at {TERRATEAM}")
    cli_env.update(
        TERRATEAM_BASE_URL=tls.url,
        TERRATEAM_API_KEY=emulator.api_key,
        TERRATEAM_INSTALLATION_ID=str(emulator.installation_id),
        TERRATEAM_MAX_RETRIES="0",
    )
    refused = _terrateam(cli_env, "whoami", "-o", "json")
    assert refused.returncode != 0
    assert "Traceback" not in refused.stderr

    cli_env.update(TERRATEAM_CA_PATH=str(ca_file), TERRATEAM_TIMEOUT="12")
    ok = _terrateam(cli_env, "whoami", "-o", "json")
    assert ok.returncode == 0, ok.stderr
    listed = json.loads(_terrateam(cli_env, "config", "list", "-o", "json").stdout)
    assert listed["timeout"] == {"value": "12", "source": "TERRATEAM_TIMEOUT"}
    assert listed["ca_path"] == {"value": str(ca_file), "source": "TERRATEAM_CA_PATH"}
    assert listed["validate_certs"]["source"] == "default (true)"

    cli_env["TERRATEAM_CA_PATH"] = str(ca_file) + ".missing"
    bad = _terrateam(cli_env, "whoami")
    assert bad.returncode == 1
    assert "TERRATEAM_CA_PATH" in bad.stderr
    assert "Traceback" not in bad.stderr
