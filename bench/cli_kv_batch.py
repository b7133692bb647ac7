"""Benchmark: N keys read by N ``terrateam kv get`` calls vs one batch call (figures, not a test).

For N = 1, 5, 10, 25, 50 keys against a local emulator (SQLite file, demo seed), the median wall
time of: N single ``kv get KEY`` processes (the stdlib fast path, token cache warm), one
``kv get K1 … KN`` (one process, one token, N requests), and one ``kv export --prefix P`` of a
prefix holding exactly those N keys (one process, one ``iter`` page for up to 100 keys).
Usage: ``.venv/bin/python bench/cli_kv_batch.py [--runs N] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _results import Figure, write_results
from cli_startup import BIN, _start_emulator

SIZES = (1, 5, 10, 25, 50)
SINGLE, BATCH, EXPORT = "N single kv get", "one kv get K1..KN", "one kv export --prefix"


def _wall(cmds: Sequence[Sequence[str]], env: dict[str, str]) -> float:
    start = time.perf_counter()
    for cmd in cmds:
        subprocess.run(cmd, env=env, capture_output=True, check=True)
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    args = parser.parse_args(argv)

    env = {k: v for k, v in os.environ.items() if not k.startswith(("TERRATEAM_", "TTM_"))}
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env["TERRATEAM_CONFIG_FILE"] = str(work / "config.toml")
        env["XDG_CACHE_HOME"] = str(work / "cache")
        emulator, url, api_key = _start_emulator(work)
        try:
            from terrateam_core import TerrateamClient

            with TerrateamClient(api_key, base_url=url, installation_id=12345) as client:
                # One prefix per N, so `kv export --prefix` reads exactly the N keys.
                for n in SIZES:
                    for i in range(n):
                        client.kv.set(f"bench/batch/n{n}/k{i:03d}", {"i": i, "text": "x" * 40})
            env.update(TERRATEAM_BASE_URL=url, TERRATEAM_API_KEY=api_key)
            env["TERRATEAM_INSTALLATION_ID"] = "12345"
            terrateam = str(BIN / "terrateam")
            for n in SIZES:
                prefix = f"bench/batch/n{n}/"
                keys = [f"{prefix}k{i:03d}" for i in range(n)]
                cases = {
                    SINGLE: [[terrateam, "kv", "get", key] for key in keys],
                    BATCH: [[terrateam, "kv", "get", *keys]],
                    EXPORT: [[terrateam, "kv", "export", "--prefix", prefix, "--format", "env"]],
                }
                row: dict[str, float] = {}
                for name, cmds in cases.items():
                    _wall(cmds[:1], env)  # warm-up: .pyc files, the token cache
                    row[name] = statistics.median(_wall(cmds, env) for _ in range(args.runs))
                results[str(n)] = row
        finally:
            emulator.terminate()
            emulator.wait(timeout=10)

    print(f"kv reads: N single calls vs one batch call, median of {args.runs} runs (wall ms)")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    names = list(next(iter(results.values())))
    print(f"{'N':>3} " + " ".join(f"{name:>24}" for name in names) + f" {'single/batch':>13}")
    for n, row in results.items():
        ratio = row[SINGLE] / row[BATCH]
        cells = " ".join(f"{row[name] * 1000:>24.1f}" for name in names)
        print(f"{n:>3} {cells} {ratio:>13.2f}")
    if args.json:
        raw = {"runs": args.runs, "median_wall_s": results}
        write_results(args.json, "cli_kv_batch", raw, [_figure(results, args.runs)])
    return 0


def _figure(results: dict[str, dict[str, float]], runs: int) -> Figure:
    """Wall ms against N for each way of reading N keys (no goal: the batch should stay flat)."""
    names = list(next(iter(results.values())))
    return Figure(
        id="cli_kv_batch",
        title="Reading N keys: N single calls vs one batch vs one export",
        x_label="N keys",
        y_label="wall time (ms)",
        series={
            name: [(float(n), round(row[name] * 1000, 1)) for n, row in results.items()]
            for name in names
        },
        y_log=True,
        note=f"median of {runs} runs",
    )


if __name__ == "__main__":
    sys.exit(main())
