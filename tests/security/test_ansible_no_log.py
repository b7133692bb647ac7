"""terrateam.api.api_token never prints the new API key, even without no_log (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest_client import ansible_harness, ansible_runner

pytestmark = pytest.mark.ansible


def test_new_refresh_token_is_not_printed_at_vvvv(emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """No ``no_log`` on the task, ``-vvvv``: the result is censored in the output, yet
    ``register`` holds a working key (used by the next task)."""
    ansible = ansible_runner(
        tmp_path,
        {
            "TERRATEAM_BASE_URL": emulator.url,
            "TERRATEAM_API_KEY": emulator.api_key,
            "TERRATEAM_INSTALLATION_ID": str(emulator.installation_id),
        },
    )
    tasks = """\
        - terrateam.api.api_token: {name: ci-reader, capabilities: [kv_store_read]}
          register: created
        - terrateam.api.whoami_info: {api_key: "{{ created.refresh_token }}"}
          register: me
        - terrateam.api.api_token: {name: ci-reader, capabilities: [kv_store_read]}
          register: unchanged
        """ + ansible_harness().save("created", "me", "unchanged")
    run = ansible.play(tasks, args=("-vvvv",))
    secret = run.results["created"]["refresh_token"]
    assert secret
    assert run.results["created"]["changed"] is True
    assert run.results["me"].get("failed") is not True
    assert secret not in run.output
    assert "the output has been hidden" in run.output
    # A run that returns no secret stays visible.
    assert "refresh_token" not in run.results["unchanged"]
    assert run.results["unchanged"].get("_ansible_no_log") is not True
