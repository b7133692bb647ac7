"""Token-expiry soak, 20 s version (the 5-minute one is ``bench/soak_token.py``).

Mixed calls from 4 threads on one client, access tokens living 3 s: no call may fail
authentication, and the server must not see a refresh storm.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rel_helpers import pg_url, private_pg_database

from terrateam_emulator.server.settings import EmulatorSettings
from terrateam_emulator.testing import EmulatorServer

BENCH = Path(__file__).resolve().parents[2] / "bench" / "soak_token.py"


def _soak_module() -> Any:
    spec = importlib.util.spec_from_file_location("soak_token", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def short_ttl_emulator() -> Iterator[EmulatorServer]:
    """An emulator with 3 s access tokens, on the suite's backend (private PG database)."""
    if pg_url() is None:
        server = EmulatorServer(EmulatorSettings(token_ttl=3.0, seed="demo")).start()
        yield server
        server.stop()
        return
    with private_pg_database() as url:
        server = EmulatorServer(EmulatorSettings(db_url=url, token_ttl=3.0, seed="demo")).start()
        try:
            yield server
        finally:
            server.stop()


def test_20_s_soak_with_3_s_tokens_has_no_auth_failure(short_ttl_emulator: EmulatorServer) -> None:
    assert short_ttl_emulator.api_key is not None
    out = _soak_module().soak(
        short_ttl_emulator.url,
        short_ttl_emulator.api_key,
        short_ttl_emulator.admin,
        seconds=20.0,
        ttl=3.0,
        threads=4,
    )
    print(out)
    assert out["calls"] > 100
    assert out["auth_failures"] == 0
    assert out["other_errors"] == 0
    # At least one refresh per lifetime actually lived (~2-3 s), and no storm.
    assert out["refreshes"] >= 20 / 3
    assert out["refreshes_per_ideal"] < 3.0
