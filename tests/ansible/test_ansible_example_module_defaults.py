"""examples/ansible/module_defaults.yml: two accounts set through module_defaults, run for real."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from ansible_harness import BIN

pytestmark = pytest.mark.ansible

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ansible" / "module_defaults.yml"


def _ops_key(emulator: Any) -> str:
    user = emulator.admin.create_user("ops", vcs=["gitlab"], installations=[678])
    key = emulator.admin.mint_api_key(
        "ops", ["kv_store_read", "kv_store_write", {"name": "vcs", "vcs": "gitlab"}], user
    )
    return str(key.refresh_token)


def test_module_defaults_example_uses_each_account(ansible, emulator, client) -> None:
    """The play's defaults write to installation 12345, the block's to GitLab 678 with the ops
    key; no key appears in the output."""
    from terrateam_core import TerrateamClient

    ops_key = _ops_key(emulator)
    proc = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(EXAMPLE),
         "-e", f"ops_api_key={ops_key}", "-e", "ops_vcs=gitlab", "-e", "ops_installation_id=678"],
        cwd=ansible.workdir, env=ansible.environ(), capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert client.kv.get("example/flags/release").data == {"enabled": True, "owner": "main"}
    with TerrateamClient(ops_key, base_url=emulator.url, vcs="gitlab", installation_id=678) as ops:
        assert ops.kv.get("example/flags/release").data == {"enabled": False, "owner": "ops"}
    out = proc.stdout + proc.stderr
    assert "owner': 'ops'" in out
    assert ops_key not in out
    assert emulator.api_key not in out
