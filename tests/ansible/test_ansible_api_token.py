"""terrateam.api.api_token and api_token_info against the emulator."""

from __future__ import annotations

import pytest
from ansible_harness import save

pytestmark = pytest.mark.ansible


def test_api_token_lifecycle(ansible):
    """create (secret once) → re-run → refused change → on_change → always → revoke → again."""
    tasks = """\
        - terrateam.api.api_token: &read {name: ci-deployer, capabilities: [kv_store_read]}
          register: create
          no_log: true
        - terrateam.api.api_token: *read
          register: rerun
        - terrateam.api.api_token: &rw
            {name: ci-deployer, capabilities: [kv_store_read, kv_store_write]}
          register: refused
          ignore_errors: true
        - terrateam.api.api_token: {<<: *rw, recreate: on_change}
          register: rotate
          no_log: true
        - terrateam.api.api_token: {<<: *rw, recreate: on_change}
          register: rotate_again
        - terrateam.api.api_token: {<<: *rw, recreate: always}
          register: always
          no_log: true
        - terrateam.api.api_token_info: {name: ci-deployer}
          register: info
        - terrateam.api.api_token: {name: ci-deployer, state: absent}
          register: revoke
        - terrateam.api.api_token: {name: ci-deployer, state: absent}
          register: revoke_again
        - terrateam.api.api_token_info:
          register: after
        """ + save("create", "rerun", "refused", "rotate", "rotate_again", "always", "info",
                   "revoke", "revoke_again", "after")  # fmt: skip
    run = ansible.play(tasks)
    r = run.results
    changed = [r[s]["changed"] for s in ("create", "rerun", "rotate", "rotate_again", "always",
                                         "revoke", "revoke_again")]  # fmt: skip
    assert changed == [True, False, True, False, True, True, False]
    first = r["create"]["api_token"]["id"]
    assert r["create"]["refresh_token"]
    assert r["create"]["refresh_token"] not in run.output  # no_log on the task
    assert "refresh_token" not in r["rerun"]  # it can never be read back
    assert r["refused"]["failed"] is True
    assert "recreate=on_change" in r["refused"]["msg"]
    assert r["rotate"]["revoked"] == [first]
    assert r["rotate"]["refresh_token"] not in (None, r["create"]["refresh_token"])
    rotated = r["rotate"]["api_token"]["id"]
    assert r["always"]["revoked"] == [rotated]
    latest = r["always"]["api_token"]["id"]
    assert [k["id"] for k in r["info"]["api_tokens"]] == [latest]
    assert sorted(str(c) for c in r["info"]["api_tokens"][0]["capabilities"]) == sorted(
        ["kv_store_read", "kv_store_write", str({"name": "vcs", "vcs": "github"})]
    )
    assert r["revoke"]["revoked"] == [latest]
    assert "ci-deployer" not in [k["name"] for k in r["after"]["api_tokens"]]


def test_api_token_new_secret_works(ansible):
    """The returned refresh token is a working API key (used here by another play)."""
    tasks = """\
        - terrateam.api.api_token: {name: writer, capabilities: [kv_store_read, kv_store_write]}
          register: t
          no_log: true
        """ + save("t")
    secret = ansible.play(tasks).results["t"]["refresh_token"]
    write = "- terrateam.api.kv: {key: written-by-new-key, value: 1}\n  register: w\n" + save("w")
    assert ansible.play(write, env={"TERRATEAM_API_KEY": secret}).results["w"]["changed"] is True


def test_api_token_dropped_capability_fails_and_cleans_up(ansible):
    """A capability the caller lacks is dropped by the server: the task fails, no key is left."""
    tasks = """\
        - terrateam.api.api_token:
            name: ci-deployer
            capabilities: [kv_store_read, kv_store_system_read]
          register: t
          ignore_errors: true
        - terrateam.api.api_token_info: {name: ci-deployer}
          register: info
        """ + save("t", "info")
    r = ansible.play(tasks).results
    assert r["t"]["failed"] is True
    assert "dropped requested capabilities" in r["t"]["msg"]
    assert "kv_store_system_read" in r["t"]["msg"]
    assert r["info"]["api_tokens"] == []


def test_api_token_check_mode_creates_nothing(ansible, emulator):
    """Check mode predicts a creation with a null secret and sends no create request."""
    emulator.admin.reset_stats()
    tasks = """\
        - terrateam.api.api_token: {name: ci-deployer, capabilities: [kv_store_read]}
          register: t
        - terrateam.api.api_token_info: {name: ci-deployer}
          register: info
        """ + save("t", "info")
    run = ansible.play(tasks, args=("--check",))
    assert run.results["t"]["changed"] is True
    assert run.results["t"]["refresh_token"] is None
    assert run.results["info"]["api_tokens"] == []
    requests = emulator.admin.stats()["requests"]
    assert [k for k in requests if k.startswith(("POST /api/v1/{vcs}", "DELETE"))] == []
