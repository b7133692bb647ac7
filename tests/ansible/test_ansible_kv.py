"""terrateam.api.kv, kv_info and kv_commit driven by ansible-playbook against the emulator.

Each test is one playbook run whose steps register their results, to keep the suite fast.
"""

from __future__ import annotations

import pytest
from ansible_harness import save

pytestmark = pytest.mark.ansible


def test_kv_lifecycle_create_rerun_change_delete(ansible):
    """create → re-run unchanged → change → delete → delete again, read back in between."""
    tasks = """\
        - terrateam.api.kv: {key: config/deploy, value: {region: eu, replicas: 3}}
          register: create
        - terrateam.api.kv: {key: config/deploy, value: {replicas: 3, region: eu}}
          register: rerun
        - terrateam.api.kv: {key: config/deploy, value: {region: eu, replicas: 4}}
          register: change
        - terrateam.api.kv_info: {key: config/deploy}
          register: read
        - terrateam.api.kv: {key: config/deploy, state: absent}
          register: delete
        - terrateam.api.kv: {key: config/deploy, state: absent}
          register: again
        - terrateam.api.kv_info: {key: config/deploy}
          register: gone
        """ + save("create", "rerun", "change", "read", "delete", "again", "gone")
    run = ansible.play(tasks)
    r = run.results
    assert [r[s]["changed"] for s in ("create", "rerun", "change", "delete", "again")] == [
        True, False, True, True, False,
    ]  # fmt: skip
    want = {"key": "config/deploy", "idx": 0, "version": 0, "committed": True}
    assert r["create"]["record"] == want
    assert r["change"]["record"]["version"] == 1
    assert r["read"]["value"] == {"region": "eu", "replicas": 4}
    assert r["read"]["changed"] is False
    assert r["delete"]["deleted"] is True
    assert r["again"]["deleted"] is False
    assert r["gone"]["exists"] is False
    assert run.recap()["changed"] == 3


def test_kv_json_types_compare_strictly(ansible):
    """1 → true is a change; true → true is not; null is a value like any other."""
    tasks = """\
        - terrateam.api.kv: {key: flag, value: 1}
        - terrateam.api.kv: {key: flag, value: true}
          register: to_bool
        - terrateam.api.kv: {key: flag, value: true}
          register: same
        - terrateam.api.kv: {key: flag, value: null}
          register: to_null
        - terrateam.api.kv: {key: flag, value: null}
          register: null_again
        """ + save("to_bool", "same", "to_null", "null_again")
    r = ansible.play(tasks).results
    assert [r[s]["changed"] for s in ("to_bool", "same", "to_null", "null_again")] == [
        True, False, True, False,
    ]  # fmt: skip


def test_kv_check_mode_makes_no_write(ansible, emulator):
    """Check mode predicts changes (create, update, delete) but sends no write request."""
    ansible.play("- terrateam.api.kv: {key: existing, value: old}")
    emulator.admin.reset_stats()
    tasks = """\
        - terrateam.api.kv: {key: config/new, value: {a: 1}}
          register: create
        - terrateam.api.kv: {key: existing, value: new}
          register: update
        - terrateam.api.kv: {key: existing, state: absent}
          register: delete
        - terrateam.api.kv: {key: existing, value: old}
          register: same
        """ + save("create", "update", "delete", "same")
    run = ansible.play(tasks, args=("--check",))
    requests = emulator.admin.stats()["requests"]
    assert [k for k in requests if not k.startswith(("GET", "POST /api/v1/access-token"))] == []
    r = run.results
    assert [r[s]["changed"] for s in ("create", "update", "delete", "same")] == [
        True, True, True, False,
    ]  # fmt: skip
    after = ansible.play(
        "- terrateam.api.kv_info: {key: existing}\n  register: r\n"
        "- terrateam.api.kv_info: {key: config/new}\n  register: n\n" + save("r", "n")
    ).results
    assert after["r"]["value"] == "old"
    assert after["n"]["exists"] is False


def test_kv_diff_is_redacted_unless_asked(ansible):
    """--diff shows versions and fingerprints, never the stored or new values."""
    tasks = """\
        - terrateam.api.kv: {key: pw, value: {password: old-secret-value}}
          diff: false
        - terrateam.api.kv: {key: pw, value: {password: new-secret-value}}
          register: redacted
        - terrateam.api.kv: {key: pw, state: absent}
          register: deleted
        - terrateam.api.kv: {key: shown, value: visible-value, show_values: true}
          register: shown
        """ + save("redacted", "deleted", "shown")
    run = ansible.play(tasks, args=("--diff",))
    for secret in ("old-secret-value", "new-secret-value"):
        assert secret not in run.output
        assert secret not in str(run.results)
    diff = run.results["redacted"]["diff"]
    assert diff["before"]["version"] == 0
    assert diff["before"]["value"].startswith("<redacted dict")
    assert diff["after"]["value"].startswith("<redacted dict")
    assert diff["before"]["value"] != diff["after"]["value"]
    assert run.results["deleted"]["diff"]["before"][0]["value"].startswith("<redacted dict")
    assert run.results["shown"]["diff"]["after"]["value"] == "visible-value"


def test_kv_version_guard_conflict_fails_with_current_version(ansible):
    """A stale CAS version fails the task and reports the row's current version."""
    tasks = """\
        - terrateam.api.kv: {key: guarded, value: v0}
        - terrateam.api.kv: {key: guarded, value: v1}
        - terrateam.api.kv: {key: guarded, value: v2, version: 0}
          register: stale
          ignore_errors: true
        - terrateam.api.kv: {key: guarded, value: v1, version: 0}
          register: already
        - terrateam.api.kv: {key: guarded, value: v2, version: 1}
          register: fresh
        """ + save("stale", "already", "fresh")
    r = ansible.play(tasks).results
    assert r["stale"]["failed"] is True
    assert "compare-and-swap conflict" in r["stale"]["msg"]
    assert r["stale"]["current_version"] == 1
    assert r["already"]["changed"] is False  # already as wanted: the guard does not matter
    assert r["fresh"]["changed"] is True
    assert r["fresh"]["record"]["version"] == 2


def test_kv_idx_committed_and_commit(ansible):
    """Uncommitted rows are invisible until kv_commit, which reports only flipped rows."""
    tasks = """\
        - terrateam.api.kv:
            key: release/parts
            idx: "{{ item }}"
            value: "part {{ item }}"
            committed: false
          loop: [0, 1]
        - terrateam.api.kv_info: {key: release/parts, count: true}
          register: before
        - terrateam.api.kv_commit: {keys: [release/parts]}
          check_mode: true
          register: predicted
        - terrateam.api.kv_commit: {keys: [release/parts]}
          register: committed
        - terrateam.api.kv_commit: {keys: [{key: release/parts, idx: 0}]}
          register: again
        - terrateam.api.kv_info: {key: release/parts, idx: 1, count: true, size: true}
          register: after
        - terrateam.api.kv: {key: release/parts, idx: 1, state: absent}
          register: one_idx
        - terrateam.api.kv_info: {key: release/parts, count: true}
          register: left
        """ + save("before", "predicted", "committed", "again", "after", "one_idx", "left")
    res = ansible.play(tasks).results
    assert res["before"]["exists"] is False
    assert res["before"]["count"] == 0
    expected = [{"key": "release/parts", "idx": 0}, {"key": "release/parts", "idx": 1}]
    assert res["predicted"]["committed"] == expected
    assert res["predicted"]["changed"] is True
    assert res["committed"]["committed"] == expected
    assert res["committed"]["changed"] is True
    assert res["again"]["changed"] is False
    assert res["again"]["committed"] == []
    assert res["after"]["value"] == "part 1"
    assert res["after"]["count"] == 2
    assert res["after"]["max_idx"] == 1
    assert res["after"]["size"] > 0
    assert res["one_idx"]["changed"] is True
    assert res["left"]["count"] == 1


def test_kv_info_prefix_pages_to_the_end_and_caps_round_trip(ansible, client):
    """A prefix listing follows pages to the end; stored caps compare equal on re-run."""
    for n in range(105):  # more than one server page (100)
        client.kv.set(f"many/{n:03d}", n)
    tasks = """\
        - terrateam.api.kv_info: {key: many/, prefix: true}
          register: listing
        - terrateam.api.kv_info: {key: many/, prefix: true, limit: 7}
          register: limited
        - terrateam.api.kv: &capped
            key: capped
            value: x
            read_caps: [kv_store_read]
            write_caps: [kv_store_write]
          register: caps1
        - terrateam.api.kv: *capped
          register: caps2
        """ + save("listing", "limited", "caps1", "caps2")
    res = ansible.play(tasks).results
    keys = [r["key"] for r in res["listing"]["records"]]
    assert keys == [f"many/{n:03d}" for n in range(105)]
    assert res["listing"]["records"][104]["data"] == 104
    assert len(res["limited"]["records"]) == 7
    assert res["caps1"]["changed"] is True
    assert res["caps2"]["changed"] is False


def test_kv_on_a_gitlab_installation(ansible, emulator):
    """vcs=gitlab and another installation id reach the gitlab namespace, apart from github."""
    tasks = f"""\
        - terrateam.api.kv:
            key: shared
            value: from-gitlab
            vcs: gitlab
            installation_id: {emulator.gitlab_installation_id}
          register: write
        - terrateam.api.kv_info: {{key: shared}}
          register: github_side
        - ansible.builtin.set_fact:
            via_lookup: >-
              {{{{ lookup('terrateam.api.kv', 'shared', vcs='gitlab',
                          installation_id={emulator.gitlab_installation_id}) }}}}
        """ + save("write", "github_side", "via_lookup")
    r = ansible.play(tasks).results
    assert r["write"]["changed"] is True
    assert r["github_side"]["exists"] is False
    assert r["via_lookup"] == "from-gitlab"


def test_kv_rows_locked_by_caps_fail_with_a_hint(ansible):
    """Rows the caller may not write (write caps) or see (read caps) fail with a clear hint."""
    tasks = """\
        - terrateam.api.kv: {key: locked, value: 1, write_caps: [kv_store_system_write]}
        - terrateam.api.kv: {key: locked, value: 2}
          register: locked
          ignore_errors: true
        - terrateam.api.kv: {key: hidden, value: 1, read_caps: [kv_store_system_read]}
        - terrateam.api.kv: {key: hidden, value: 2}
          register: hidden
          ignore_errors: true
        """ + save("locked", "hidden")
    r = ansible.play(tasks).results
    assert r["locked"]["failed"] is True
    assert "write caps exclude these credentials" in r["locked"]["msg"]
    assert r["hidden"]["failed"] is True
    assert "read caps hide it" in r["hidden"]["msg"]
