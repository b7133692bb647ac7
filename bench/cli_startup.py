"""Benchmark: start-up cost of the `terrateam` CLI (figures, not a test).

Measures, in one run and on one machine, the median wall time of:

* ``python -c pass`` (the bare interpreter: the baseline),
* ``import typer`` / ``import httpx`` / ``import terrateam_core`` (where the time goes),
* ``terrateam --version`` and ``terrateam --help`` (the light path),
* ``terrateam kv get KEY`` against a local emulator started in a subprocess
  (SQLite file, demo seed): with the token cache warm this is the stdlib fast path
  (``cli/_fast_kv.py``): start-up + one GET,
* the same command through the Typer path (the lazy root group, as when the fast path
  declines): start-up + Typer + httpx + pydantic + one GET,
* the floor: ``python -c`` making the same GET with ``http.client`` and a ready token,

and prints each as a ratio to the baseline (goal: ``kv get`` <= 3x bare start-up), in wall
time and in CPU time (user + sys of the child: steadier when the machine is busy).
Usage: ``.venv/bin/python bench/cli_startup.py [--runs N] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _results import Figure, write_results

BIN = Path(sys.executable).parent


def _time_runs(
    argv: Sequence[str], runs: int, env: dict[str, str]
) -> tuple[list[float], list[float]]:
    """Wall times and CPU times (user + sys of the child) of *runs* runs."""
    # One warm-up run so the page cache and .pyc files are hot for every command alike.
    subprocess.run(argv, env=env, capture_output=True, check=True)
    wall, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(argv, env=env, capture_output=True, check=False)
        wall.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
        if proc.returncode != 0:
            raise SystemExit(f"{argv} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return wall, cpu


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
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if port_file.exists() and key_file.exists() and port_file.read_text().strip():
            break
        if proc.poll() is not None:
            raise SystemExit("emulator exited early")
        time.sleep(0.05)
    text = port_file.read_text().strip()
    url = text if text.startswith("http") else f"http://127.0.0.1:{text}"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1) as resp:
                if resp.status == 200:
                    return proc, url, key_file.read_text().strip()
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("emulator did not become healthy")


# `python -c pass` + one GET of the same key with the standard library and a ready token.
_FLOOR = """
import http.client, os, sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
c.request("GET", "/api/v1/github/kv/12345/key/bench%2Fstartup?idx=0",
          headers={"Authorization": "Bearer " + os.environ["BENCH_TOKEN"]})
r = c.getresponse()
sys.stdout.buffer.write(r.read())
sys.exit(r.status != 200)
"""


def _fresh_token(url: str, api_key: str) -> str:
    request = urllib.request.Request(
        f"{url}/api/v1/access-token/refresh",
        method="POST",
        headers={"Authorization": f"Bearer {api_key}"},
    )
    with urllib.request.urlopen(request, timeout=30) as resp:
        return str(json.loads(resp.read())["token"])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    args = parser.parse_args(argv)

    env = {k: v for k, v in os.environ.items() if not k.startswith(("TERRATEAM_", "TTM_"))}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env["TERRATEAM_CONFIG_FILE"] = str(work / "config.toml")
        emulator, url, api_key = _start_emulator(work)
        try:
            from terrateam_core import TerrateamClient

            with TerrateamClient(api_key, base_url=url, installation_id=12345) as client:
                client.kv.set("bench/startup", {"hello": "world", "n": 42})
            kv_env = dict(env, TERRATEAM_BASE_URL=url, TERRATEAM_API_KEY=api_key)
            terrateam = str(BIN / "terrateam")
            kv_args = ["kv", "get", "--vcs", "github", "-i", "12345", "--api-base", url]
            kv_args.append("bench/startup")
            typer_path = (
                "import sys; from terrateam_core.cli._app import build_app; "
                "sys.argv[0] = 'terrateam'; build_app(lazy=True)(prog_name='terrateam')"
            )
            cases = {
                "python -c pass": ([sys.executable, "-c", "pass"], env),
                "import typer": ([sys.executable, "-c", "import typer"], env),
                "import httpx": ([sys.executable, "-c", "import httpx"], env),
                "import terrateam_core": ([sys.executable, "-c", "import terrateam_core"], env),
                "terrateam --version": ([terrateam, "--version"], env),
                "terrateam --help": ([terrateam, "--help"], env),
                "terrateam kv get KEY": ([terrateam, *kv_args], kv_env),
                "kv get, Typer path": ([sys.executable, "-c", typer_path, *kv_args], kv_env),
                "floor: stdlib GET": ([sys.executable, "-c", _FLOOR, url], kv_env),
            }
            results, cpu_results = {}, {}
            for name, (cmd, case_env) in cases.items():
                if name.startswith("floor"):  # a fresh token (60 s lifetime) for the floor
                    case_env = dict(case_env, BENCH_TOKEN=_fresh_token(url, api_key))
                wall, cpu = _time_runs(cmd, args.runs, case_env)
                results[name], cpu_results[name] = statistics.median(wall), statistics.median(cpu)
        finally:
            emulator.terminate()
            emulator.wait(timeout=10)

    base, cpu_base = results["python -c pass"], cpu_results["python -c pass"]
    print(f"CLI start-up, median of {args.runs} runs (same machine, same run)")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"{'command':<24} {'wall ms':>9} {'x bare':>7} {'cpu ms':>8} {'x bare':>7}")
    for name, value in results.items():
        cpu = cpu_results[name]
        print(
            f"{name:<24} {value * 1000:>9.1f} {value / base:>7.2f}"
            f" {cpu * 1000:>8.1f} {cpu / cpu_base:>7.2f}"
        )
    print("(import rows show where start-up goes; `kv get KEY` is the stdlib fast path with a")
    print(" cached token, `Typer path` the full command; `floor` = interpreter + one GET)")
    goal = results["terrateam kv get KEY"] / base
    print(
        f"goal: kv get <= 3.00x bare start-up -> {goal:.2f}x ({'met' if goal <= 3 else 'NOT met'})"
    )
    if args.json:
        raw = {"runs": args.runs, "median_wall_s": results, "median_cpu_s": cpu_results}
        write_results(args.json, "cli_startup", raw, [_figure(cpu_results, args.runs)])
    return 0


def _figure(cpu_results: dict[str, float], runs: int) -> Figure:
    """CPU time of each command as a multiple of the bare interpreter's (goal: kv get <= 8x)."""
    base = cpu_results["python -c pass"]
    return Figure(
        id="cli_startup",
        title="CLI start-up: CPU time per command ÷ python -c pass",
        x_label="command",
        y_label="CPU time ÷ python -c pass (×)",
        series={name: [(0.0, round(cpu / base, 3))] for name, cpu in cpu_results.items()},
        goal=8.0,
        goal_side="below",
        note=f"median of {runs} runs; the goal applies to `terrateam kv get KEY`",
    )


if __name__ == "__main__":
    sys.exit(main())
