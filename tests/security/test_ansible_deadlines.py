"""Ansible plugins end within their deadline against hostile servers (issue 16).

Real ansible-playbook runs: a module (``kv_info``) and a lookup (``access_token``, the bare
token exchange) against servers that never answer or trickle. ``TERRATEAM_TOTAL_TIMEOUT``
bounds each call; the task fails with a clear message instead of hanging the play.
"""

from __future__ import annotations

import time

import pytest
from conftest_client import ansible_runner, hostile

pytestmark = pytest.mark.ansible

API_KEY = "hostile-test-api-key-0123456789"
NO_HANG = 90.0  # generous (ansible-playbook's own start-up included); a hang would be endless


@pytest.mark.parametrize("mode", ["hang_before_headers", "trickle"])
def test_module_and_lookup_fail_within_deadline(mode: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    tasks = """\
        - terrateam.api.kv_info: {key: some-key}
          register: module_result
          ignore_errors: true
        - ansible.builtin.set_fact:
            token: "{{ lookup('terrateam.api.access_token') }}"
          register: lookup_result
          ignore_errors: true
          no_log: true
        """
    with hostile(mode, interval=0.3) as server:
        env = {
            "TERRATEAM_BASE_URL": server.url,
            "TERRATEAM_API_KEY": API_KEY,
            "TERRATEAM_INSTALLATION_ID": "1",
            "TERRATEAM_TOTAL_TIMEOUT": "1.5",
        }
        ansible = ansible_runner(tmp_path, env)
        harness_save = __import__("ansible_harness").save
        started = time.monotonic()
        run = ansible.play(tasks + harness_save("module_result", "lookup_result"), check=False)
        elapsed = time.monotonic() - started
    assert elapsed < NO_HANG
    module = run.results["module_result"]
    assert module["failed"] is True
    assert "Timeout" in module["msg"] or "deadline" in module["msg"], module["msg"]
    assert run.results["lookup_result"]["failed"] is True
    assert API_KEY not in run.output
    assert server.requests
