"""Benchmark: emulator KV get/set throughput and latency vs GET /health (prints figures).

Runs ``terrateam-emulator serve`` (SQLite file database, demo seed) in a subprocess and loads
it from a thread pool of keep-alive httpx clients at 1, 16 and 64 concurrent clients. Every
figure is also given as a ratio to ``GET /health`` measured in the same run on the same
server. Not a test: nothing passes or fails. Usage: ``python bench/emulator_kv.py [--seconds 3]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

KV = "/api/v1/github/kv/12345"


def start_server(tmp: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    """Start the emulator in a subprocess; return (process, base URL, demo API key)."""
    port_file, key_file = tmp / "port", tmp / "key"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "terrateam_emulator",
            "serve",
            "--db",
            f"sqlite:///{tmp / 'bench.db'}",
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


def run_load(
    url: str, token: str, clients: int, seconds: float, op: Callable[[httpx.Client, int], None]
) -> tuple[float, float, float]:
    """Run ``op`` from ``clients`` threads for ``seconds``; return (req/s, p50 ms, p99 ms)."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def worker(n: int) -> None:
        with httpx.Client(
            base_url=url, headers={"authorization": f"Bearer {token}"}, timeout=60
        ) as c:
            op(c, n)  # warm the connection
            start.wait()
            mine = latencies[n]
            i = 0
            while time.perf_counter() < stop_at[0]:
                t0 = time.perf_counter()
                op(c, n * 1_000_000 + i)
                mine.append(time.perf_counter() - t0)
                i += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    stop_at[0] = time.perf_counter() + seconds + 0.05
    t_begin = time.perf_counter()
    start.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t_begin
    flat = sorted(x for lst in latencies for x in lst)
    p50 = statistics.median(flat) * 1000
    p99 = flat[min(len(flat) - 1, int(len(flat) * 0.99))] * 1000
    return len(flat) / elapsed, p50, p99


def op_health(c: httpx.Client, i: int) -> None:
    """GET /health."""
    c.get("/health").raise_for_status()


def op_get(c: httpx.Client, i: int) -> None:
    """KV get of one of 100 pre-written keys."""
    c.get(f"{KV}/key/bench/{i % 100}").raise_for_status()


def op_set(c: httpx.Client, i: int) -> None:
    """KV set of a small JSON object under one of 1000 keys."""
    c.put(f"{KV}/key/bench-set/{i % 1000}", json={"data": {"n": i, "s": "x" * 32}})


def main() -> None:
    """Start the server, warm it, measure, print a table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    parser.add_argument("--clients", default="1,16,64")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        proc, url, key = start_server(Path(d))
        try:
            token = httpx.post(
                url + "/api/v1/access-token/refresh", headers={"authorization": f"Bearer {key}"}
            ).json()["token"]
            with httpx.Client(base_url=url, headers={"authorization": f"Bearer {token}"}) as c:
                for i in range(100):
                    c.put(f"{KV}/key/bench/{i}", json={"data": {"i": i, "v": "y" * 64}})
            print(f"emulator KV benchmark (SQLite file, {os.cpu_count()} CPUs, "
                  f"{args.seconds:.0f} s per cell)")
            print(f"{'clients':>7} {'op':>6} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
                  f"{'÷health':>8}")
            for clients in [int(x) for x in args.clients.split(",")]:
                base = run_load(url, token, clients, args.seconds, op_health)
                for name, op in (("health", op_health), ("get", op_get), ("set", op_set)):
                    res = base if name == "health" else run_load(
                        url, token, clients, args.seconds, op
                    )
                    print(f"{clients:>7} {name:>6} {res[0]:>9.0f} {res[1]:>8.2f} "
                          f"{res[2]:>8.2f} {res[0] / base[0]:>8.2f}")
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
