"""`examples/pulumi/run_demo.sh` (what `make demo` runs) in its no-CLI mode."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.pulumi

DEMO = Path(__file__).resolve().parents[2] / "examples" / "pulumi" / "run_demo.sh"


def test_demo_without_cli_uses_engine_stand_in(emulator: Any, client: Any) -> None:
    """Without a Pulumi CLI the demo says so, then creates, re-applies and destroys."""
    if shutil.which("pulumi"):
        pytest.skip("a Pulumi CLI is installed: run_demo.sh would use it")
    env = {
        **os.environ,
        "PYTHON": sys.executable,
        "TERRATEAM_BASE_URL": emulator.url,
        "TERRATEAM_API_KEY": emulator.api_key,
    }
    result = subprocess.run(
        ["bash", str(DEMO)], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "the Pulumi CLI is not installed" in out
    assert "engine stand-in" in out
    assert out.count("  + ") == 3
    assert out.count("    same ") == 3
    assert out.count("  - ") == 3
    assert emulator.api_key not in out + result.stderr
    assert client.kv.get_or_none("demo/deploy-config") is None
    assert not [k for k in client.access_tokens.list() if k.name == "ci-deploy"]
