"""The `make demo` fallback: the example's resources through the engine stand-in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.pulumi

DEMO = Path(__file__).resolve().parents[2] / "examples" / "pulumi" / "engine_demo.py"


def test_engine_demo_applies_reapplies_and_destroys(emulator: Any, client: Any) -> None:
    """The demo creates three resources, finds nothing to change, destroys them, hides the key."""
    env = {
        **os.environ,
        "TERRATEAM_BASE_URL": emulator.url,
        "TERRATEAM_API_KEY": emulator.api_key,
    }
    result = subprocess.run(
        [sys.executable, str(DEMO)], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("  + ") == 3
    assert out.count("same ") == 3
    assert out.count("  - ") == 3
    assert emulator.api_key not in out + result.stderr
    assert client.kv.get_or_none("demo/deploy-config") is None
    assert not [k for k in client.access_tokens.list() if k.name == "ci-deploy"]
