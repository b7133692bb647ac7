"""The read-only _info modules against the emulator's demo organisation: never changed."""

from __future__ import annotations

import pytest
from ansible_harness import save

pytestmark = pytest.mark.ansible

DEMO_TASK_ID = "7a5c0f1e-3b2d-4c6a-9e8f-0d1c2b3a4f50"  # the demo seed's repo-refresh task


def test_info_modules_read_the_demo_organisation(ansible, emulator, client):
    """Every _info module returns the seeded data and reports changed=false."""
    from terrateam_core import NotFoundError

    def has_stacks(repo_id: str) -> bool:
        try:
            return bool(client.stacks.get(repo_id, 1))
        except NotFoundError:
            return False

    repo = next(r for r in client.repos.list() if has_stacks(r.id))
    running = emulator.admin.create_work_manifest(
        installation_id=emulator.installation_id, repo=repo.name, run_type="plan", state="running"
    )
    tasks = """\
        - terrateam.api.whoami_info:
          register: whoami
        - terrateam.api.installation_info:
          register: installations
        - terrateam.api.repo_info:
          register: repos
        - terrateam.api.repo_info: {limit: 1}
          register: one_repo
        - terrateam.api.pull_request_info: {limit: 3}
          register: prs
        - terrateam.api.work_manifest_info: {limit: 25, q: "state:completed"}
          register: wms
        - terrateam.api.work_manifest_info:
            id: "{{ wms.work_manifests[0].id }}"
            outputs: true
            wait_for: completed
            wait_timeout: 30
          register: one_wm
        - terrateam.api.work_manifest_info:
            {id: "{{ running_id }}", wait_for: completed, wait_timeout: 1}
          register: still_running
          ignore_errors: true
        - terrateam.api.dirspace_info: {limit: 5}
          register: dirspaces
        - terrateam.api.stack_info: {repo_id: "{{ repo_id }}", pull_number: 1}
          register: stacks
        - terrateam.api.stack_info: {repo_id: "{{ repo_id }}", pull_number: 99999}
          register: no_stacks
        - terrateam.api.task_info: {id: "{{ task_id }}", wait: true, wait_timeout: 30}
          register: task
        """ + save("whoami", "installations", "repos", "one_repo", "prs", "wms", "one_wm",
                   "still_running", "dirspaces", "stacks", "no_stacks", "task")  # fmt: skip
    run = ansible.play(
        tasks, vars={"repo_id": int(repo.id), "task_id": DEMO_TASK_ID, "running_id": running["id"]}
    )
    r = run.results
    assert run.recap()["changed"] == 0
    for name, result in r.items():
        assert result["changed"] is False, name
    assert "github" in r["whoami"]["user"]["vcs"]
    assert str(emulator.installation_id) in [
        str(i["id"]) for i in r["installations"]["installations"]
    ]
    assert len(r["repos"]["repositories"]) > 1
    assert len(r["one_repo"]["repositories"]) == 1
    assert len(r["prs"]["pull_requests"]) == 3
    wms = r["wms"]["work_manifests"]
    assert len(wms) == 25  # more than the server's default page of 20
    assert {w["state"] for w in wms} == {"completed"}
    one = r["one_wm"]["work_manifests"][0]
    assert one["id"] == wms[0]["id"]
    assert isinstance(one["outputs"], list)
    assert r["still_running"]["failed"] is True
    assert "TaskTimeoutError" in r["still_running"]["msg"]
    assert len(r["dirspaces"]["dirspaces"]) == 5
    assert {s["name"] for s in r["stacks"]["stacks"]} == {"default", "data"}
    assert r["no_stacks"]["stacks"] == []
    assert r["task"]["task"]["state"] == "completed"
