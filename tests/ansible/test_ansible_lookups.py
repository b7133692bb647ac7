"""terrateam.api.kv and terrateam.api.access_token lookups against the emulator."""

from __future__ import annotations

import pytest
from ansible_harness import save

pytestmark = pytest.mark.ansible

SEED = """\
- terrateam.api.kv:
    key: "{{ item.key }}"
    value: "{{ item.value }}"
  loop:
    - {key: cfg/a, value: {x: 1}}
    - {key: cfg/b, value: [1, true, null]}
    - {key: cfg/n, value: null}
    - {key: other, value: "o"}
"""


def test_kv_lookup_values_and_prefix(ansible, emulator):
    """Real JSON values (null stays null), many terms with one token exchange, prefix dicts."""
    ansible.play(SEED)  # seeded through the kv module: templated nulls and lists stay JSON
    emulator.admin.reset_stats()
    tasks = """\
        - ansible.builtin.set_fact:
            many: "{{ query('terrateam.api.kv', 'cfg/a', 'cfg/b', 'cfg/n') }}"
            tree: "{{ lookup('terrateam.api.kv', 'cfg/', prefix=true) }}"
        - ansible.builtin.assert:
            that:
              - many[2] is none
              - many[2] != 'None'
        """ + save("many", "tree")
    # Without the persistent cache (which would reuse the seed play's token: 0 exchanges).
    run = ansible.play(tasks, env={"TERRATEAM_TOKEN_CACHE": "false"})
    assert run.results["many"] == [{"x": 1}, [1, True, None], None]
    assert run.results["tree"] == {"cfg/a": {"x": 1}, "cfg/b": [1, True, None], "cfg/n": None}
    # Both lookup calls of the task share the worker's client: one exchange, not one per term
    # (nor one per call).
    assert emulator.admin.stats()["refreshes"] == 1


def test_kv_lookup_on_missing_modes(ansible, client):
    """on_missing error|warn|skip and default decide what a missing key gives."""
    client.kv.set("cfg/a", {"x": 1})
    tasks = """\
        - ansible.builtin.set_fact:
            error: "{{ query('terrateam.api.kv', 'cfg/a', 'missing/error', on_missing='error') }}"
          ignore_errors: true
          register: error_task
        - ansible.builtin.set_fact:
            implicit: "{{ query('terrateam.api.kv', 'cfg/a', 'missing/implicit') }}"
          ignore_errors: true
          register: implicit_task
        - ansible.builtin.set_fact:
            warn: "{{ query('terrateam.api.kv', 'cfg/a', 'missing/warn', on_missing='warn') }}"
            skip: "{{ query('terrateam.api.kv', 'cfg/a', 'missing/skip', on_missing='skip') }}"
            default: "{{ query('terrateam.api.kv', 'cfg/a', 'missing/default', default=7) }}"
            warn_default: >-
              {{ query('terrateam.api.kv', 'cfg/a', 'missing/wd', on_missing='warn', default=7) }}
        """ + save("error_task", "implicit_task", "warn", "skip", "default", "warn_default")
    run = ansible.play(tasks)
    r = run.results
    for name in ("error_task", "implicit_task"):
        assert r[name]["failed"] is True
    assert "key missing/error not found" in r["error_task"]["msg"]
    assert "key missing/implicit not found" in r["implicit_task"]["msg"]
    assert r["warn"] == [{"x": 1}]
    assert r["skip"] == [{"x": 1}]
    assert r["default"] == [{"x": 1}, 7]
    assert r["warn_default"] == [{"x": 1}, 7]
    assert "key missing/warn not found" in run.output  # warned
    assert "key missing/wd not found" in run.output
    assert "key missing/skip not found" not in run.output  # silently skipped
    assert "key missing/default not found" not in run.output


def test_kv_lookup_on_denied_modes(ansible, emulator, client):
    """A key without KV read access is denied (403): on_denied decides."""
    client.kv.set("cfg/a", 1)
    minted = emulator.admin.mint_api_key("no-kv", ["access_token_create"])
    tasks = """\
        - ansible.builtin.set_fact:
            error: "{{ query('terrateam.api.kv', 'denied/error') }}"
          ignore_errors: true
          register: error_task
        - ansible.builtin.set_fact:
            warn: "{{ query('terrateam.api.kv', 'denied/warn', on_denied='warn') }}"
            skip: "{{ query('terrateam.api.kv', 'denied/skip', on_denied='skip') }}"
        """ + save("error_task", "warn", "skip")
    run = ansible.play(tasks, env={"TERRATEAM_API_KEY": minted.refresh_token})
    r = run.results
    assert r["error_task"]["failed"] is True
    assert "permission denied reading key denied/error" in r["error_task"]["msg"]
    assert r["warn"] == []
    assert r["skip"] == []
    assert "permission denied reading key denied/warn" in run.output
    assert "permission denied reading key denied/skip" not in run.output


def test_kv_lookup_rejects_misspelled_option(ansible):
    """A misspelled keyword fails instead of being ignored."""
    run = ansible.play(
        """\
        - ansible.builtin.debug:
            msg: "{{ lookup('terrateam.api.kv', 'cfg/a', on_mising='skip') }}"
        """,
        check=False,
    )
    assert run.rc != 0
    assert "unknown option(s) on_mising" in run.output


def test_kv_lookup_takes_connection_from_vars(ansible, emulator, client):
    """Lookups read terrateam_* variables when the environment has nothing."""
    client.kv.set("other", "o")
    tasks = """\
        - ansible.builtin.set_fact:
            got: "{{ lookup('terrateam.api.kv', 'other') }}"
        """ + save("got")
    run = ansible.play(
        tasks,
        env={"TERRATEAM_BASE_URL": "", "TERRATEAM_API_KEY": "", "TERRATEAM_INSTALLATION_ID": ""},
        vars={"terrateam_base_url": emulator.url, "terrateam_api_key": emulator.api_key,
              "terrateam_installation_id": emulator.installation_id},
    )  # fmt: skip
    assert run.results["got"] == "o"


def test_access_token_lookup_works_with_uri(ansible, emulator, client):
    """The access token lookup gives a bearer token ansible.builtin.uri can use."""
    client.kv.set("other", "o")
    tasks = f"""\
        - ansible.builtin.uri:
            url: "{emulator.url}/api/v1/github/kv/{emulator.installation_id}/key/other"
            headers:
              Authorization: "Bearer {{{{ lookup('terrateam.api.access_token') }}}}"
            return_content: true
          register: raw
          no_log: true
        - ansible.builtin.set_fact:
            data: "{{{{ raw.json.data }}}}"
        """ + save("data")
    assert ansible.play(tasks).results["data"] == "o"
