"""Benchmark: API-key → access-token exchanges per play (figures, not a test).

Counts ``POST /api/v1/access-token/refresh`` with the emulator's request statistics
(``/_emulator/stats``) for two plays against an emulator started here on 127.0.0.1:

* 30 tasks (30 ``terrateam.api.kv`` writes, one task each);
* 1 task with a 30-item loop (plus a ``terrateam.api.kv`` lookup in the same task).

"before" runs the collection as it was at ``--before-ref`` (default 0008138, a client per task,
loop item and lookup), extracted with ``git archive``; "after, in memory" runs this checkout's
collection with ``TERRATEAM_TOKEN_CACHE=false``; "after, token cache" with the default (the
core's persistent 0600 token cache, when this terrateam_core has it).
Goal: one exchange per token lifetime (60 s).
Run: ``.venv/bin/python bench/ansible_token_sharing.py [--before-ref REF]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from terrateam_emulator import EmulatorSettings
from terrateam_emulator.testing import EmulatorServer

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TASKS = 30
EXCHANGE = "POST /api/v1/access-token/refresh"

TASKS_PLAY = "- hosts: localhost\n  gather_facts: false\n  tasks:\n" + "".join(
    f"    - terrateam.api.kv: {{key: bench/tasks/{n}, value: {n}}}\n" for n in range(TASKS)
)
LOOP_PLAY = f"""\
- hosts: localhost
  gather_facts: false
  tasks:
    - terrateam.api.kv:
        key: "bench/loop/{{{{ item }}}}"
        value: "{{{{ item }}}}"
      loop: "{{{{ range({TASKS}) | list }}}}"
      vars:
        probe: "{{{{ lookup('terrateam.api.kv', 'bench/loop/0', on_missing='skip') }}}}"
"""


def _play(work: Path, server: EmulatorServer, text: str, env: dict[str, str]) -> tuple[int, float]:
    path = work / "play.yml"
    path.write_text(text)
    server.admin.reset_stats()
    started = time.perf_counter()
    proc = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(path)],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"ansible-playbook failed:\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}")
    return int(server.admin.stats()["requests"].get(EXCHANGE, 0)), elapsed


def _collections(work: Path, name: str, ref: str | None) -> Path:
    """A collections dir with terrateam.api from the work tree, or from git ``ref``."""
    root = work / name
    coll = root / "ansible_collections" / "terrateam"
    coll.mkdir(parents=True)
    if ref is None:
        (coll / "api").symlink_to(REPO / "ansible_collection")
        return root
    raw = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", ref, "ansible_collection"],
        capture_output=True, check=True, timeout=120,
    ).stdout  # fmt: skip
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        tar.extractall(coll, filter="data")
    (coll / "ansible_collection").rename(coll / "api")
    return root


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before-ref", default="0008138")
    args = parser.parse_args()
    server = EmulatorServer(EmulatorSettings(seed="demo")).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            after = _collections(work, "after", None)
            before = _collections(work, "before", args.before_ref)
            env = {
                k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "TERRATEAM_"))
            }
            env.update(
                ANSIBLE_COLLECTIONS_PATH=str(after), ANSIBLE_NOCOLOR="1",
                ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCAL_TEMP=str(work / "tmp"),
                PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
                TERRATEAM_BASE_URL=server.url, TERRATEAM_API_KEY=str(server.api_key),
                TERRATEAM_INSTALLATION_ID="12345", XDG_CACHE_HOME=str(work / "cache"),
                HOME=str(work / "home"),
            )  # fmt: skip
            old = {**env, "ANSIBLE_COLLECTIONS_PATH": str(before)}
            tasks_old, _ = _play(work, server, TASKS_PLAY, old)
            loop_old, _ = _play(work, server, LOOP_PLAY, old)
            memory = {**env, "TERRATEAM_TOKEN_CACHE": "false"}
            tasks_mem, t_tasks_mem = _play(work, server, TASKS_PLAY, memory)
            loop_mem, t_loop_mem = _play(work, server, LOOP_PLAY, memory)
            has_cache = importlib.util.find_spec("terrateam_core.token_cache") is not None
            if has_cache:
                tasks_cache, t_tasks_cache = _play(work, server, TASKS_PLAY, env)
                loop_cache, _ = _play(work, server, LOOP_PLAY, env)
    finally:
        server.stop()
    print(f"API-key exchanges per play (emulator stats, `{EXCHANGE}`)")
    print(f"  {'play':<34}{'before':>8}{'after, in memory':>18}{'after, token cache':>20}")
    cache_tasks = f"{tasks_cache} ({t_tasks_cache:.1f} s)" if has_cache else "n/a"
    cache_loop = str(loop_cache) if has_cache else "n/a"
    print(f"  {f'{TASKS} tasks':<34}{tasks_old:>8}{f'{tasks_mem} ({t_tasks_mem:.1f} s)':>18}"
          f"{cache_tasks:>20}")  # fmt: skip
    print(f"  {f'1 task, {TASKS}-item loop + lookup':<34}{loop_old:>8}{loop_mem:>18}"
          f"{cache_loop:>20}")  # fmt: skip
    if not has_cache:
        print("  (this terrateam_core has no terrateam_core.token_cache: the cross-task figure "
              "needs it)")  # fmt: skip
    del t_loop_mem


if __name__ == "__main__":
    main()
