"""The terrateam.api collection on a controller without this Python package: a task and a
lookup each fail with the one install line, never a traceback."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

PLAYBOOK = """\
- hosts: localhost
  gather_facts: false
  tasks:
    - name: a module (its action plugin runs on the controller)
      terrateam.api.kv_info:
        key: some/key
      ignore_errors: true
    - name: a lookup
      ansible.builtin.debug:
        msg: "{{ lookup('terrateam.api.kv', 'some/key') }}"
      ignore_errors: true
"""


@pytest.mark.ansible
def test_collection_without_terrateam_core(hidden: Any, tmp_path: Path) -> None:
    if not (BIN / "ansible-playbook").exists():
        pytest.skip("ansible-playbook is not installed (the ansible extra)")
    collections = tmp_path / "collections"
    link = collections / "ansible_collections" / "terrateam" / "api"
    link.parent.mkdir(parents=True)
    link.symlink_to(ROOT / "ansible_collection", target_is_directory=True)
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    env = {
        "ANSIBLE_COLLECTIONS_PATH": str(collections),
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "ANSIBLE_DEPRECATION_WARNINGS": "0",
        "TERRATEAM_API_KEY": "k-not-used",
        "TERRATEAM_BASE_URL": "http://127.0.0.1:9",
    }
    proc = hidden(
        ["terrateam_core", "terrateam_emulator", "pulumi_terrateam"],
        [str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", "play.yml"],
        env=env,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out  # both tasks failed and were ignored: the play ran
    assert re.search(r"localhost\s*: ok=2 .*failed=0 .*ignored=2", out), out
    messages = re.findall(r'"msg": "([^"]*)"', out)
    assert len(messages) == 2, out
    for message in messages:
        assert "the terrateam.api collection needs the terrateam" in message
        assert "pip install terrateam-toolkit" in message
    assert "Traceback" not in out
