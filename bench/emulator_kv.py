"""Benchmark: emulator KV get/set throughput and latency, SQLite vs PostgreSQL (prints figures).

Runs ``terrateam-emulator serve`` (demo seed) in a subprocess per backend and loads it with
concurrent keep-alive clients (default 1, 16 and 64). Backends (``--backends``): ``sqlite`` (a
SQLite file, 1 worker), ``pgN`` (PostgreSQL with N uvicorn workers; default 1, 2 and 4) on a
private cluster this script starts with ``scripts/pg.sh`` and stops at the end (PostgreSQL is
skipped, with one line, when its server programs are not installed). Every figure is given as a
ratio to ``GET /health`` on the same server, and to the SQLite figure of the same cell
(throughput ÷ SQLite, p99 ÷ SQLite), all in one run. Load comes from one asyncio process with
minimal raw HTTP/1.1 clients (so the figures measure the server). Not a test.
All servers run at once and every cell is measured on each backend in turn, ``--rounds``
times (median kept), so load from other jobs hits all backends alike.
Usage: ``python bench/emulator_kv.py [--seconds 2] [--rounds 3] [--clients 1,16,64]
[--backends sqlite,pg1,pg2,pg4] [--ops health,get,set] [--db URL] [--json PATH]`` (``--db``
measures that one database only; ``--json`` writes the figures ``emulator_pg_ratio`` and
``emulator_kv_throughput`` through ``bench/_results.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from _results import Figure, write_results

KV = "/api/v1/github/kv/12345"


REPO = Path(__file__).resolve().parents[1]


def start_server(
    tmp: Path, db: str | None, workers: int = 1
) -> tuple[subprocess.Popen[bytes], str, str]:
    """Start the emulator in a subprocess; return (process, base URL, demo API key)."""
    port_file, key_file = tmp / "port", tmp / "key"
    port_file.unlink(missing_ok=True)
    key_file.unlink(missing_ok=True)
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
            "--workers",
            str(workers),
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


OPS: dict[str, Op] = {"health": op_health, "get": op_get, "set": op_set}


def free_port() -> int:
    """A free loopback TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def new_pg_database(base: str, name: str) -> str:
    """Create database ``name`` on the cluster of ``base``; return its URL."""
    import sqlalchemy as sa

    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return sa.make_url(base).set(database=name).render_as_string(hide_password=False)


Cell = tuple[float, ...]


def prepare(tmp: Path, db: str | None, workers: int) -> tuple[subprocess.Popen[bytes], str, str]:
    """Start one server in ``tmp`` and write the keys the gets read: (process, URL, token)."""
    tmp.mkdir(parents=True, exist_ok=True)
    proc, url, key = start_server(tmp, db, workers)
    try:
        token = httpx.post(
            url + "/api/v1/access-token/refresh", headers={"authorization": f"Bearer {key}"}
        ).json()["token"]
        with httpx.Client(base_url=url, headers={"authorization": f"Bearer {token}"}) as c:
            for i in range(100):
                c.put(f"{KV}/key/bench/{i}", json={"data": {"i": i, "v": "y" * 64}})
    except BaseException:
        proc.terminate()
        raise
    return proc, url, str(token)


def measure(
    servers: dict[str, tuple[str, str]],
    clients: list[int],
    ops: list[str],
    seconds: float,
    rounds: int,
) -> dict[str, dict[tuple[int, str], Cell]]:
    """Measure every cell on every server, interleaved, ``rounds`` times; keep the median.

    All servers stay up, idle when not measured, and each cell is measured on every backend
    in turn (the order reversed every other round), so a burst of load from other jobs on the
    machine hits every backend alike instead of one backend's whole series.
    """
    runs: dict[str, dict[tuple[int, str], list[Cell]]] = {b: {} for b in servers}
    for r in range(rounds):
        order = list(servers) if r % 2 == 0 else list(reversed(servers))
        for n in clients:
            for name in ops:
                for backend in order:
                    url, token = servers[backend]
                    cell = run_load(url, token, n, seconds, OPS[name])
                    runs[backend].setdefault((n, name), []).append(cell)
    out: dict[str, dict[tuple[int, str], Cell]] = {}
    for backend, cells in runs.items():
        out[backend] = {}
        for key, values in cells.items():
            values.sort()
            out[backend][key] = values[len(values) // 2]  # the median round by throughput
    return out


def pg_bindir() -> Path | None:
    """Debian's PostgreSQL server programs (``initdb``, ``pg_ctl``), or None when not installed."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    for d in reversed(found):
        if (d / "initdb").exists() and (d / "pg_ctl").exists():
            return d
    return None


def figures(results: dict[str, dict[tuple[int, str], Cell]], clients: list[int]) -> list[Figure]:
    """The charted figures: PostgreSQL 4 workers ÷ SQLite, and KV get req/s per configuration."""
    ratio = Figure(
        id="emulator_pg_ratio",
        title="Emulator KV get throughput: PostgreSQL 4 workers ÷ SQLite 1 worker",
        x_label="concurrent clients",
        y_label="throughput ratio",
        goal=1.0,
        goal_side="above",
        x_log=True,
        note="one run, both servers on the same 2-core machine as their clients",
    )
    sqlite, pg4 = results.get("sqlite"), results.get("pg4")
    if sqlite and pg4:
        for op in ("get", "set", "health"):
            pts = [
                (float(n), pg4[(n, op)][0] / sqlite[(n, op)][0])
                for n in clients
                if (n, op) in pg4 and (n, op) in sqlite
            ]
            if pts:
                ratio.series[f"KV {op}" if op != "health" else "GET /health"] = pts
    throughput = Figure(
        id="emulator_kv_throughput",
        title="Emulator KV get throughput by configuration",
        x_label="concurrent clients",
        y_label="requests per second",
        x_log=True,
    )
    for backend, cells in results.items():
        label = {"sqlite": "SQLite, 1 worker"}.get(backend, backend)
        if backend.startswith("pg") and backend[2:].isdigit():
            n = int(backend[2:])
            label = f"PostgreSQL, {n} worker{'s' if n > 1 else ''}"
        throughput.series[label] = [
            (float(n), cells[(n, "get")][0]) for n in clients if (n, "get") in cells
        ]
    return [ratio, throughput]


def main() -> None:
    """Start the servers (and a PostgreSQL cluster), measure, print one table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="median of this many runs")
    parser.add_argument("--clients", default="1,16,64")
    parser.add_argument("--backends", default="sqlite,pg1,pg2,pg4")
    parser.add_argument("--ops", default="health,get,set", help="subset of health,get,set")
    parser.add_argument("--db", default=None, help="measure this database URL only")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    args = parser.parse_args()
    clients = [int(x) for x in args.clients.split(",")]
    ops = [o for o in args.ops.split(",") if o]
    backends = ["custom"] if args.db else args.backends.split(",")
    if any(b.startswith("pg") for b in backends) and pg_bindir() is None:
        print("emulator_kv: PostgreSQL (initdb/pg_ctl) is not installed: measuring SQLite only")
        backends = [b for b in backends if not b.startswith("pg")]
    results: dict[str, dict[tuple[int, str], Cell]] = {}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        os.chmod(tmp, 0o755)  # scripts/pg.sh runs the cluster as 'postgres' when root
        pg_dir, pg_base = tmp / "pg", None
        servers: dict[str, tuple[str, str]] = {}
        procs: list[subprocess.Popen[bytes]] = []
        try:
            if any(b.startswith("pg") for b in backends):
                pg_base = subprocess.run(
                    [str(REPO / "scripts" / "pg.sh"), "start", str(pg_dir), str(free_port())],
                    capture_output=True, text=True, check=True,
                ).stdout.strip()  # fmt: skip
            for backend in backends:
                if backend == "custom":
                    db, workers = args.db, 1
                elif backend == "sqlite":
                    db, workers = f"sqlite:///{tmp / 'bench.db'}", 1
                else:
                    assert pg_base is not None
                    db, workers = new_pg_database(pg_base, f"bench_{backend}"), int(backend[2:])
                proc, url, token = prepare(tmp / backend, db, workers)
                procs.append(proc)
                servers[backend] = (url, token)
            results = measure(servers, clients, ops, args.seconds, args.rounds)
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(20)
            if pg_base is not None:
                subprocess.run([str(REPO / "scripts" / "pg.sh"), "stop", str(pg_dir)], check=False)
    load = os.getloadavg()
    print(
        f"emulator KV benchmark ({os.cpu_count()} CPUs, median of {args.rounds} interleaved "
        f"rounds of {args.seconds:g} s per cell, "
        f"load average {load_before[0]:.2f} before, {load[0]:.2f} after)"
    )
    print(
        f"{'backend':>8} {'clients':>7} {'op':>6} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'÷health':>8} {'÷sqlite':>8} {'p99÷sql':>8}"
    )
    ref = results.get("sqlite")
    for backend, cells in results.items():
        for (n, name), (rps, p50, p99) in cells.items():
            health = cells.get((n, "health"), (rps,))[0]
            vs = ref.get((n, name)) if ref else None
            ratio = f"{rps / vs[0]:>8.2f} {p99 / vs[2]:>8.2f}" if vs else f"{'-':>8} {'-':>8}"
            print(
                f"{backend:>8} {n:>7} {name:>6} {rps:>9.0f} {p50:>8.2f} {p99:>8.2f} "
                f"{rps / health:>8.2f} {ratio}"
            )
    if args.json is not None:
        raw = {
            "seconds": args.seconds,
            "rounds": args.rounds,
            "loadavg_before": [round(x, 2) for x in load_before],
            "cells": [
                {"backend": b, "clients": n, "op": op, "rps": c[0], "p50_ms": c[1], "p99_ms": c[2]}
                for b, cells in results.items()
                for (n, op), c in cells.items()
            ],
        }
        write_results(args.json, "emulator_kv", raw, figures(results, clients))


if __name__ == "__main__":
    main()
