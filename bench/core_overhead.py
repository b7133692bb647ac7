"""Benchmark: per-call overhead of the client (figures, not a test).

Against one local emulator (subprocess, in-memory SQLite, demo seed), in the same run:

* ``client.kv.get(key)`` through ``TerrateamClient`` (auth flow, retry loop, logging checks,
  URL building, pydantic parsing of the record);
* a raw ``httpx.Client.get`` of the same URL with a pre-fetched access token and
  ``response.json()``.

Calls alternate in blocks so that load from other processes hits both sides alike. The figure
is the ratio of the median per-call latencies (goal ≤ 1.15); p90 and the client's own CPU cost
per call are shown beside it.

Usage: ``.venv/bin/python bench/core_overhead.py [--blocks 20] [--per-block 100]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from core_emulator import Emulator

from terrateam_core import TerrateamClient

KEY = "bench/overhead"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(url: str, api_key: str, *, blocks: int, per_block: int) -> dict[str, object]:
    client_ms: list[float] = []
    raw_ms: list[float] = []
    client_cpu = raw_cpu = 0.0
    with (
        TerrateamClient(api_key, base_url=url, installation_id=12345) as client,
        httpx.Client(timeout=30) as raw,
    ):
        client.kv.set(KEY, {"name": "overhead", "values": list(range(20))})
        target = f"{url}/api/v1/github/kv/12345/key/bench%2Foverhead?idx=0"
        for _ in range(50):  # warm both connection pools
            client.kv.get(KEY)
            raw.get(target, headers={"Authorization": f"Bearer {client.get_access_token()}"})
        for _ in range(blocks):
            headers = {"Authorization": f"Bearer {client.get_access_token()}"}
            c0 = time.process_time()
            for _ in range(per_block):
                t0 = time.perf_counter()
                client.kv.get(KEY)
                client_ms.append((time.perf_counter() - t0) * 1000)
            c1 = time.process_time()
            for _ in range(per_block):
                t0 = time.perf_counter()
                response = raw.get(target, headers=headers)
                response.raise_for_status()
                response.json()
                raw_ms.append((time.perf_counter() - t0) * 1000)
            c2 = time.process_time()
            client_cpu += c1 - c0
            raw_cpu += c2 - c1
    n = blocks * per_block
    med_c, med_r = statistics.median(client_ms), statistics.median(raw_ms)
    return {
        "calls_each": n,
        "client_median_ms": round(med_c, 3),
        "raw_median_ms": round(med_r, 3),
        "ratio_median": round(med_c / med_r, 3),
        "client_p90_ms": round(_pct(client_ms, 0.9), 3),
        "raw_p90_ms": round(_pct(raw_ms, 0.9), 3),
        "client_cpu_ms_per_call": round(client_cpu / n * 1000, 3),
        "raw_cpu_ms_per_call": round(raw_cpu / n * 1000, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=20)
    parser.add_argument("--per-block", type=int, default=100)
    args = parser.parse_args()
    with Emulator(token_ttl=60) as emu:
        result = run(emu.url, emu.api_key, blocks=args.blocks, per_block=args.per_block)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
