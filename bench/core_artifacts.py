"""Benchmark: artifact throughput through terrateam_core (figures, not a test).

In one run, against one local emulator started in a separate process (SQLite file, demo seed):

1. the baseline: one raw HTTP PUT + GET of the same bytes to ``/_emulator/blobs/{name}``;
2. ``put_artifact`` + ``get_artifact`` of the same file through the sync and the async client
   (default 1 MiB chunks, 8 in flight), as a throughput ratio to the baseline (goal >= 0.5),
   with the client process's CPU time beside it (what the client itself costs);
3. a chunk-size sweep 256 KiB ... 8 MiB (sync client);
4. the peak memory of a fresh client process doing put + get from and to files
   (peak RSS from ``VmHWM``, and the tracemalloc peak of Python allocations).

Usage: ``.venv/bin/python bench/core_artifacts.py [--mib 64] [--sweep-mib 64] [--json PATH]``.
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


def raw_baseline(url: str, src: Path) -> float:
    """Seconds for one raw PUT + GET of the file's bytes (streamed both ways)."""
    import httpx

    with httpx.Client(timeout=600) as http:
        start = time.perf_counter()
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
        return time.perf_counter() - start


def sync_round_trip(url: str, key: str, src: Path, dest: Path, chunk: int) -> tuple[float, float]:
    """(wall, client CPU) seconds for put_artifact + get_artifact through the sync client."""
    from terrateam_core import TerrateamClient

    with TerrateamClient(api_key=key, base_url=url, installation_id=12345, timeout=300) as c:
        c.kv.set("bench.warm", 1)  # token exchange outside the timing
        c0, t0 = cpu(), time.perf_counter()
        info = c.kv.put_artifact(f"bench/{chunk}", src, chunk_size=chunk)
        got = c.kv.get_artifact(f"bench/{chunk}", dest)
        wall, used = time.perf_counter() - t0, cpu() - c0
        assert got.sha256 == info.sha256
        c.kv.delete_artifact(f"bench/{chunk}")
    return wall, used


def async_round_trip(url: str, key: str, src: Path, dest: Path) -> tuple[float, float]:
    """(wall, client CPU) seconds for the same through the async client."""
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


def memory_child(url: str, key: str, src: Path, dest: Path) -> None:
    """Run in a fresh process: put + get from/to files; print peak memory as JSON."""
    import tracemalloc

    from terrateam_core import TerrateamClient

    with TerrateamClient(api_key=key, base_url=url, installation_id=12345, timeout=300) as c:
        c.kv.set("bench.warm", 1)
        base_rss = _vm_hwm_kib()
        tracemalloc.start()
        c.kv.put_artifact("bench/mem", src)
        c.kv.get_artifact("bench/mem", dest)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        c.kv.delete_artifact("bench/mem")
    rss = _vm_hwm_kib()
    print(
        json.dumps(
            {
                "peak_rss_mib": rss / 1024,
                "rss_before_mib": base_rss / 1024,
                "tracemalloc_peak_mib": peak / MIB,
            }
        )
    )


def main() -> None:
    """Run every measurement and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mib", type=int, default=64, help="artifact size for the main figures")
    ap.add_argument("--sweep-mib", type=int, default=64, help="artifact size for the sweep")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--memory-child", nargs=4, metavar=("URL", "KEYFILE", "SRC", "DEST"))
    args = ap.parse_args()
    if args.memory_child:
        url, keyfile, src, dest = args.memory_child
        memory_child(url, Path(keyfile).read_text().strip(), Path(src), Path(dest))
        return

    results: dict[str, Any] = {"mib": args.mib}
    with tempfile.TemporaryDirectory(prefix="bench-artifacts-") as tmp:
        work = Path(tmp)
        proc, url, key = start_emulator(work)
        try:
            src, dest = work / "src.bin", work / "dest.bin"
            with src.open("wb") as fh:
                for _ in range(args.mib):
                    fh.write(os.urandom(MIB))
            size = args.mib * MIB
            raw = min(raw_baseline(url, src) for _ in range(3))
            results["raw_put_get_s"] = raw
            wall, used = sync_round_trip(url, key, src, dest, MIB)
            results["sync"] = {"wall_s": wall, "client_cpu_s": used, "ratio": raw / wall}
            awall, aused = async_round_trip(url, key, src, dest)
            results["async"] = {"wall_s": awall, "client_cpu_s": aused, "ratio": raw / awall}
            print(f"{args.mib} MiB put+get, emulator in its own process (SQLite file)")
            print(f"  raw PUT+GET /_emulator/blobs : {raw:7.2f} s  {size / raw / MIB:7.1f} MiB/s")
            for name in ("sync", "async"):
                r = results[name]
                print(
                    f"  {name:5} client 1 MiB chunks : {r['wall_s']:7.2f} s  "
                    f"{size / r['wall_s'] / MIB:7.1f} MiB/s  ratio {r['ratio']:.3f}  "
                    f"(client CPU {r['client_cpu_s']:.2f} s)"
                )

            sweep_src = work / "sweep.bin"
            with sweep_src.open("wb") as fh:
                for _ in range(args.sweep_mib):
                    fh.write(os.urandom(MIB))
            sweep_size = args.sweep_mib * MIB
            results["sweep"] = {}
            print(f"chunk-size sweep, {args.sweep_mib} MiB put+get, sync client:")
            for chunk in (256 * 1024, 512 * 1024, MIB, 2 * MIB, 4 * MIB, 8 * MIB):
                wall, used = sync_round_trip(url, key, sweep_src, dest, chunk)
                results["sweep"][str(chunk)] = {"wall_s": wall, "client_cpu_s": used}
                print(
                    f"  {chunk // 1024:5d} KiB : {wall:7.2f} s  "
                    f"{sweep_size / wall / MIB:7.1f} MiB/s  (client CPU {used:.2f} s)"
                )

            child = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--memory-child",
                    url,
                    str(work / "key"),
                    str(src),
                    str(dest),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            mem = json.loads(child.stdout)
            results["memory"] = mem
            print(f"peak memory of a client process doing {args.mib} MiB put+get from/to files:")
            print(
                f"  peak RSS {mem['peak_rss_mib']:.1f} MiB (after imports and the token: "
                f"{mem['rss_before_mib']:.1f} MiB); tracemalloc peak "
                f"{mem['tracemalloc_peak_mib']:.1f} MiB"
            )
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
