"""terrateam.api.work_manifest_wait: a playbook waits for the infra PR's apply (moved through
states by the emulator's schedule, in real time) before configuring hosts."""

from __future__ import annotations

import pytest
from ansible_harness import save

pytestmark = pytest.mark.ansible


def _apply(emulator, pr: int, steps: list[dict]) -> dict:
    wm = emulator.admin.create_work_manifest(
        installation_id=emulator.installation_id,
        repo="infrastructure",
        pull_number=pr,
        run_type="apply",
        state="queued",
        dirspaces=[{"dir": "vpc"}, {"dir": "ec2", "workspace": "prod"}],
    )
    emulator.admin.schedule_run(wm["id"], steps)
    return wm


def test_playbook_waits_for_the_apply_then_configures(ansible, emulator, tmp_path):
    good = _apply(
        emulator,
        31,
        [{"after_seconds": 0.5, "state": "running"}, {"after_seconds": 1.5, "state": "completed"}],
    )
    bad = _apply(
        emulator, 32, [{"after_seconds": 0.5, "state": "completed", "dirspaces": {"ec2": False}}]
    )
    marker = tmp_path / "configured.txt"
    tasks = """\
        - name: Wait for the infrastructure apply
          terrateam.api.work_manifest_wait:
            repo: demo-org/infrastructure
            pull_number: 31
            kind: apply
            poll_interval: 0.3
            wait_timeout: 60
            outputs: true
          register: infra
        - name: Configure hosts (only reached after a successful apply)
          ansible.builtin.copy:
            dest: "{{ marker }}"
            content: "{{ infra.work_manifest.id }}"
        - name: A failed apply fails the task
          terrateam.api.work_manifest_wait:
            {repo: infrastructure, pull_number: 32, kind: apply, poll_interval: 0.3}
          register: failed_apply
          ignore_errors: true
        - name: Or only reports it
          terrateam.api.work_manifest_wait:
            {repo: infrastructure, pull_number: 32, require_success: false}
          register: reported
        - name: Nothing finishes in time
          terrateam.api.work_manifest_wait:
            {repo: infrastructure, pull_number: 33, wait_timeout: 0.5, poll_interval: 0.2}
          register: timed_out
          ignore_errors: true
        - name: Bad input
          terrateam.api.work_manifest_wait:
            {repo: infrastructure, created_after: someday}
          register: bad_input
          ignore_errors: true
        """ + save("infra", "failed_apply", "reported", "timed_out", "bad_input")  # fmt: skip
    run = ansible.play(tasks, vars={"marker": str(marker)}, check=False)
    r = run.results
    assert run.recap()["failed"] == 0, run.output  # ignored failures are not counted
    assert r["infra"]["succeeded"] is True
    assert r["infra"]["changed"] is False
    assert r["infra"]["work_manifest"]["id"] == good["id"]
    assert r["infra"]["work_manifest"]["state"] == "completed"
    assert r["infra"]["work_manifest"]["outputs"] == []
    assert marker.read_text() == good["id"]
    assert r["failed_apply"]["failed"] is True
    assert r["failed_apply"]["msg"] == f"run {bad['id']} (apply) failed in ec2:prod"
    assert r["failed_apply"]["succeeded"] is False
    assert r["reported"]["failed"] is False
    assert r["reported"]["succeeded"] is False
    assert r["timed_out"]["failed"] is True
    assert "TaskTimeoutError" in r["timed_out"]["msg"]
    assert "none found" in r["timed_out"]["msg"]
    assert "created_after" in r["bad_input"]["msg"]
    assert emulator.api_key not in run.output
