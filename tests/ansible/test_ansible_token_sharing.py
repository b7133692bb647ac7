"""Access-token sharing: one API-key exchange per worker process, and per play with the cache.

Counted with the emulator's request statistics (``POST /api/v1/access-token/refresh``).
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.ansible

_EXCHANGE = "POST /api/v1/access-token/refresh"


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


def test_with_the_persistent_cache_a_play_exchanges_once(ansible, emulator, tmp_path) -> None:
    """token_cache (default): 12 tasks in 12 worker processes, one exchange within the token's
    lifetime; the cache file is private and holds neither the key nor its hash."""
    emulator.admin.reset_stats()
    cache = tmp_path / "cache"
    ansible.play(_tasks(12), env={"XDG_CACHE_HOME": str(cache)})
    assert _exchanges(emulator) == 1
    entries = list((cache / "terrateam" / "tokens").iterdir())
    assert len(entries) == 1
    assert entries[0].stat().st_mode & 0o777 == 0o600
    assert emulator.api_key not in entries[0].read_text()


def test_an_expired_cached_token_is_exchanged_again(ansible, emulator, tmp_path) -> None:
    """The cache is expiry-checked: after the token's lifetime the next play exchanges again."""
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    ansible.play(_tasks(2), env=env)
    emulator.admin.reset_stats()
    ansible.play(_tasks(2), env=env)
    assert _exchanges(emulator) == 0, "a second play within the lifetime reuses the token"
    emulator.admin.advance_clock(120)
    ansible.play(_tasks(2), env=env)
    assert _exchanges(emulator) == 1
