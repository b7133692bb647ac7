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
    ansible.play(SEED)
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
    run = ansible.play(tasks)
    assert run.results["many"] == [{"x": 1}, [1, True, None], None]
    assert run.results["tree"] == {"cfg/a": {"x": 1}, "cfg/b": [1, True, None], "cfg/n": None}
    assert emulator.admin.stats()["refreshes"] == 2  # one exchange per lookup call, not per term


@pytest.mark.parametrize(
    ("options", "expected", "warned", "failed"),
    [
        ("", None, False, True),
        (", on_missing='error'", None, False, True),
        (", on_missing='warn'", [{"x": 1}], True, False),
        (", on_missing='skip'", [{"x": 1}], False, False),
        (", default=7", [{"x": 1}, 7], False, False),
        (", on_missing='warn', default=7", [{"x": 1}, 7], True, False),
    ],
)
def test_kv_lookup_on_missing(ansible, options, expected, warned, failed):
    """on_missing error|warn|skip and default decide what a missing key gives."""
    ansible.play(SEED)
    tasks = f"""\
        - ansible.builtin.set_fact:
            got: "{{{{ query('terrateam.api.kv', 'cfg/a', 'cfg/missing'{options}) }}}}"
        """ + save("got")
    run = ansible.play(tasks, check=False)
    if failed:
        assert run.rc != 0
        assert "key cfg/missing not found" in run.output
        return
    assert run.rc == 0, run.output
    assert run.results["got"] == expected
    assert ("key cfg/missing not found" in run.output) is warned


@pytest.mark.parametrize(
    ("mode", "failed", "warned"),
    [("error", True, False), ("warn", False, True), ("skip", False, False)],
)
def test_kv_lookup_on_denied(ansible, emulator, mode, failed, warned):
    """A key without KV read access is denied (403): on_denied decides."""
    minted = emulator.admin.mint_api_key("no-kv", ["access_token_create"])
    tasks = f"""\
        - ansible.builtin.set_fact:
            got: "{{{{ query('terrateam.api.kv', 'cfg/a', on_denied='{mode}') }}}}"
        """ + save("got")
    run = ansible.play(tasks, env={"TERRATEAM_API_KEY": minted.refresh_token}, check=False)
    assert (run.rc != 0) is failed, run.output
    assert ("permission denied reading key cfg/a" in run.output) is (failed or warned)
    if not failed:
        assert run.results["got"] == []


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


def test_kv_lookup_takes_connection_from_vars(ansible, emulator):
    """Lookups read terrateam_* variables when the environment has nothing."""
    ansible.play(SEED)
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


def test_access_token_lookup_works_with_uri(ansible, emulator):
    """The access token lookup gives a bearer token ansible.builtin.uri can use."""
    ansible.play(SEED)
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
