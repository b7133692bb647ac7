"""Reliability: concurrent CAS increments land exactly, over a real loopback socket.

The server runs in its own process (``python -m terrateam_emulator serve``) so the 16 client
tasks do not share its interpreter lock.
"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from emu_helpers import KV, bearer, refresh

CLIENTS = 16
INCREMENTS = 100


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A subprocess emulator (memory DB, demo seed): yields (url, demo API key)."""
    tmp: Path = tmp_path_factory.mktemp("served")
    port_file, key_file = tmp / "port", tmp / "key"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "terrateam_emulator",
            "serve",
            "--db",
            "sqlite://",
            "--seed",
            "demo",
            "--port-file",
            str(port_file),
            "--api-key-file",
            str(key_file),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not (key_file.exists() and key_file.read_text().strip()):
            assert proc.poll() is None, "emulator exited"
            assert time.monotonic() < deadline, "emulator did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port_file.read_text().strip()}", key_file.read_text().strip()
    finally:
        proc.terminate()
        proc.wait(10)


class RawClient:
    """A minimal keep-alive HTTP/1.1 client on asyncio streams (httpx costs more CPU than the
    server under test, which would make this test measure the client)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.token = ""
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        """Send one request and return (status, body)."""
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._streams
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n"
            f"Authorization: Bearer {self.token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        writer.write(head.encode() + body)
        status_line = await reader.readline()
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return int(status_line.split()[1]), await reader.readexactly(length)

    async def refresh(self, api_key: str) -> None:
        """Exchange the API key for a fresh access token."""
        self.token = api_key
        status, body = await self.request("POST", "/api/v1/access-token/refresh")
        assert status == 200
        self.token = json.loads(body)["token"]

    def close(self) -> None:
        """Close the connection."""
        if self._streams is not None:
            self._streams[1].close()


async def _increment_loop(url: str, api_key: str, seed: int) -> None:
    rng = random.Random(seed)
    host, port = url.removeprefix("http://").split(":")
    c = RawClient(host, int(port))
    await c.refresh(api_key)
    done = failures = 0
    known: tuple[int, int] | None = None  # (data, version) this client believes current
    try:
        while done < INCREMENTS:
            if known is None:
                status, body = await c.request("GET", KV + "/key/counter")
                if status == 403:  # the 60 s access token expired: refresh, as clients do
                    await c.refresh(api_key)
                    continue
                assert status == 200, status
                rec = json.loads(body)
                known = (rec["data"], rec["version"])
            data, version = known
            payload = json.dumps({"data": data + 1, "version": version}).encode()
            status, body = await c.request("PUT", KV + "/cas/key/counter", payload)
            if status == 200:
                done += 1
                failures = 0
                known = (data + 1, json.loads(body)["version"])
            elif status == 400:  # lost the race: back off with jitter, re-read, retry
                failures += 1
                known = None
                await asyncio.sleep(rng.random() * min(0.01 * failures, 0.2))
            elif status == 403:
                await c.refresh(api_key)
            else:
                raise AssertionError(f"cas answered {status}")
    finally:
        c.close()


async def _run_all(url: str, api_key: str) -> None:
    await asyncio.gather(*(_increment_loop(url, api_key, i) for i in range(CLIENTS)))


def test_16_clients_x_100_cas_increments_is_exactly_1600(served):
    """16 concurrent clients each CAS-increment one key 100 times: the result is exactly 1600."""
    url, api_key = served
    with httpx.Client(base_url=url, headers=bearer(refresh(url, api_key))) as c:
        assert c.put(KV + "/key/counter", json={"data": 0}).status_code == 200
    asyncio.run(_run_all(url, api_key))
    with httpx.Client(base_url=url, headers=bearer(refresh(url, api_key))) as c:
        final = c.get(KV + "/key/counter").json()
    assert final["data"] == CLIENTS * INCREMENTS
    assert final["version"] == CLIENTS * INCREMENTS


async def _race(url: str, token: str) -> list[object]:
    bad: list[object] = []
    done = asyncio.Event()

    async def writer(n: int) -> None:
        async with httpx.AsyncClient(base_url=url, headers=bearer(token)) as c:
            for i in range(60):
                await c.put(KV + "/key/whole", json={"data": {"w": n, "pad": "x" * (i % 7)}})

    async def reader() -> None:
        async with httpx.AsyncClient(base_url=url, headers=bearer(token)) as c:
            while not done.is_set():
                r = await c.get(KV + "/key/whole")
                if r.status_code == 200:
                    rec = r.json()
                    expected = len('{"w": 0, "pad": ""}') + len(rec["data"]["pad"])
                    if rec["size"] != expected:
                        bad.append(rec)

    readers = [asyncio.create_task(reader()) for _ in range(3)]
    await asyncio.gather(*(writer(n) for n in range(4)))
    done.set()
    await asyncio.gather(*readers)
    return bad


def test_concurrent_sets_never_show_half_applied_writes(served):
    """Readers racing writers always see a whole record: data and size agree."""
    url, api_key = served
    assert asyncio.run(_race(url, refresh(url, api_key))) == []
