"""The API key never shows in -vvvv output, results or diffs."""

from __future__ import annotations

import pytest
from ansible_harness import save

pytestmark = pytest.mark.ansible


def test_api_key_never_in_vvvv_output(ansible, emulator):
    """With the key passed as an option, an env var and a lookup var, -vvvv never prints it."""
    tasks = """\
        - terrateam.api.kv:
            api_key: "{{ lookup('ansible.builtin.env', 'TT_KEY') }}"
            key: secret-test
            value: 1
          register: w
        - terrateam.api.kv_info:
            key: secret-test
          register: r
        - terrateam.api.whoami_info:
          register: me
        - ansible.builtin.debug:
            msg: "{{ lookup('terrateam.api.kv', 'secret-test') }}"
        - ansible.builtin.debug:
            msg: "{{ lookup('terrateam.api.kv', 'secret-test', api_key=lookup('env', 'TT_KEY')) }}"
        - ansible.builtin.debug:
            msg: "{{ lookup('terrateam.api.kv', 'nope', api_key=lookup('env', 'TT_KEY')) }}"
          ignore_errors: true
        - terrateam.api.kv:
            api_key: "{{ lookup('ansible.builtin.env', 'TT_KEY') }}"
            key: secret-test
            value: "{{ lookup('ansible.builtin.env', 'TT_KEY') }}"
          ignore_errors: true
        - terrateam.api.kv_info:
            key: secret-test
            base_url: http://127.0.0.1:9
            timeout: 1
          ignore_errors: true
        """ + save("w", "r", "me")
    run = ansible.play(tasks, args=("-vvvv", "--diff"), env={"TT_KEY": emulator.api_key},
                       vars={"terrateam_api_key": emulator.api_key})  # fmt: skip
    assert run.results["r"]["value"] == 1
    assert emulator.api_key not in run.output
    assert emulator.api_key not in str(run.results)


def test_bad_key_fails_without_echoing_it(ansible):
    """A wrong API key fails with an authentication message that does not contain it."""
    bad = "eyJhbGciOiJIUzI1NiJ9.bm90LWEta2V5.c2lnbmF0dXJl"
    run = ansible.play(
        """\
        - terrateam.api.whoami_info:
        """,
        env={"TERRATEAM_API_KEY": bad},
        args=("-vvvv",),
        check=False,
    )
    assert run.rc != 0
    assert bad not in run.output
    assert "authentication failed" in run.output or "permission denied" in run.output


def test_missing_key_fails_clearly(ansible, tmp_path):
    """No API key anywhere (no env, no profile) fails naming the missing setting."""
    env = {"TERRATEAM_API_KEY": "", "HOME": str(tmp_path),
           "TERRATEAM_CONFIG_FILE": str(tmp_path / "none.toml")}  # fmt: skip
    run = ansible.play("- terrateam.api.whoami_info:\n", env=env, check=False)
    assert run.rc != 0
    assert "API key" in run.output or "api_key" in run.output or "TERRATEAM_API_KEY" in run.output
