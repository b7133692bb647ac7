"""terrateam.api.api_token and api_token_info against the emulator."""

from __future__ import annotations

import pytest
from ansible_harness import save

pytestmark = pytest.mark.ansible

TOKEN = """\
- terrateam.api.api_token:
    name: ci-deployer
    capabilities: {caps}
    {extra}
  register: t
  no_log: true
- terrateam.api.api_token_info:
    name: ci-deployer
  register: info
"""


def _token(ansible, caps, extra="", args=(), check=True):
    return ansible.play(TOKEN.format(caps=caps, extra=extra) + save("t", "info"), args=args,
                        check=check)  # fmt: skip


def test_api_token_lifecycle(ansible):
    """create (secret once) → re-run unchanged → change → revoke → revoke again."""
    created = _token(ansible, "[kv_store_read]")
    assert created.recap()["changed"] == 1
    first = created.results["t"]
    assert first["refresh_token"]
    assert first["refresh_token"] not in created.stdout  # no_log on the task
    keys = created.results["info"]["api_tokens"]
    assert [k["id"] for k in keys] == [first["api_token"]["id"]]

    again = _token(ansible, "[kv_store_read]")
    assert again.recap()["changed"] == 0
    assert "refresh_token" not in again.results["t"]  # can never be read back

    refused = _token(ansible, "[kv_store_read, kv_store_write]", check=False)
    assert refused.rc != 0
    assert "recreate=on_change" in refused.output

    rotated = _token(ansible, "[kv_store_read, kv_store_write]", extra="recreate: on_change")
    assert rotated.recap()["changed"] == 1
    new = rotated.results["t"]
    assert new["refresh_token"]
    assert new["revoked"] == [first["api_token"]["id"]]
    assert [k["id"] for k in rotated.results["info"]["api_tokens"]] == [new["api_token"]["id"]]

    absent = """\
        - terrateam.api.api_token:
            name: ci-deployer
            state: absent
          register: t
        """ + save("t")
    gone = ansible.play(absent)
    assert gone.recap()["changed"] == 1
    assert gone.results["t"]["revoked"] == [new["api_token"]["id"]]
    assert ansible.play(absent).recap()["changed"] == 0


def test_api_token_new_secret_works(ansible, emulator):
    """The returned refresh token is a working API key (used here by another play)."""
    run = _token(ansible, "[kv_store_read, kv_store_write]")
    secret = run.results["t"]["refresh_token"]
    write = """\
        - terrateam.api.kv:
            key: written-by-new-key
            value: 1
          register: w
        """ + save("w")
    assert ansible.play(write, env={"TERRATEAM_API_KEY": secret}).recap()["changed"] == 1


def test_api_token_recreate_always_rotates(ansible):
    """recreate=always replaces the key on every run."""
    first = _token(ansible, "[kv_store_read]").results["t"]["api_token"]["id"]
    run = _token(ansible, "[kv_store_read]", extra="recreate: always")
    assert run.recap()["changed"] == 1
    assert run.results["t"]["revoked"] == [first]


def test_api_token_dropped_capability_fails_and_cleans_up(ansible):
    """A capability the caller lacks is dropped by the server: the task fails, no key is left."""
    run = _token(ansible, "[kv_store_read, kv_store_system_read]", check=False)
    assert run.rc != 0
    assert "dropped requested capabilities" in run.output
    assert "kv_store_system_read" in run.output
    listing = ansible.play(
        """\
        - terrateam.api.api_token_info:
            name: ci-deployer
          register: info
        """
        + save("info")
    )
    assert listing.results["info"]["api_tokens"] == []


def test_api_token_check_mode_creates_nothing(ansible, emulator):
    """Check mode predicts a creation with a null secret and sends no create request."""
    emulator.admin.reset_stats()
    run = _token(ansible, "[kv_store_read]", args=("--check",))
    assert run.recap()["changed"] == 1
    assert run.results["t"]["refresh_token"] is None
    assert run.results["info"]["api_tokens"] == []
    assert not [
        k
        for k in emulator.admin.stats()["requests"]
        if k.startswith(("POST /api/v1/{vcs}", "DELETE"))
    ]
