"""Benchmark the terrateam.api collection against plain Ansible baselines (figures, not a test).

1. In one playbook run: 50 ``terrateam.api.kv`` lookups (one per loop item, each with its own
   token exchange) vs 50 ``ansible.builtin.uri`` GETs of the same keys with a pre-fetched access
   token; plus one ``query`` of all 50 keys (one exchange). Goal: lookups ≤ 1.0× uri.
2. In one playbook run against 20 inventory hosts (local connection, own directories):
   ``kv_artifact`` of a 10 MiB artifact vs ``ansible.builtin.copy`` of the same local file,
   and how many times the API served the artifact (goal: once).

Run: ``.venv/bin/python bench/ansible_lookup.py [--json PATH]`` (starts its own emulator on
loopback). Prints the figures and writes them to PATH (default
``bench/results/ansible_lookup.json``) in the shape of ``bench/_results.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from terrateam_core import TerrateamClient
from terrateam_emulator import EmulatorSettings
from terrateam_emulator.testing import EmulatorServer

sys.path.insert(0, str(Path(__file__).parent))
from _results import Figure, write_results

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
KEYS = 50
HOSTS = 20
SIZE = 10 * 1024 * 1024

LOOKUP_PLAY = """\
- hosts: localhost
  gather_facts: false
  vars:
    bench_keys: {keys}
  tasks:
    - name: pre-fetch an access token for the uri baseline
      ansible.builtin.set_fact:
        token: "{{{{ lookup('terrateam.api.access_token') }}}}"
      no_log: true
    - ansible.builtin.set_fact: {{t0: "{{{{ now(utc=true).timestamp() }}}}"}}
    - name: 50 terrateam.api.kv lookups
      ansible.builtin.set_fact:
        last: "{{{{ lookup('terrateam.api.kv', item) }}}}"
      loop: "{{{{ bench_keys }}}}"
    - ansible.builtin.set_fact: {{t1: "{{{{ now(utc=true).timestamp() }}}}"}}
    - name: 50 ansible.builtin.uri GETs with the pre-fetched token
      ansible.builtin.uri:
        url: "{{{{ base }}}}/api/v1/github/kv/{{{{ iid }}}}/key/{{{{ item }}}}"
        headers: {{Authorization: "Bearer {{{{ token }}}}"}}
      loop: "{{{{ bench_keys }}}}"
      no_log: true
    - ansible.builtin.set_fact: {{t2: "{{{{ now(utc=true).timestamp() }}}}"}}
    - name: one query of all 50 keys (one token exchange)
      ansible.builtin.set_fact:
        all_values: "{{{{ query('terrateam.api.kv', *bench_keys) }}}}"
    - ansible.builtin.set_fact: {{t3: "{{{{ now(utc=true).timestamp() }}}}"}}
    - ansible.builtin.copy:
        dest: "{{{{ out }}}}"
        content: "{{{{ {{'lookups': t1|float - t0|float, 'uri': t2|float - t1|float,
                      'query': t3|float - t2|float, 'n': all_values|length}} | to_json }}}}"
"""

ARTIFACT_PLAY = """\
- hosts: hosts
  gather_facts: false
  tasks:
    - ansible.builtin.file: {{path: "{{{{ dir }}}}", state: directory}}
    - ansible.builtin.set_fact: {{t0: "{{{{ now(utc=true).timestamp() }}}}"}}
      run_once: true
    - name: kv_artifact to every host
      terrateam.api.kv_artifact: {{key: bench/artifact, dest: "{{{{ dir }}}}/artifact.bin"}}
      register: fetched
    - ansible.builtin.set_fact: {{t1: "{{{{ now(utc=true).timestamp() }}}}"}}
      run_once: true
    - name: ansible.builtin.copy of the same local file to every host
      ansible.builtin.copy: {{src: "{{{{ local_file }}}}", dest: "{{{{ dir }}}}/copy.bin"}}
    - ansible.builtin.set_fact: {{t2: "{{{{ now(utc=true).timestamp() }}}}"}}
      run_once: true
    - ansible.builtin.copy:
        dest: "{{{{ out }}}}"
        content: >-
          {{{{ {{'kv_artifact': t1|float - t0|float, 'copy': t2|float - t1|float,
               'downloaded': ansible_play_hosts
                 | map('extract', hostvars, ['fetched', 'downloaded']) | select | list | length
             }} | to_json }}}}
      delegate_to: localhost
      run_once: true
"""


def playbook(
    work: Path, name: str, text: str, inventory: str, env: dict[str, str], extra: tuple = ()
) -> dict:
    """Run one playbook and return the JSON it wrote to ``out``."""
    (work / f"{name}.yml").write_text(text)
    (work / f"{name}.ini").write_text(inventory)
    out = work / f"{name}.json"
    proc = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(work / f"{name}.ini"), str(work / f"{name}.yml"),
         "--forks", "10", "-e", f"out={out}", *extra],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    if proc.returncode:
        raise SystemExit(f"{name} playbook failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}")
    return json.loads(out.read_text())


def main() -> None:
    """Run both comparisons and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = REPO / "bench" / "results" / "ansible_lookup.json"
    parser.add_argument("--json", type=Path, default=default, help="write results here")
    args = parser.parse_args()
    server = EmulatorServer(EmulatorSettings(seed="demo")).start()
    try:
        iid = 12345
        with (
            tempfile.TemporaryDirectory() as tmp,
            TerrateamClient(server.api_key, base_url=server.url, installation_id=iid) as client,
        ):
            work = Path(tmp)
            coll = work / "collections" / "ansible_collections" / "terrateam"
            coll.mkdir(parents=True)
            (coll / "api").symlink_to(REPO / "ansible_collection", target_is_directory=True)
            env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
            env.update(
                ANSIBLE_COLLECTIONS_PATH=str(work / "collections"), ANSIBLE_NOCOLOR="1",
                ANSIBLE_PYTHON_INTERPRETER=sys.executable, TERRATEAM_BASE_URL=server.url,
                TERRATEAM_API_KEY=server.api_key or "", TERRATEAM_INSTALLATION_ID=str(iid),
                PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            )  # fmt: skip
            keys = [f"bench/key-{n:02d}" for n in range(KEYS)]
            for n, key in enumerate(keys):
                client.kv.set(key, {"n": n, "payload": "x" * 100})
            local = work / "artifact.bin"
            local.write_bytes(os.urandom(SIZE))
            client.kv.put_artifact("bench/artifact", str(local))

            lookups = playbook(
                work, "lookups", LOOKUP_PLAY.format(keys=json.dumps(keys)),
                "localhost ansible_connection=local\n", env,
                extra=("-e", f"base={server.url}", "-e", f"iid={iid}"),
            )  # fmt: skip

            inventory = "[hosts]\n" + "".join(
                f"h{n:02d} ansible_connection=local dir={work / 'hosts' / f'h{n:02d}'}\n"
                for n in range(HOSTS)
            )
            inventory += f"[hosts:vars]\nlocal_file={local}\n"
            server.admin.reset_stats()
            artifact = playbook(work, "artifact", ARTIFACT_PLAY.format(), inventory, env)
            stats = server.admin.stats()
            gets = sum(n for route, n in stats["requests"].items()
                       if route.startswith("GET") and "/kv/" in route)  # fmt: skip
    finally:
        server.stop()

    figures = {
        "kv_lookups_50_s": round(lookups["lookups"], 3),
        "uri_gets_50_s": round(lookups["uri"], 3),
        "kv_query_50_terms_s": round(lookups["query"], 3),
        "lookup_vs_uri_ratio": round(lookups["lookups"] / lookups["uri"], 3),
        "query_vs_uri_ratio": round(lookups["query"] / lookups["uri"], 3),
        "kv_artifact_10MiB_20_hosts_s": round(artifact["kv_artifact"], 3),
        "copy_10MiB_20_hosts_s": round(artifact["copy"], 3),
        "kv_artifact_vs_copy_ratio": round(artifact["kv_artifact"] / artifact["copy"], 3),
        "hosts_that_downloaded": artifact["downloaded"],
        "api_kv_get_requests_during_artifact_play": gets,
    }
    for name, value in figures.items():
        print(f"{name:45s} {value}")
    charts = [
        Figure(
            id="ansible_lookup",
            title=f"{KEYS} KV reads in one play ÷ {KEYS} ansible.builtin.uri GETs",
            x_label="form",
            y_label="wall time ÷ uri GETs (×)",
            series={
                f"{KEYS} terrateam.api.kv lookups": [(0.0, figures["lookup_vs_uri_ratio"])],
                f"one query of {KEYS} keys": [(0.0, figures["query_vs_uri_ratio"])],
            },
            goal=1.0,
            goal_side="below",
            note="the goal applies to the lookups",
        ),
        Figure(
            id="ansible_artifact",
            title=f"A 10 MiB artifact to {HOSTS} hosts: kv_artifact vs ansible.builtin.copy",
            x_label="module",
            y_label="wall time (s)",
            series={
                "terrateam.api.kv_artifact": [(0.0, figures["kv_artifact_10MiB_20_hosts_s"])],
                "ansible.builtin.copy": [(0.0, figures["copy_10MiB_20_hosts_s"])],
            },
            note=f"API served the artifact {gets} time(s)",
        ),
    ]
    write_results(args.json, "ansible_lookup", figures, charts)


if __name__ == "__main__":
    main()
