"""Benchmark: `terrateam kv cp` with ttm's strategy vs the default artifact path (figures only).

In one run, against one local emulator in its own process (SQLite file, demo seed), through the
installed ``terrateam`` console script (start-up included, as a CI job would pay it):

* ttm's strategy: ``kv cp FILE kv://KEY`` then ``kv cp kv://KEY FILE`` (102,400-byte chunks in
  ttm's in-place layout, 10 requests in flight);
* our default artifact path: ``artifact push KEY FILE`` then ``artifact pull KEY FILE``
  (1 MiB chunks, generation layout with atomic publish, 8 in flight).

Each strategy also moves a 10-byte file the same way: that pair is what a call costs whatever
its size (interpreter, imports, token exchange, the protocol's small requests), so the second
ratio, with it subtracted from both, is the transfer alone.

Usage: ``.venv/bin/python bench/cli_kv_cp.py [--mib 50] [--runs 1] [--json PATH]``
(``--json`` writes through ``bench/_results.py``: figure ``kv_cp_vs_ttm``, goal >= 2x).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import Figure, write_results
from core_artifacts import start_emulator

BIN = Path(sys.executable).parent / "terrateam"
MIB = 1024 * 1024


def timed(argv: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one CLI invocation (fails loudly on a non-zero exit)."""
    start = time.perf_counter()
    proc = subprocess.run([str(BIN), *argv], env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{argv[:3]} failed ({proc.returncode}): {proc.stderr[-800:]}")
    return elapsed


def main() -> None:
    """Run both strategies on the same file and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mib", type=int, default=50)
    ap.add_argument("--runs", type=int, default=1, help="repetitions (the best is reported)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    results: dict[str, Any] = {"mib": args.mib, "loadavg_start": list(os.getloadavg())}
    with tempfile.TemporaryDirectory(prefix="bench-kv-cp-") as tmp:
        work = Path(tmp)
        proc, url, key = start_emulator(work)
        try:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("TERRATEAM_", "TTM_"))}
            env.update(
                TERRATEAM_API_KEY=key,
                TERRATEAM_BASE_URL=url,
                TERRATEAM_INSTALLATION_ID="12345",
                TERRATEAM_CONFIG_FILE=str(work / "none.toml"),
            )
            src, back = work / "src.bin", work / "back.bin"
            with src.open("wb") as fh:
                for _ in range(args.mib):
                    fh.write(os.urandom(MIB))
            tiny = work / "tiny.bin"
            tiny.write_bytes(b"0123456789")

            def plans(path: Path, tag: str) -> dict[str, tuple[list[str], list[str]]]:
                return {
                    "ttm": (
                        ["kv", "cp", str(path), f"kv://bench.ttm{tag}"],
                        ["kv", "cp", f"kv://bench.ttm{tag}", str(back)],
                    ),
                    "artifact": (
                        ["artifact", "push", f"bench.art{tag}", str(path), "-o", "json"],
                        ["artifact", "pull", f"bench.art{tag}", str(back), "-o", "json"],
                    ),
                }

            for label, path in (("", src), ("_tiny", tiny)):
                for name, (up, down) in plans(path, label).items():
                    best: tuple[float, float] | None = None
                    for _ in range(args.runs):
                        t_up = timed(up, env)
                        t_down = timed(down, env)
                        if back.read_bytes() != path.read_bytes():
                            raise SystemExit(f"{name}: downloaded bytes differ")
                        if best is None or t_up + t_down < sum(best):
                            best = (t_up, t_down)
                    assert best is not None
                    results[name + label] = {"upload_s": best[0], "download_s": best[1]}
            size = args.mib
            print(f"{size} MiB file, `terrateam` subprocesses, emulator in its own process")
            for name, label in (
                ("ttm", "kv cp (ttm: 100 KiB x10)"),
                ("artifact", "artifact push/pull (1 MiB x8)"),
            ):
                r = results[name]
                total = r["upload_s"] + r["download_s"]
                print(
                    f"  {label:32} up {r['upload_s']:6.2f} s  down {r['download_s']:6.2f} s  "
                    f"total {total:6.2f} s  {2 * size / total:6.1f} MiB/s"
                )
            ratio = sum(results["ttm"].values()) / sum(results["artifact"].values())
            results["artifact_speedup_vs_ttm"] = ratio
            print(f"  artifact path / ttm strategy throughput: {ratio:.2f}x")
            fixed = {n: sum(results[n + "_tiny"].values()) for n in ("ttm", "artifact")}
            moved = {n: sum(results[n].values()) - fixed[n] for n in ("ttm", "artifact")}
            results["fixed_s"], results["transfer_s"] = fixed, moved
            results["transfer_speedup_vs_ttm"] = moved["ttm"] / moved["artifact"]
            print(
                f"  a 10-byte file up+down (per-call cost): ttm {fixed['ttm']:.2f} s, "
                f"artifact {fixed['artifact']:.2f} s"
            )
            print(
                f"  without it, transfer alone: ttm {moved['ttm']:.2f} s, artifact "
                f"{moved['artifact']:.2f} s: {results['transfer_speedup_vs_ttm']:.2f}x"
            )
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    results["loadavg_end"] = list(os.getloadavg())
    print(f"load average: start {results['loadavg_start'][0]:.2f}, end {os.getloadavg()[0]:.2f}")
    if args.json:
        figure = Figure(
            id="kv_cp_vs_ttm",
            title=f"artifact push+pull ÷ ttm's kv cp, {args.mib} MiB",
            x_label="file size (MiB)",
            y_label="speed-up over ttm's strategy",
            series={
                "end to end": [(args.mib, results["artifact_speedup_vs_ttm"])],
                "transfer only": [(args.mib, results["transfer_speedup_vs_ttm"])],
            },
            goal=2.0,
            goal_side="above",
            note="`terrateam` subprocesses, start-up included",
        )
        write_results(args.json, "cli_kv_cp", results, [figure])


if __name__ == "__main__":
    main()
