"""Access-token sharing: one API-key exchange per worker process, and per play with the cache.

Counted with the emulator's request statistics (``POST /api/v1/access-token/refresh``).
"""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

pytestmark = pytest.mark.ansible

_EXCHANGE = "POST /api/v1/access-token/refresh"
_HAS_TOKEN_CACHE = importlib.util.find_spec("terrateam_core.token_cache") is not None


def _exchanges(emulator: Any) -> int:
    return int(emulator.admin.stats()["requests"].get(_EXCHANGE, 0))


def _tasks(n: int) -> str:
    return "\n".join(f"- terrateam.api.kv: {{key: share/k{i}, value: {i}}}" for i in range(n))


def test_a_loop_exchanges_the_key_once(ansible, emulator) -> None:
    """Ten loop items and a lookup in one task run in one worker: one exchange, not eleven."""
    emulator.admin.reset_stats()
    tasks = """\
        - terrateam.api.kv:
            key: "loop/{{ item }}"
            value: "{{ item }}"
          loop: "{{ range(10) | list }}"
          vars:
            probe: "{{ lookup('terrateam.api.kv', 'loop/0', on_missing='skip') }}"
        """
    ansible.play(tasks, env={"TERRATEAM_TOKEN_CACHE": "false"})
    assert _exchanges(emulator) == 1


def test_without_the_persistent_cache_each_task_exchanges(ansible, emulator) -> None:
    """token_cache=false: every task's worker process pays its own exchange (the old cost)."""
    emulator.admin.reset_stats()
    ansible.play(_tasks(5), env={"TERRATEAM_TOKEN_CACHE": "false"})
    assert _exchanges(emulator) == 5


@pytest.mark.skipif(not _HAS_TOKEN_CACHE, reason="terrateam_core.token_cache not in this core")
def test_with_the_persistent_cache_a_play_exchanges_once(ansible, emulator, tmp_path) -> None:
    """token_cache (default): 12 tasks, one exchange within the token's lifetime."""
    emulator.admin.reset_stats()
    ansible.play(_tasks(12), env={"XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert _exchanges(emulator) == 1
