"""terrateam.api.kv_artifact: push from the controller, deliver to many hosts, one download."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from ansible_harness import save

pytestmark = pytest.mark.ansible


def _push(ansible, src: Path, state: str = "present"):
    return ansible.play(
        f"""\
        - terrateam.api.kv_artifact:
            key: plans/network
            src: "{src}"
            state: {state}
          register: a
        """
        + save("a")
    )


def _inventory(tmp: Path, hosts: int) -> str:
    lines = ["[web]"]
    for n in range(hosts):
        lines.append(f"web{n} ansible_connection=local dest_dir={tmp / f'host{n}'}")
    return "\n".join(lines) + "\n"


FETCH = """\
- ansible.builtin.file:
    path: "{{ dest_dir }}"
    state: directory
- terrateam.api.kv_artifact:
    key: plans/network
    dest: "{{ dest_dir }}/network.tfplan"
    mode: "0640"
  register: fetched
- ansible.builtin.set_fact:
    per_host: >-
      {{ dict(ansible_play_hosts | zip(ansible_play_hosts
         | map('extract', hostvars, 'fetched'))) }}
  run_once: true
"""


def _gets(stats: dict) -> int:
    return sum(
        n for route, n in stats["requests"].items() if route.startswith("GET") and "/kv/" in route
    )


def test_artifact_push_idempotent_change_delete(ansible, tmp_path):
    """present uploads once, re-run is unchanged, new content changes, absent deletes once."""
    src = tmp_path / "plan.bin"
    src.write_bytes(os.urandom(300_000))
    first = _push(ansible, src)
    assert first.recap()["changed"] == 1
    assert first.results["a"]["artifact"]["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    assert _push(ansible, src).recap()["changed"] == 0
    src.write_bytes(os.urandom(1000))
    assert _push(ansible, src).recap()["changed"] == 1
    absent = """\
        - terrateam.api.kv_artifact:
            key: plans/network
            state: absent
          register: a
        """ + save("a")
    assert ansible.play(absent).recap()["changed"] == 1
    assert ansible.play(absent).recap()["changed"] == 0


def test_artifact_check_mode_uploads_nothing(ansible, emulator, tmp_path):
    """Check mode predicts the upload and sends no write."""
    src = tmp_path / "plan.bin"
    src.write_bytes(b"x" * 5000)
    emulator.admin.reset_stats()
    run = ansible.play(
        f"""\
        - terrateam.api.kv_artifact:
            key: plans/network
            src: "{src}"
          register: a
        """
        + save("a"),
        args=("--check",),
    )
    assert run.recap()["changed"] == 1
    writes = [
        r
        for r in emulator.admin.stats()["requests"]
        if r.startswith(("PUT", "DELETE", "POST /api/v1/{vcs}/kv"))
    ]
    assert writes == []


def test_artifact_delivered_to_many_hosts_with_one_download(ansible, emulator, tmp_path):
    """Four hosts (local connection, own dest dirs) get the file; the API serves it once."""
    src = tmp_path / "plan.bin"
    payload = os.urandom(2_500_000)  # several chunks
    src.write_bytes(payload)
    _push(ansible, src)

    inv_one = _inventory(tmp_path / "single", 1)
    emulator.admin.reset_stats()
    ansible.play(FETCH + save("per_host"), inventory=inv_one, hosts="web")
    one_download = _gets(emulator.admin.stats())
    assert one_download >= 3

    inv = _inventory(tmp_path / "many", 4)
    emulator.admin.reset_stats()
    run = ansible.play(FETCH + save("per_host"), inventory=inv, hosts="web", args=("--forks", "4"))
    assert _gets(emulator.admin.stats()) == one_download  # one download for four hosts
    per_host = run.results["per_host"]
    assert sorted(per_host) == [f"web{n}" for n in range(4)]
    assert sum(1 for r in per_host.values() if r["downloaded"]) == 1
    for n in range(4):
        dest = tmp_path / "many" / f"host{n}" / "network.tfplan"
        assert dest.read_bytes() == payload
        assert oct(dest.stat().st_mode & 0o777) == "0o640"
        assert per_host[f"web{n}"]["changed"] is True

    again = ansible.play(FETCH + save("per_host"), inventory=inv, hosts="web")
    for n in range(4):
        assert again.recap(f"web{n}")["changed"] == 0  # host files already match
        assert again.results["per_host"][f"web{n}"]["changed"] is False


def test_artifact_missing_fails_clearly(ansible, tmp_path):
    """A missing artifact or a missing src file fails with a plain message."""
    tasks = f"""\
        - terrateam.api.kv_artifact: {{key: plans/none, dest: "{tmp_path / "x"}"}}
          register: no_artifact
          ignore_errors: true
        - terrateam.api.kv_artifact: {{key: plans/none, src: "{tmp_path / "nope"}"}}
          register: no_src
          ignore_errors: true
        - terrateam.api.kv_artifact: {{key: plans/none}}
          register: no_state
          ignore_errors: true
        """ + save("no_artifact", "no_src", "no_state")
    r = ansible.play(tasks).results
    assert r["no_artifact"]["msg"] == "not found (key plans/none)"
    assert r["no_src"]["msg"].startswith("FileNotFoundError")
    assert "set src" in r["no_state"]["msg"]
    for name in r:
        assert r[name]["failed"] is True


def test_artifact_republished_in_the_same_run_is_fetched_again(ansible, tmp_path):
    """The cache is per task ("once per task per run", ansible_collection/README.md): every host
    of a fetch task gets the version of that task's single download, and a later task sees an
    artifact re-published in between (it downloads again)."""
    v1, v2 = tmp_path / "v1.bin", tmp_path / "v2.bin"
    v1.write_bytes(b"version one" * 100)
    v2.write_bytes(b"version two" * 100)
    tasks = f"""\
        - terrateam.api.kv_artifact: {{key: plans/network, src: "{v1}"}}
          run_once: true
        - ansible.builtin.file: {{path: "{{{{ dest_dir }}}}", state: directory}}
        - terrateam.api.kv_artifact: {{key: plans/network, dest: "{{{{ dest_dir }}}}/a.bin"}}
        - terrateam.api.kv_artifact: {{key: plans/network, src: "{v2}"}}
          run_once: true
        - terrateam.api.kv_artifact: {{key: plans/network, dest: "{{{{ dest_dir }}}}/b.bin"}}
          register: fetched
        - ansible.builtin.set_fact:
            second: "{{{{ dict(ansible_play_hosts | zip(ansible_play_hosts
                       | map('extract', hostvars, 'fetched'))) }}}}"
          run_once: true
        """ + save("second")
    run = ansible.play(tasks, inventory=_inventory(tmp_path / "hosts", 3), hosts="web")
    for n in range(3):
        assert (tmp_path / "hosts" / f"host{n}" / "a.bin").read_bytes() == v1.read_bytes()
        assert (tmp_path / "hosts" / f"host{n}" / "b.bin").read_bytes() == v2.read_bytes()
    second = run.results["second"]
    assert sorted(second) == ["web0", "web1", "web2"]
    assert sum(1 for r in second.values() if r["downloaded"]) == 1, "one download per task"
    assert {r["artifact"]["sha256"] for r in second.values()} == {
        hashlib.sha256(v2.read_bytes()).hexdigest()
    }
