"""The developer API answers only its owner (issue 16 item 3), over real loopback sockets.

A browser page cannot use it (text/plain or form POSTs without preflight are refused; DNS
rebinding brings a foreign Host), another machine needs the dev token, and ``--no-dev-api``
removes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from emulator_helpers import Serve, raw_http

JSON = {"content-type": "application/json"}
MINT = '{"name": "evil", "capabilities": ["kv_store_read", "kv_store_write"]}'


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    """One emulator (demo seed, dev token written to a file) for the module."""
    work = tmp_path_factory.mktemp("devguard")
    with Serve(work, "--seed", "demo", "--dev-token-file", str(work / "devtoken")) as s:
        yield s


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded"],
)
def test_browser_simple_post_is_refused(served: Serve, content_type: str | None) -> None:
    """The no-preflight POSTs a web page can send mint nothing: 415 with a reason."""
    headers = {} if content_type is None else {"content-type": content_type}
    r = httpx.post(served.url + "/_emulator/api-keys", content=MINT, headers=headers)
    assert r.status_code == 415
    assert "Content-Type: application/json" in r.json()["error"]
    assert "refresh_token" not in r.text


@pytest.mark.parametrize("path", ["/_emulator/reset", "/_emulator/stats/reset"])
def test_text_plain_cannot_wipe(served: Serve, path: str) -> None:
    """Reset (which wipes the database) needs JSON too."""
    r = httpx.post(served.url + path, content="{}", headers={"content-type": "text/plain"})
    assert r.status_code == 415


def test_json_from_loopback_works(served: Serve) -> None:
    """The owner's own JSON request with a loopback Host is served."""
    r = httpx.post(served.url + "/_emulator/api-keys", content=MINT, headers=JSON)
    assert r.status_code == 200
    assert r.json()["refresh_token"]


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]", "localhost:1", "127.0.0.9:80"])
def test_loopback_host_names_pass(served: Serve, host: str) -> None:
    """127.0.0.1, localhost and [::1], with or without a port."""
    r = httpx.get(served.url + "/_emulator/info", headers={"host": host})
    assert r.status_code == 200
    assert r.json()["demo_api_key"]


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:8080", "10.0.0.1", "127.0.0.1.nip.io"]
)
def test_dns_rebinding_host_is_refused(served: Serve, host: str) -> None:
    """A foreign Host (a rebound DNS name) reads no demo key and mints nothing."""
    r = httpx.get(served.url + "/_emulator/info", headers={"host": host})
    assert r.status_code == 403
    assert "demo_api_key" not in r.text
    assert "X-Emulator-Token" in r.json()["error"]
    r = httpx.post(served.url + "/_emulator/api-keys", content=MINT, headers={**JSON, "host": host})
    assert r.status_code == 403


def test_missing_host_is_refused(served: Serve) -> None:
    """HTTP/1.0 without Host cannot pass the Host check."""
    answer = raw_http(served.port, b"GET /_emulator/info HTTP/1.0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 403")
    assert b"demo_api_key" not in answer


def test_dev_token_admits_any_host_and_type(served: Serve) -> None:
    """The token (written 0600) is the way in for clients that are not loopback."""
    token_file = served.work / "devtoken"
    assert token_file.stat().st_mode & 0o777 == 0o600
    token = token_file.read_text().strip()
    assert len(token) >= 32
    assert token not in served.out()  # loopback bind: written, not printed
    headers = {"host": "emulator.internal:8080", "x-emulator-token": token}
    r = httpx.get(served.url + "/_emulator/info", headers=headers)
    assert r.status_code == 200
    r = httpx.post(served.url + "/_emulator/stats/reset", headers=headers)
    assert r.status_code == 200


@pytest.mark.parametrize("bad", ["wrong", ""])
def test_wrong_token_is_refused(served: Serve, bad: str) -> None:
    """A wrong token is refused even from loopback (it is not silently ignored)."""
    r = httpx.get(served.url + "/_emulator/info", headers={"x-emulator-token": bad})
    assert r.status_code == 403
    assert r.json() == {"error": "wrong X-Emulator-Token"}


def test_no_cors_preflight_is_granted(served: Serve) -> None:
    """OPTIONS (a browser's preflight) gets 404 and no Access-Control-* header."""
    r = httpx.options(
        served.url + "/_emulator/api-keys",
        headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
    )
    assert r.status_code == 404
    assert not any(k.lower().startswith("access-control") for k in r.headers)


def test_blobs_accept_octet_stream_only_with_put(served: Serve) -> None:
    """The raw-bytes baseline keeps working with application/octet-stream."""
    octet = {"content-type": "application/octet-stream"}
    assert (
        httpx.put(served.url + "/_emulator/blobs/b", content=b"x", headers=octet).status_code == 200
    )
    plain = {"content-type": "text/plain"}
    assert (
        httpx.put(served.url + "/_emulator/blobs/b", content=b"x", headers=plain).status_code == 415
    )
    assert (
        httpx.post(served.url + "/_emulator/faults", content="{}", headers=octet).status_code == 415
    )


def test_no_dev_api_is_an_unknown_path(tmp_path: Path) -> None:
    """--no-dev-api: /_emulator/ answers exactly like any unknown path (404 text/html, empty)."""
    with Serve(tmp_path, "--seed", "demo", "--no-dev-api") as s:
        unknown = httpx.get(s.url + "/no/such/path")
        for method, path in [("GET", "/_emulator/info"), ("POST", "/_emulator/api-keys")]:
            r = httpx.request(method, s.url + path, content=MINT, headers=JSON)
            assert (
                (r.status_code, r.headers.get("content-type"), r.content)
                == (
                    unknown.status_code,
                    unknown.headers.get("content-type"),
                    unknown.content,
                )
                == (404, "text/html", b"")
            )
        assert httpx.get(s.url + "/health").status_code == 200


def test_dev_token_file_without_dev_api_is_a_usage_error(tmp_path: Path) -> None:
    """Asking for a token of a disabled API is a one-line error, before anything starts."""
    from emulator_helpers import run_serve

    r = run_serve("--no-dev-api", "--dev-token-file", str(tmp_path / "t"))
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0
    assert "--dev-token-file" in r.stderr
    assert "--no-dev-api" in r.stderr
    assert not (tmp_path / "t").exists()


def test_client_forwarded_by_a_local_proxy_is_not_local(served: Serve) -> None:
    """A local reverse proxy that says X-Forwarded-For: <remote> does not pass a remote
    client off as loopback (uvicorn trusts that header from 127.0.0.1 only)."""
    headers = {"x-forwarded-for": "203.0.113.7"}
    assert httpx.get(served.url + "/_emulator/info", headers=headers).status_code == 403
    local = {"x-forwarded-for": "127.0.0.1"}
    assert httpx.get(served.url + "/_emulator/info", headers=local).status_code == 200


def test_settings_repr_hides_secrets() -> None:
    """The dev token and the signing key stay out of EmulatorSettings' repr."""
    from terrateam_emulator import EmulatorSettings

    text = repr(EmulatorSettings(dev_token="devtok-SECRET", signing_key="sign-SECRET"))
    assert "SECRET" not in text
    assert "dev_api=True" in text


def test_admin_sends_the_token(tmp_path: Path) -> None:
    """EmulatorAdmin(token=…) gets in where only the token does (a foreign Host)."""
    from terrateam_emulator.testing import EmulatorAdmin

    token = "t" * 40
    env = {"TERRATEAM_EMULATOR_DEV_TOKEN": token}
    with Serve(tmp_path, "--seed", "demo", env=env) as s:
        foreign = {"host": "emulator.internal"}
        admin = EmulatorAdmin(s.url, token=token)
        admin._http.headers.update(foreign)
        assert admin.info()["demo_api_key"]
        admin.reset_stats()
        admin.close()
        anonymous = EmulatorAdmin(s.url)
        anonymous._http.headers.update(foreign)
        with pytest.raises(RuntimeError, match="403"):
            anonymous.info()
        anonymous.close()
