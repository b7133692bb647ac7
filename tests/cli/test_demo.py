"""`make demo` (scripts/demo.sh: the CLI story, then the Pulumi and Ansible examples) runs green."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "scripts" / "demo.sh"


def test_demo_runs_end_to_end() -> None:
    """The demo starts its own emulator, mints a key, round-trips an artifact, lists runs,
    prints a report, runs the Pulumi and Ansible examples, exits 0 and prints no credentials."""
    if not (Path(sys.executable).parent / "terrateam-emulator").exists():
        pytest.skip("terrateam-emulator console script not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TERRATEAM_", "TTM_"))}
    env.update(NO_COLOR="1")
    proc = subprocess.run(
        ["bash", str(DEMO)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert "round trip OK" in out
    assert "## Terrateam report" in out
    assert "demo: OK" in out
    assert not re.search(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.", out)
    assert "\x1b[" not in out
