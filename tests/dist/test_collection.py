"""The collection tarball installed the way users install it, run from that install."""

from __future__ import annotations

import json
import subprocess
import tarfile
from pathlib import Path

import pytest
from distkit import COLLECTION, INSTALLATION_ID, VERSION, Emulator, Venv, clean_env

_PLAYBOOK = """
- name: The installed collection against the emulator
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Write a KV entry with the module
      terrateam.api.kv:
        key: dist/ansible/config
        value: {region: eu-west-1, replicas: 2}
      register: written

    - name: Read it back with the lookup
      ansible.builtin.set_fact:
        config: "{{ lookup('terrateam.api.kv', 'dist/ansible/config') }}"

    - name: Publish an artifact
      terrateam.api.kv_artifact:
        key: dist/ansible/artifact
        src: "{{ playbook_dir }}/artifact.txt"

    - name: Fetch it back onto the host
      terrateam.api.kv_artifact:
        key: dist/ansible/artifact
        dest: "{{ playbook_dir }}/out/artifact.txt"
        mode: "0640"
      register: fetched

    - name: Check what came back
      ansible.builtin.assert:
        that:
          - written is changed
          - config.region == 'eu-west-1'
          - config.replicas == 2
          - fetched is changed
"""


@pytest.fixture(scope="module")
def collections_path(ansible_venv: Venv, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`ansible-galaxy collection install -p <tmp> dist/terrateam-api-<v>.tar.gz`."""
    path = tmp_path_factory.mktemp("collections")
    ansible_venv.run(
        "ansible-galaxy",
        "collection",
        "install",
        "-p",
        str(path),
        str(COLLECTION),
        env=_ansible_env(path),
    )
    return path


def _ansible_env(path: Path, **extra: str) -> dict[str, str]:
    return clean_env(
        ANSIBLE_COLLECTIONS_PATH=str(path),
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
        ANSIBLE_HOME=str(path / ".ansible-home"),
        ANSIBLE_NOCOLOR="1",
        **extra,
    )


def _plugins(kind: str) -> list[str]:
    prefix = f"plugins/{kind}/"
    with tarfile.open(COLLECTION) as tar:
        names = [m.name.removeprefix("./") for m in tar.getmembers()]
    return sorted(
        f"terrateam.api.{n[len(prefix) : -3]}"
        for n in names
        if n.startswith(prefix)
        and n.endswith(".py")
        and "/" not in n[len(prefix) :]
        and not n[len(prefix) :].startswith("_")
    )


def test_installed_collection_is_found(ansible_venv: Venv, collections_path: Path) -> None:
    """ansible-galaxy lists terrateam.api at the tarball's version from the temp path."""
    out = ansible_venv.run(
        "ansible-galaxy",
        "collection",
        "list",
        "terrateam.api",
        "--format",
        "json",
        env=_ansible_env(collections_path),
    ).stdout
    found = {
        c: meta["version"] for by_path in json.loads(out).values() for c, meta in by_path.items()
    }
    assert found == {"terrateam.api": VERSION}


@pytest.mark.parametrize("kind", ["module", "lookup"])
def test_every_plugin_has_docs(ansible_venv: Venv, collections_path: Path, kind: str) -> None:
    """`ansible-doc -t <kind>` renders every plugin of the tarball."""
    plugins = _plugins("modules" if kind == "module" else "lookup")
    assert plugins
    out = ansible_venv.run(
        "ansible-doc", "--json", "-t", kind, *plugins, env=_ansible_env(collections_path)
    ).stdout
    docs = json.loads(out)
    assert sorted(docs) == plugins
    for name, entry in docs.items():
        assert entry["doc"]["short_description"], name
    text = ansible_venv.run(
        "ansible-doc", "-t", kind, plugins[0], env=_ansible_env(collections_path)
    ).stdout
    assert plugins[0].upper() in text.upper()


def test_playbook_runs_against_the_emulator(
    ansible_venv: Venv, collections_path: Path, emulator: Emulator, tmp_path: Path
) -> None:
    """Module write, lookup read and a kv_artifact push + fetch, from the installed tarball."""
    (tmp_path / "artifact.txt").write_text("plan bytes\n")
    (tmp_path / "out").mkdir()
    playbook = tmp_path / "site.yml"
    playbook.write_text(_PLAYBOOK)
    env = _ansible_env(
        collections_path,
        TERRATEAM_BASE_URL=emulator.url,
        TERRATEAM_API_KEY=emulator.api_key,
        TERRATEAM_INSTALLATION_ID=INSTALLATION_ID,
        HOME=str(tmp_path),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        TMPDIR=str(tmp_path),
    )
    proc = subprocess.run(
        [
            ansible_venv.bin("ansible-playbook"),
            "-i",
            "localhost,",
            "-c",
            "local",
            "-e",
            f"ansible_python_interpreter={ansible_venv.bin('python')}",
            str(playbook),
        ],
        cwd=ansible_venv.cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "failed=0" in proc.stdout
    assert (tmp_path / "out" / "artifact.txt").read_text() == "plan bytes\n"
