"""Benchmark: token refresh economy under concurrency (figures, not a test).

64 concurrent async callers loop on ``kv.get`` for 10 token lifetimes against an emulator
started with ``--token-ttl 3``. The server counts the refreshes (``/_emulator/stats``).

Figures:
* ``refreshes ÷ (duration / TTL)``: against the nominal lifetime. It cannot reach 1.0 with any
  refresh-ahead policy: ``exp`` is truncated to the second (a "3 s" token lives 2–3 s) and the
  client renews ``min(10 s, life/4)`` before expiry.
* ``refreshes ÷ tokens needed``: whether concurrency ever caused an extra refresh — a refresh
  less than TTL/4 after the previous one can only be a duplicate. Goal 1.0.
* requests refused with 403 (token expired in flight; each costs a retry, not an error) and
  errors (calls that failed). The margin also grows to twice the observed latency, which
  matters here: 64 closed-loop callers saturate a local Python server.

Usage: ``.venv/bin/python bench/core_refresh.py [--ttl 3] [--lifetimes 10] [--callers 64]
[--think 0]`` (``--think`` pauses each caller between calls, to keep the local server out of
saturation).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from core_emulator import Emulator

from terrateam_core import AsyncTerrateamClient


def _dev(url: str, method: str, path: str) -> Any:
    req = urllib.request.Request(
        f"{url}/_emulator{path}",
        method=method,
        data=b"" if method == "POST" else None,
        headers={"content-type": "application/json"},  # the developer API's owner check
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        body = resp.read()
    return json.loads(body) if body else None


async def run(
    url: str, key: str, *, ttl: float, lifetimes: int, callers: int, think: float
) -> dict[str, Any]:
    refresh_times: list[float] = []
    latencies: list[float] = []
    calls = errors = 0
    async with AsyncTerrateamClient(key, base_url=url, installation_id=12345) as client:
        await client.kv.set("bench/refresh", {"v": 1})
        _dev(url, "POST", "/stats/reset")
        start = time.monotonic()
        end = start + ttl * lifetimes
        auth = client.auth
        seen = auth.refresh_count

        async def caller() -> None:
            nonlocal calls, seen, errors
            while time.monotonic() < end:
                t0 = time.monotonic()
                try:
                    await client.kv.get("bench/refresh")
                except Exception:  # counted and reported, the run goes on
                    errors += 1
                latencies.append(time.monotonic() - t0)
                calls += 1
                if think:
                    await asyncio.sleep(think)
                if auth.refresh_count != seen:
                    seen = auth.refresh_count
                    refresh_times.append(time.monotonic())

        await asyncio.gather(*(caller() for _ in range(callers)))
        duration = time.monotonic() - start
    stats = _dev(url, "GET", "/stats")
    gets = sum(
        n for route, n in stats["requests"].items() if route.startswith("GET") and "/kv/" in route
    )
    refreshes = int(stats["refreshes"])
    intervals = [b - a for a, b in itertools.pairwise(refresh_times)]
    too_early = sum(1 for gap in intervals if gap < ttl / 4)
    needed = refreshes - too_early
    latencies.sort()
    return {
        "ttl_s": ttl,
        "lifetimes": lifetimes,
        "callers": callers,
        "think_s": think,
        "duration_s": round(duration, 2),
        "calls": calls,
        "refreshes": refreshes,
        "ratio_vs_nominal_ttl": round(refreshes / (duration / ttl), 3),
        "tokens_needed": needed,
        "ratio_vs_tokens_needed": round(refreshes / needed, 3),
        "too_early_refreshes": too_early,
        "requests_refused_403": gets - calls,
        "errors": errors,
        "median_latency_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "mean_refresh_interval_s": round(sum(intervals) / len(intervals), 3) if intervals else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ttl", type=float, default=3.0)
    parser.add_argument("--lifetimes", type=int, default=10)
    parser.add_argument("--callers", type=int, default=64)
    parser.add_argument("--think", type=float, default=0.0, help="pause between a caller's calls")
    args = parser.parse_args()
    with Emulator(token_ttl=args.ttl) as emu:
        result = asyncio.run(
            run(
                emu.url,
                emu.api_key,
                ttl=args.ttl,
                lifetimes=args.lifetimes,
                callers=args.callers,
                think=args.think,
            )
        )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
