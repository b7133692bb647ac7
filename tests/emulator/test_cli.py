"""`terrateam-emulator serve` / `python -m terrateam_emulator` as a user runs it."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from emu_helpers import KV, bearer, refresh

from terrateam_emulator.__main__ import build_parser


def start(tmp: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    """Start the CLI with a port file; return the process and its base URL."""
    port_file = tmp / "port"
    proc = subprocess.Popen(
        [sys.executable, "-m", "terrateam_emulator", "serve", "--port-file", str(port_file), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not (port_file.exists() and port_file.read_text().strip()):
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read() if proc.stderr else "exited")
        assert time.monotonic() < deadline
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port_file.read_text().strip()}"
    while True:
        try:
            httpx.get(url + "/health")
            return proc, url
        except httpx.TransportError:
            time.sleep(0.05)


def stop(proc: subprocess.Popen[str]) -> str:
    """Stop the process and return its stdout."""
    proc.terminate()
    out, _ = proc.communicate(timeout=10)
    return out


def test_parser_has_every_flag_of_the_issue():
    """serve accepts all the flags of issue 2, with the documented defaults."""
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.token_ttl) == ("127.0.0.1", 0, 60.0)
    assert (args.edition, args.select_mode) == ("enterprise", "faithful")
    args = build_parser().parse_args(
        [
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "5",
            "--db",
            "sqlite://",
            "--seed",
            "demo",
            "--token-ttl",
            "10",
            "--edition",
            "oss",
            "--select-mode",
            "intended",
            "--port-file",
            "p",
            "--api-key-file",
            "k",
        ]
    )
    assert (args.port, args.seed, args.edition, args.select_mode) == (5, "demo", "oss", "intended")


def test_serve_demo_prints_url_and_writes_key_file(tmp_path):
    """With --seed demo: URL and key printed, key file written 0600, docs' curl flow works."""
    key_file = tmp_path / "key"
    proc, url = start(
        tmp_path, "--db", "sqlite://", "--seed", "demo", "--api-key-file", str(key_file)
    )
    try:
        key = key_file.read_text().strip()
        assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
        token = refresh(url, key)
        c = httpx.Client(base_url=url, headers=bearer(token))
        assert c.get("/api/v1/whoami").status_code == 200
        assert c.put(KV + "/key/hello", json={"data": "world"}).status_code == 200
        assert c.get(KV + "/key/hello").json()["data"] == "world"
    finally:
        out = stop(proc)
    assert f"listening on {url}" in out
    assert f"TERRATEAM_API_KEY={key}" in out


def test_file_database_persists_and_key_is_deterministic(tmp_path):
    """A SQLite file keeps data across restarts and the demo key stays the same."""
    db = f"sqlite:///{tmp_path / 'emu.db'}"
    key_file = tmp_path / "key"
    proc, url = start(tmp_path, "--db", db, "--seed", "demo", "--api-key-file", str(key_file))
    try:
        key1 = key_file.read_text().strip()
        httpx.put(url + KV + "/key/p", json={"data": 1}, headers=bearer(refresh(url, key1)))
    finally:
        stop(proc)
    (tmp_path / "port").unlink()
    proc, url = start(tmp_path, "--db", db, "--seed", "demo", "--api-key-file", str(key_file))
    try:
        key2 = key_file.read_text().strip()
        assert key2 == key1
        r = httpx.get(url + KV + "/key/p", headers=bearer(refresh(url, key2)))
        assert r.json()["data"] == 1
    finally:
        stop(proc)


def test_seed_file_yaml(tmp_path):
    """--seed FILE loads users, installations, API keys and KV records from YAML."""
    seed = tmp_path / "seed.yaml"
    seed.write_text(
        """
users:
  - username: alice
    github: {username: alice-gh}
installations:
  - {vcs: github, id: 42, name: acme, members: [alice]}
api_keys:
  - {id: 11111111-2222-3333-4444-555555555555, user: alice, name: ci, demo: true,
     capabilities: [{name: vcs, vcs: github}, kv_store_read, kv_store_write]}
kv:
  - {vcs: github, installation_id: 42, key: greeting, data: {hello: world}}
""",
        encoding="utf-8",
    )
    key_file = tmp_path / "key"
    proc, url = start(
        tmp_path, "--db", "sqlite://", "--seed", str(seed), "--api-key-file", str(key_file)
    )
    try:
        token = refresh(url, key_file.read_text().strip())
        r = httpx.get(url + "/api/v1/github/kv/42/key/greeting", headers=bearer(token))
        assert r.json()["data"] == {"hello": "world"}
        gh = httpx.get(url + "/api/v1/github/whoami", headers=bearer(token)).json()
        assert gh == {"username": "alice-gh"}
    finally:
        stop(proc)


@pytest.mark.parametrize("flags", [["--edition", "oss"]])
def test_oss_edition_flag(tmp_path, flags):
    """--edition oss removes the access-token routes."""
    proc, url = start(tmp_path, "--db", "sqlite://", "--seed", "demo", *flags)
    try:
        r = httpx.get(url + "/api/v1/github/access-token")
        assert r.status_code == 404
        assert r.headers["content-type"] == "text/html"
    finally:
        stop(proc)
