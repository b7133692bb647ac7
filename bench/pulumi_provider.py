"""Benchmark: cost of a KvEntry create+delete through the Pulumi provider (figures, not a test).

Against a local emulator started in a subprocess (SQLite file, demo seed), measures the median
wall time of, per iteration:

* ``core, shared client``: ``kv.cas`` insert + ``kv.delete`` on one warm ``TerrateamClient``
  (the baseline: what the HTTP work costs at least);
* ``core, client per call``: the same with a fresh client for each call (one API-key →
  access-token exchange per call: what the provider would cost without its client cache);
* ``provider direct``: ``check`` + ``create`` + ``delete`` called on the provider object
  (settings resolved per call, client shared per process);
* ``engine stand-in``: ``up`` (Check + Create) + ``destroy`` over gRPC through
  ``python -m pulumi.dynamic``;
* ``engine no-op up``: Check + Diff only (no HTTP).

Each figure is printed with its ratio to the baseline measured in the same run.
Usage: ``.venv/bin/python bench/pulumi_provider.py [--runs N] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pulumi.dynamic import Config, ConfigureRequest

from pulumi_terrateam import KvEntry
from pulumi_terrateam.kv_entry import _KvEntryProvider
from pulumi_terrateam.testing import Engine
from terrateam_core import TerrateamClient

sys.path.insert(0, str(Path(__file__).parent))
from _results import Figure, write_results

BIN = Path(sys.executable).parent


def _start_emulator(work: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    port_file, key_file = work / "port", work / "key"
    proc = subprocess.Popen(
        [
            str(BIN / "terrateam-emulator"),
            "serve",
            "--seed",
            "demo",
            "--port",
            "0",
            "--port-file",
            str(port_file),
            "--api-key-file",
            str(key_file),
            "--db",
            f"sqlite:///{work / 'bench.db'}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        if port_file.exists() and key_file.exists() and key_file.read_text().strip():
            break
        time.sleep(0.1)
    else:
        proc.terminate()
        raise SystemExit("emulator did not start")
    port = port_file.read_text().strip()
    url = port if port.startswith("http") else f"http://127.0.0.1:{port}"
    return proc, url, key_file.read_text().strip()


def _median(fn: Callable[[int], None], runs: int) -> float:
    fn(-1)  # warm-up
    times = []
    for n in range(runs):
        start = time.perf_counter()
        fn(n)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    """Run the measurements and print a table (optionally JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        proc, url, key = _start_emulator(Path(tmp))
        try:
            results = _measure(url, key, args.runs)
        finally:
            proc.terminate()
            proc.wait(10)

    base = results["core, shared client"]
    print(f"{'operation (median of ' + str(args.runs) + ')':<40} {'ms':>8} {'x baseline':>11}")
    for name, seconds in results.items():
        print(f"{name:<40} {seconds * 1000:8.1f} {seconds / base:11.2f}")
    if args.json:
        ms = {name: round(seconds * 1000, 2) for name, seconds in results.items()}
        figure = Figure(
            id="pulumi_provider",
            title="Pulumi KvEntry create + delete, per path",
            x_label="path",
            y_label="wall time per iteration (ms)",
            series={name: [(0.0, value)] for name, value in ms.items()},
            note=f"median of {args.runs} runs",
        )
        write_results(args.json, "pulumi_provider", {"runs": args.runs, "median_ms": ms}, [figure])


def _measure(url: str, key: str, runs: int) -> dict[str, float]:
    results: dict[str, float] = {}
    shared = TerrateamClient(key, base_url=url, installation_id=12345)

    def core_shared(n: int) -> None:
        shared.kv.cas(f"bench/a{n}", {"n": n})
        shared.kv.delete(f"bench/a{n}")

    def core_fresh(n: int) -> None:
        for op in ("cas", "delete"):
            with TerrateamClient(key, base_url=url, installation_id=12345) as client:
                if op == "cas":
                    client.kv.cas(f"bench/b{n}", {"n": n})
                else:
                    client.kv.delete(f"bench/b{n}")

    config = {
        "terrateam:apiKey": key,
        "terrateam:baseUrl": url,
        "terrateam:installationId": "12345",
    }
    provider = _KvEntryProvider()
    provider.configure(ConfigureRequest(Config(config, "bench")))

    def direct(n: int) -> None:
        checked = provider.check({}, {"key": f"bench/c{n}", "value": {"n": n}}).inputs
        created = provider.create(checked)
        provider.delete(created.id, created.outs or {})

    results["core, shared client"] = _median(core_shared, runs)
    results["core, client per call"] = _median(core_fresh, runs)
    results["provider direct"] = _median(direct, runs)
    with Engine(config=config, project="bench") as engine:
        state_holder = {}

        def through_engine(n: int) -> None:
            state = engine.up(KvEntry, f"e{n}", {"key": f"bench/e{n}", "value": {"n": n}})
            state_holder["last"] = state
            engine.destroy(state)

        results["engine stand-in (up + destroy)"] = _median(through_engine, runs)
        steady = engine.up(KvEntry, "steady", {"key": "bench/steady", "value": 1})

        def noop(_: int) -> None:
            engine.up(KvEntry, "steady", {"key": "bench/steady", "value": 1}, steady)

        results["engine no-op up (Check + Diff)"] = _median(noop, runs)
        engine.destroy(steady)
    shared.close()
    return results


if __name__ == "__main__":
    main()
