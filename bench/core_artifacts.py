"""Benchmark: artifact throughput through terrateam_core (figures, not a test).

In one run, against one local emulator started in a separate process (SQLite file, demo seed):

1. the baseline: one raw HTTP PUT + GET of the same bytes to ``/_emulator/blobs/{name}``
   (best of three), with the client's CPU time for it: the floor any client pays to move bytes;
2. ``put_artifact`` + ``get_artifact`` of the same file through the sync and the async client
   (default chunk size and concurrency), as a throughput ratio to the baseline (goal >= 0.5),
   with the client's CPU time per MiB moved (put + get = 2 x size; goal <= 3 ms);
3. sweeps: chunk size 256 KiB ... 8 MiB (8 in flight), then requests in flight 1 ... 16
   (default chunk size), sync client;
4. growth: for 1, 16, 64 and 256 MiB, a fresh client process doing put + get from and to
   files: wall, CPU and peak RSS (``VmHWM``), beside the raw baseline of the same size;
5. the tracemalloc peak of Python allocations of a fresh client process at ``--mib``.

Usage: ``.venv/bin/python bench/core_artifacts.py [--mib 64] [--sweep-mib 64]
[--growth 1,16,64,256] [--json PATH]`` (``--json`` writes through ``bench/_results.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import Figure, write_results

BIN = Path(sys.executable).parent
MIB = 1024 * 1024


def start_emulator(work: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    """Start ``terrateam-emulator serve`` on a free loopback port; return (proc, url, key)."""
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
            "--log-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if key_file.exists() and port_file.exists() and port_file.read_text().strip():
            text = port_file.read_text().strip()
            url = text if text.startswith("http") else f"http://127.0.0.1:{text}"
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=1) as resp:
                    if resp.status == 200:
                        return proc, url, key_file.read_text().strip()
            except OSError:
                pass
        if proc.poll() is not None:
            raise SystemExit("emulator exited early")
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("emulator did not start")


def cpu() -> float:
    """CPU seconds used by this process so far."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def raw_baseline(url: str, src: Path) -> tuple[float, float]:
    """(wall, client CPU) seconds for one raw PUT + GET of the file's bytes (streamed)."""
    import httpx

    with httpx.Client(timeout=600) as http:
        c0, start = cpu(), time.perf_counter()
        with src.open("rb") as fh:
            http.put(
                f"{url}/_emulator/blobs/bench",
                content=fh,
                headers={"content-type": "application/octet-stream"},
            ).raise_for_status()
        with http.stream("GET", f"{url}/_emulator/blobs/bench") as resp:
            resp.raise_for_status()
            for _ in resp.iter_bytes(MIB):
                pass
        wall, used = time.perf_counter() - start, cpu() - c0
        return wall, used


def best_raw(url: str, src: Path, runs: int = 3) -> tuple[float, float]:
    """The fastest of ``runs`` raw baselines (wall, its CPU)."""
    return min(raw_baseline(url, src) for _ in range(runs))


def sync_round_trip(
    url: str, key: str, src: Path, dest: Path, chunk: int | None = None, concurrency: int = 8
) -> tuple[float, float]:
    """(wall, client CPU) seconds for put_artifact + get_artifact through the sync client."""
    from terrateam_core import TerrateamClient

    name = f"bench/{chunk}x{concurrency}"
    with TerrateamClient(api_key=key, base_url=url, installation_id=12345, timeout=300) as c:
        c.kv.set("bench.warm", 1)  # token exchange outside the timing
        c0, t0 = cpu(), time.perf_counter()
        info = c.kv.put_artifact(name, src, chunk_size=chunk, concurrency=concurrency)
        got = c.kv.get_artifact(name, dest, concurrency=concurrency)
        wall, used = time.perf_counter() - t0, cpu() - c0
        assert got.sha256 == info.sha256
        c.kv.delete_artifact(name)
    return wall, used


def async_round_trip(url: str, key: str, src: Path, dest: Path) -> tuple[float, float]:
    """(wall, client CPU) seconds for the same through the async client (defaults)."""
    from terrateam_core import AsyncTerrateamClient

    async def main() -> tuple[float, float]:
        async with AsyncTerrateamClient(
            api_key=key, base_url=url, installation_id=12345, timeout=300
        ) as c:
            await c.kv.set("bench.warm", 1)
            c0, t0 = cpu(), time.perf_counter()
            await c.kv.put_artifact("bench/async", src)
            await c.kv.get_artifact("bench/async", dest)
            wall, used = time.perf_counter() - t0, cpu() - c0
            await c.kv.delete_artifact("bench/async")
            return wall, used

    return asyncio.run(main())


def _vm_hwm_kib() -> int:
    """Peak resident set size of this process image, in KiB.

    ``VmHWM`` rather than ``ru_maxrss``: Linux carries a parent's ``ru_maxrss`` across exec.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def memory_child(url: str, key: str, src: Path, dest: Path, trace: bool) -> None:
    """Run in a fresh process: put + get from/to files; print time and peak memory as JSON."""
    import tracemalloc

    from terrateam_core import TerrateamClient

    with TerrateamClient(api_key=key, base_url=url, installation_id=12345, timeout=300) as c:
        c.kv.set("bench.warm", 1)
        base_rss = _vm_hwm_kib()
        if trace:
            tracemalloc.start()
        c0, t0 = cpu(), time.perf_counter()
        c.kv.put_artifact("bench/mem", src)
        c.kv.get_artifact("bench/mem", dest)
        wall, used = time.perf_counter() - t0, cpu() - c0
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
        tracemalloc.stop()
        c.kv.delete_artifact("bench/mem")
    rss = _vm_hwm_kib()
    print(
        json.dumps(
            {
                "wall_s": wall,
                "client_cpu_s": used,
                "peak_rss_mib": rss / 1024,
                "rss_before_mib": base_rss / 1024,
                "tracemalloc_peak_mib": peak / MIB if trace else None,
            }
        )
    )


def run_child(work: Path, url: str, src: Path, dest: Path, trace: bool) -> dict[str, Any]:
    """Run :func:`memory_child` in a fresh interpreter and return its figures."""
    argv = [sys.executable, __file__, "--memory-child", url, str(work / "key"), str(src), str(dest)]
    if trace:
        argv.append("--trace")
    child = subprocess.run(argv, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(child.stdout)
    return result


def write_file(path: Path, mib: int) -> None:
    """Fill ``path`` with ``mib`` MiB of random bytes (incompressible, like a build output)."""
    with path.open("wb") as fh:
        for _ in range(mib):
            fh.write(os.urandom(MIB))


def per_mib_ms(cpu_s: float, mib: float) -> float:
    """Client CPU milliseconds per MiB moved, put + get counting ``2 x mib``."""
    return cpu_s * 1000 / (2 * mib)


def main() -> None:
    """Run every measurement, print the figures and, with ``--json``, write them."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mib", type=int, default=64, help="artifact size for the main figures")
    ap.add_argument("--sweep-mib", type=int, default=64, help="artifact size for the sweeps")
    ap.add_argument("--growth", default="1,16,64,256", help="sizes (MiB) for the growth table")
    ap.add_argument("--json", type=Path, help="also write the figures here (bench/_results.py)")
    ap.add_argument("--memory-child", nargs=4, metavar=("URL", "KEYFILE", "SRC", "DEST"))
    ap.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child:
        url, keyfile, src, dest = args.memory_child
        memory_child(url, Path(keyfile).read_text().strip(), Path(src), Path(dest), args.trace)
        return

    growth_sizes = [int(x) for x in args.growth.split(",") if x.strip()]
    results: dict[str, Any] = {
        "mib": args.mib,
        "sweep_mib": args.sweep_mib,
        "loadavg_start": list(os.getloadavg()),
    }
    with tempfile.TemporaryDirectory(prefix="bench-artifacts-") as tmp:
        work = Path(tmp)
        proc, url, key = start_emulator(work)
        try:
            src, dest = work / "src.bin", work / "dest.bin"
            write_file(src, args.mib)
            size = args.mib * MIB
            raw, raw_cpu = best_raw(url, src)
            results["raw_put_get_s"] = raw
            results["raw_client_cpu_s"] = raw_cpu
            wall, used = sync_round_trip(url, key, src, dest)
            results["sync"] = {"wall_s": wall, "client_cpu_s": used, "ratio": raw / wall}
            awall, aused = async_round_trip(url, key, src, dest)
            results["async"] = {"wall_s": awall, "client_cpu_s": aused, "ratio": raw / awall}
            print(f"{args.mib} MiB put+get, emulator in its own process (SQLite file)")
            print(
                f"  raw PUT+GET /_emulator/blobs : {raw:7.2f} s  {size / raw / MIB:7.1f} MiB/s  "
                f"(client CPU {per_mib_ms(raw_cpu, args.mib):.2f} ms/MiB moved)"
            )
            for name in ("sync", "async"):
                r = results[name]
                r["cpu_ms_per_mib"] = per_mib_ms(r["client_cpu_s"], args.mib)
                print(
                    f"  {name:5} client, defaults    : {r['wall_s']:7.2f} s  "
                    f"{size / r['wall_s'] / MIB:7.1f} MiB/s  ratio {r['ratio']:.3f}  "
                    f"(client CPU {r['client_cpu_s']:.2f} s, {r['cpu_ms_per_mib']:.2f} ms/MiB)"
                )

            sweep_src = work / "sweep.bin"
            write_file(sweep_src, args.sweep_mib)
            sweep_size = args.sweep_mib * MIB
            results["sweep"], results["concurrency_sweep"] = {}, {}
            print(f"chunk-size sweep, {args.sweep_mib} MiB put+get, sync client, 8 in flight:")
            for chunk in (256 * 1024, 512 * 1024, MIB, 2 * MIB, 4 * MIB, 8 * MIB):
                wall, used = sync_round_trip(url, key, sweep_src, dest, chunk)
                results["sweep"][str(chunk)] = {"wall_s": wall, "client_cpu_s": used}
                print(
                    f"  {chunk // 1024:5d} KiB : {wall:7.2f} s  "
                    f"{sweep_size / wall / MIB:7.1f} MiB/s  (client CPU {used:.2f} s)"
                )
            print(f"concurrency sweep, {args.sweep_mib} MiB put+get, sync client, default chunk:")
            for conc in (1, 2, 4, 8, 16):
                wall, used = sync_round_trip(url, key, sweep_src, dest, None, conc)
                results["concurrency_sweep"][str(conc)] = {"wall_s": wall, "client_cpu_s": used}
                print(
                    f"  {conc:3d} in flight : {wall:7.2f} s  "
                    f"{sweep_size / wall / MIB:7.1f} MiB/s  (client CPU {used:.2f} s)"
                )
            sweep_src.unlink()

            mem = run_child(work, url, src, dest, trace=True)
            results["memory"] = mem
            print(f"peak memory of a client process doing {args.mib} MiB put+get from/to files:")
            print(
                f"  peak RSS {mem['peak_rss_mib']:.1f} MiB (after imports and the token: "
                f"{mem['rss_before_mib']:.1f} MiB); tracemalloc peak "
                f"{mem['tracemalloc_peak_mib']:.1f} MiB"
            )

            results["growth"] = {}
            print("growth: a fresh client process per size, put+get from/to files (sync client)")
            print("   MiB   raw s  put+get s  ratio  CPU ms/MiB  raw CPU ms/MiB  peak RSS MiB")
            for mib in growth_sizes:
                gsrc = work / f"growth-{mib}.bin"
                write_file(gsrc, mib)
                graw, graw_cpu = best_raw(url, gsrc, 2)
                g = run_child(work, url, gsrc, dest, trace=False)
                g.update(raw_s=graw, raw_client_cpu_s=graw_cpu, ratio=graw / g["wall_s"])
                g["cpu_ms_per_mib"] = per_mib_ms(g["client_cpu_s"], mib)
                g["raw_cpu_ms_per_mib"] = per_mib_ms(graw_cpu, mib)
                results["growth"][str(mib)] = g
                gsrc.unlink()
                print(
                    f"  {mib:4d} {graw:7.2f} {g['wall_s']:10.2f} {g['ratio']:6.3f} "
                    f"{g['cpu_ms_per_mib']:11.2f} {g['raw_cpu_ms_per_mib']:15.2f} "
                    f"{g['peak_rss_mib']:13.1f}"
                )
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    results["loadavg_end"] = list(os.getloadavg())
    print(f"load average: start {results['loadavg_start'][0]:.2f}, end {os.getloadavg()[0]:.2f}")
    if args.json:
        write_results(args.json, "core_artifacts", results, figures(results))


def figures(r: dict[str, Any]) -> list[Figure]:
    """The charts of one run (see bench/_results.py)."""
    growth = {int(k): v for k, v in r.get("growth", {}).items()}
    mib = r["mib"]
    sweep_mib = r.get("sweep_mib", mib)
    ratio = Figure(
        id="artifacts_ratio",
        title="Artifact put+get throughput ÷ raw PUT+GET of the same bytes",
        x_label="artifact size (MiB)",
        y_label="ratio",
        goal=0.5,
        goal_side="above",
        x_log=True,
        series={
            "sync client, fresh process": [(k, v["ratio"]) for k, v in sorted(growth.items())],
            "sync client": [(mib, r["sync"]["ratio"])],
            "async client": [(mib, r["async"]["ratio"])],
        },
    )
    cpu_fig = Figure(
        id="artifacts_cpu_per_mib",
        title="Client CPU per MiB moved (put + get)",
        x_label="artifact size (MiB)",
        y_label="client CPU per MiB moved (ms)",
        goal=3.0,
        goal_side="below",
        x_log=True,
        series={
            "artifact put+get": [(k, v["cpu_ms_per_mib"]) for k, v in sorted(growth.items())],
            "raw PUT+GET (floor)": [
                (k, v["raw_cpu_ms_per_mib"]) for k, v in sorted(growth.items())
            ],
        },
        note="sync client; moved = put bytes + get bytes",
    )
    rss = Figure(
        id="artifacts_growth_rss",
        title="Peak RSS of a fresh client process doing put + get",
        x_label="artifact size (MiB)",
        y_label="peak RSS (MiB)",
        x_log=True,
        series={
            "peak RSS": [(k, v["peak_rss_mib"]) for k, v in sorted(growth.items())],
            "after imports and the token": [
                (k, v["rss_before_mib"]) for k, v in sorted(growth.items())
            ],
        },
    )
    chunk = Figure(
        id="artifacts_chunk_sweep",
        title=f"Chunk size sweep, {sweep_mib} MiB put+get, 8 in flight (sync client)",
        x_label="chunk size (KiB)",
        y_label="MiB/s (size ÷ put+get time)",
        x_log=True,
        series={
            "throughput": [(int(k) // 1024, sweep_mib / v["wall_s"]) for k, v in r["sweep"].items()]
        },
    )
    conc = Figure(
        id="artifacts_concurrency_sweep",
        title=f"Requests in flight, {sweep_mib} MiB put+get, default chunk (sync client)",
        x_label="requests in flight",
        y_label="MiB/s (size ÷ put+get time)",
        x_log=True,
        series={
            "throughput": [
                (int(k), sweep_mib / v["wall_s"]) for k, v in r["concurrency_sweep"].items()
            ]
        },
    )
    return [ratio, cpu_fig, rss, chunk, conc]


if __name__ == "__main__":
    main()
