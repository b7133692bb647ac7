"""Collection-wide promises: the action group, module/lookup defaults, the missing-core message."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from ansible_harness import BIN, COLLECTION

pytestmark = pytest.mark.ansible

CONNECTION = (
    "api_key",
    "base_url",
    "vcs",
    "installation_id",
    "timeout",
    "validate_certs",
    "ca_path",
)


def _doc(ansible, kind: str, name: str) -> dict:
    out = subprocess.run(
        [str(BIN / "ansible-doc"), "-j", "-t", kind, f"terrateam.api.{name}"],
        env=ansible.environ(), capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return json.loads(out.stdout)[f"terrateam.api.{name}"]["doc"]["options"]


def test_action_group_lists_every_module():
    """meta/runtime.yml's terrateam group is exactly the module files, in order."""
    runtime = yaml.safe_load((COLLECTION / "meta" / "runtime.yml").read_text())
    group = runtime["action_groups"]["terrateam"]
    modules = sorted(p.stem for p in (COLLECTION / "plugins" / "modules").glob("*.py"))
    actions = sorted(p.stem for p in (COLLECTION / "plugins" / "action").glob("*.py"))
    assert group == modules == actions
    assert len(modules) == 15


def test_module_and_lookup_defaults_are_identical(ansible):
    """Every shared connection option has the same type and default in modules and lookups."""
    lookup = _doc(ansible, "lookup", "kv")
    for module in ("kv", "api_token", "work_manifest_info"):
        options = _doc(ansible, "module", module)
        for name in CONNECTION:
            assert options[name].get("default") == lookup[name].get("default"), (module, name)
            assert options[name]["type"] == lookup[name]["type"], (module, name)


def test_missing_core_names_the_install_command(ansible, tmp_path: Path):
    """Without terrateam_core, modules and lookups fail saying what to pip install."""
    shadow = tmp_path / "shadow" / "terrateam_core"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('simulated: not installed')\n")
    tasks = """\
        - terrateam.api.whoami_info:
          register: module
          ignore_errors: true
        - ansible.builtin.set_fact:
            value: "{{ lookup('terrateam.api.kv', 'k') }}"
          register: lookup
          ignore_errors: true
        """
    run = ansible.play(tasks, env={"PYTHONPATH": str(shadow.parent)})
    assert run.output.count("pip install terrateam-toolkit[ansible]") >= 2
