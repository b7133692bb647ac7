"""Benchmark: emulator KV get/set throughput and latency vs GET /health (prints figures).

Runs ``terrateam-emulator serve`` (SQLite file database, demo seed) in a subprocess and loads
it with 1, 16 and 64 concurrent keep-alive clients. Every
figure is also given as a ratio to ``GET /health`` measured in the same run on the same
server. Load comes from one asyncio process with minimal raw HTTP/1.1 clients (so the
figures measure the server). Not a test: nothing passes or fails.
Usage: ``python bench/emulator_kv.py [--seconds 3] [--db sqlite://]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

KV = "/api/v1/github/kv/12345"


def start_server(tmp: Path, db: str | None) -> tuple[subprocess.Popen[bytes], str, str]:
    """Start the emulator in a subprocess; return (process, base URL, demo API key)."""
    port_file, key_file = tmp / "port", tmp / "key"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "terrateam_emulator",
            "serve",
            "--db",
            db or f"sqlite:///{tmp / 'bench.db'}",
            "--seed",
            "demo",
            "--token-ttl",
            "3600",
            "--port-file",
            str(port_file),
            "--api-key-file",
            str(key_file),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not (key_file.exists() and port_file.exists() and key_file.read_text().strip()):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("emulator did not start")
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port_file.read_text().strip()}"
    while True:
        try:
            httpx.get(url + "/health")
            break
        except httpx.TransportError:
            time.sleep(0.05)
    return proc, url, key_file.read_text().strip()


class RawClient:
    """A minimal keep-alive HTTP/1.1 client on asyncio streams: cheap enough that the figures
    measure the server, not the load generator."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port, self.token = host, port, token
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> int:
        """Send one request, read the whole answer, return the status."""
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n"
            f"Authorization: Bearer {self.token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        writer.write(head.encode() + body)
        status = int((await reader.readline()).split()[1])
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        await reader.readexactly(length)
        return status


Op = Callable[[RawClient, int], Awaitable[None]]


async def _load(url: str, token: str, clients: int, seconds: float, op: Op) -> tuple[float, ...]:
    host, port = url.removeprefix("http://").split(":")
    conns = [RawClient(host, int(port), token) for _ in range(clients)]
    for n, c in enumerate(conns):
        await op(c, n)  # open and warm every connection first
    latencies: list[float] = []
    stop_at = time.perf_counter() + seconds

    async def worker(n: int, c: RawClient) -> None:
        i = 0
        while time.perf_counter() < stop_at:
            t0 = time.perf_counter()
            await op(c, n * 1_000_000 + i)
            latencies.append(time.perf_counter() - t0)
            i += 1

    t_begin = time.perf_counter()
    await asyncio.gather(*(worker(n, c) for n, c in enumerate(conns)))
    elapsed = time.perf_counter() - t_begin
    for c in conns:
        if c.streams is not None:
            c.streams[1].close()
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    return len(latencies) / elapsed, p50, p99


def run_load(url: str, token: str, clients: int, seconds: float, op: Op) -> tuple[float, ...]:
    """Run ``op`` on ``clients`` concurrent connections for ``seconds``: (req/s, p50, p99 ms)."""
    return asyncio.run(_load(url, token, clients, seconds, op))


async def op_health(c: RawClient, i: int) -> None:
    """GET /health."""
    assert await c.request("GET", "/health") == 200


async def op_get(c: RawClient, i: int) -> None:
    """KV get of one of 100 pre-written keys."""
    assert await c.request("GET", f"{KV}/key/bench/{i % 100}") == 200


async def op_set(c: RawClient, i: int) -> None:
    """KV set of a small JSON object under one of 1000 keys."""
    body = b'{"data":{"n":%d,"s":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}' % i
    assert await c.request("PUT", f"{KV}/key/bench-set/{i % 1000}", body) == 200


def main() -> None:
    """Start the server, warm it, measure, print a table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    parser.add_argument("--clients", default="1,16,64")
    parser.add_argument("--db", default=None, help="database URL (default: a SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        proc, url, key = start_server(Path(d), args.db)
        try:
            token = httpx.post(
                url + "/api/v1/access-token/refresh", headers={"authorization": f"Bearer {key}"}
            ).json()["token"]
            with httpx.Client(base_url=url, headers={"authorization": f"Bearer {token}"}) as c:
                for i in range(100):
                    c.put(f"{KV}/key/bench/{i}", json={"data": {"i": i, "v": "y" * 64}})
            print(
                f"emulator KV benchmark (SQLite file, {os.cpu_count()} CPUs, "
                f"{args.seconds:.0f} s per cell)"
            )
            print(
                f"{'clients':>7} {'op':>6} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'÷health':>8}"
            )
            for clients in [int(x) for x in args.clients.split(",")]:
                base = run_load(url, token, clients, args.seconds, op_health)
                for name, op in (("health", op_health), ("get", op_get), ("set", op_set)):
                    res = (
                        base
                        if name == "health"
                        else run_load(url, token, clients, args.seconds, op)
                    )
                    print(
                        f"{clients:>7} {name:>6} {res[0]:>9.0f} {res[1]:>8.2f} "
                        f"{res[2]:>8.2f} {res[0] / base[0]:>8.2f}"
                    )
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
