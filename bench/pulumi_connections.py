"""Benchmark: Pulumi ``up`` (and ``destroy``) of 20 KvEntry resources over two connections vs
one (figures, not a test).

Against an emulator started in-process on 127.0.0.1 (demo seed), through the engine stand-in
(the real ``python -m pulumi.dynamic`` provider server over gRPC):

* ``one account``: 20 resources on the stack configuration;
* ``two connections``: 10 on the stack configuration, 10 on a ``connection`` input holding a
  second account's API key (another user, another installation).

The provider keeps one client per settings digest per process, so the second account costs
one more client and one more API-key exchange, not one per resource. Prints the median wall
time of each and their ratio, plus the API-key exchanges counted by the emulator.
Usage: ``.venv/bin/python bench/pulumi_connections.py [--runs N] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from pulumi_terrateam import KvEntry
from pulumi_terrateam.testing import Engine
from terrateam_emulator import EmulatorSettings
from terrateam_emulator.testing import EmulatorServer

sys.path.insert(0, str(Path(__file__).parent))
from _results import Figure, write_results

RESOURCES = 20
EXCHANGE = "POST /api/v1/access-token/refresh"


def _ops_connection(server: Any, n: int) -> dict[str, Any]:
    user = server.admin.create_user(f"ops{n}", vcs=["gitlab"], installations=[678])
    key = server.admin.mint_api_key(
        f"ops{n}", ["kv_store_read", "kv_store_write", {"name": "vcs", "vcs": "gitlab"}], user
    )
    return {"base_url": server.url, "api_key": key.refresh_token, "vcs": "gitlab",
            "installation_id": 678}  # fmt: skip


def _run(engine: Engine, server: Any, conn: dict[str, Any] | None, tag: str) -> tuple[float, int]:
    server.admin.reset_stats()
    started = time.perf_counter()
    states = []
    for n in range(RESOURCES):
        inputs: dict[str, Any] = {"key": f"bench/{tag}/{n}", "value": {"n": n}}
        if conn is not None and n % 2:
            inputs["connection"] = conn
        states.append(engine.up(KvEntry, f"{tag}-{n}", inputs))
    for state in reversed(states):
        engine.destroy(state)
    elapsed = time.perf_counter() - started
    exchanges = int(server.admin.stats()["requests"].get(EXCHANGE, 0))
    return elapsed, exchanges


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    args = parser.parse_args()
    server = EmulatorServer(EmulatorSettings(seed="demo")).start()
    try:
        config = {"terrateam:apiKey": str(server.api_key), "terrateam:baseUrl": server.url,
                  "terrateam:installationId": "12345"}  # fmt: skip
        one, two, ex_one, ex_two = [], [], [], []
        with Engine(config=config, project="bench") as engine:
            _run(engine, server, None, "warm")  # start-up costs out of the figures
            for run in range(args.runs):
                conn = _ops_connection(server, run)  # a fresh key: its exchange is counted
                t, e = _run(engine, server, None, f"one{run}")
                one.append(t)
                ex_one.append(e)
                t, e = _run(engine, server, conn, f"two{run}")
                two.append(t)
                ex_two.append(e)
        m_one, m_two = statistics.median(one), statistics.median(two)
        print(f"Pulumi up + destroy of {RESOURCES} KvEntry resources (engine stand-in, "
              f"median of {args.runs})")  # fmt: skip
        print(f"  one account       {m_one:7.3f} s   API-key exchanges {max(ex_one)}")
        print(f"  two connections   {m_two:7.3f} s   API-key exchanges {max(ex_two)}")
        print(f"  ratio two/one     {m_two / m_one:7.2f}")
        if args.json:
            raw = {
                "runs": args.runs,
                "median_s": {"one account": m_one, "two connections": m_two},
                "exchanges": {"one account": max(ex_one), "two connections": max(ex_two)},
            }
            figure = Figure(
                id="pulumi_connections",
                title=f"Pulumi up + destroy of {RESOURCES} KvEntry resources",
                x_label="stack",
                y_label="wall time (s)",
                series={"one account": [(0.0, m_one)], "two connections": [(0.0, m_two)]},
                note=f"median of {args.runs} runs",
            )
            write_results(args.json, "pulumi_connections", raw, [figure])
    finally:
        server.stop()


if __name__ == "__main__":
    main()
