"""The lowest versions pyproject.toml allows: every [project] dependency and the [emulator]
extra pinned to its lower bound (``>=X`` read as ``==X``), the wheel installed on top, and the
client and CLI suites (tests/core, tests/cli, copied out of the checkout) run against it.

The bounds are parsed, never copied here, so changing a bound changes what this job installs.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest
from distkit import ROOT, VenvFactory, clean_env, wheel_req
from packaging.requirements import Requirement

# Test-only tools, at their current versions (not bounds of the toolkit).
_TEST_TOOLS = ("pytest", "pytest-timeout", "anyio", "respx", "hypothesis", "trustme")

# Suites of the copy that read the checkout itself, not the installed package.
_IGNORE = (
    "tests/core/test_unasync.py",  # loads scripts/unasync.py to regenerate the sync sources
    "tests/cli/test_demo.py",  # runs scripts/demo.sh
)
_DESELECT = (
    # Reads README.md and docs/ of the checkout.
    "tests/cli/test_first_hour.py::test_every_command_has_examples_that_resolve",
)


def lower_bound_pins() -> list[str]:
    """``name==X`` for each ``>=X`` of [project].dependencies and the [emulator] extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins: list[str] = []
    for text in [*project["dependencies"], *project["optional-dependencies"]["emulator"]]:
        req = Requirement(text)
        lows = [s.version for s in req.specifier if s.operator == ">="]
        assert len(lows) == 1, f"pyproject.toml: {text!r} has no single >= lower bound"
        pins.append(f"{req.name}=={lows[0]}")
    return pins


def test_every_dependency_has_a_lower_bound() -> None:
    """The minimum job covers every dependency (an unbounded one would float to the newest)."""
    pins = lower_bound_pins()
    assert {p.split("==")[0] for p in pins} >= {"httpx", "pydantic", "typer", "fastapi"}


@pytest.mark.timeout(900)
def test_suites_pass_at_the_lower_bounds(venvs: VenvFactory, tmp_path: Path) -> None:
    """tests/core and tests/cli pass against the wheel with every dependency at its bound."""
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("\n".join(lower_bound_pins()) + "\n")
    venv = venvs.make("minimum", wheel_req("emulator"), *_TEST_TOOLS, constraints=constraints)
    work = tmp_path / "suite"
    work.mkdir()
    shutil.copy(ROOT / "pyproject.toml", work)  # the pytest settings (strict markers, warnings)
    for part in ("core", "cli"):
        shutil.copytree(
            ROOT / "tests" / part,
            work / "tests" / part,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    # One process: with -n 2 on a loaded machine the signal-timing test
    # tests/cli/test_artifact_cli.py::test_artifact_push__interrupt_keeps_previous_version
    # failed once (it passes serially at the bounds), and `make test-dist` already runs this
    # test beside the others on a second worker.
    args = ["-q", "-p", "no:randomly", "tests/core", "tests/cli"]
    args += [f"--ignore={p}" for p in _IGNORE] + [f"--deselect={d}" for d in _DESELECT]
    proc = venv.run(
        "python",
        "-m",
        "pytest",
        *args,
        env=clean_env(HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "cache")),
        timeout=900,
        check=False,
        cwd=work,
    )
    if proc.returncode != 0:
        summary = [ln for ln in proc.stdout.splitlines() if ln.startswith(("FAILED", "ERROR"))]
        pytest.fail(
            f"at the lower bounds ({', '.join(lower_bound_pins())}) the suites fail:\n"
            + "\n".join(summary[:40])
            + f"\nexit {proc.returncode}; last of stdout:\n{proc.stdout[-1500:]}"
            + f"\nlast of stderr:\n{proc.stderr[-3000:]}"
        )
