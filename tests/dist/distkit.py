"""Helpers of the packaging tests (tests/dist): artifacts, clean environments, uv venvs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VERSION = re.search(
    r'__version__ = "([^"]+)"', (ROOT / "terrateam_core" / "_version.py").read_text()
)[1]  # type: ignore[index]
WHEEL = ROOT / "dist" / f"terrateam_toolkit-{VERSION}-py3-none-any.whl"
SDIST = ROOT / "dist" / f"terrateam_toolkit-{VERSION}.tar.gz"
COLLECTION = ROOT / "dist" / f"terrateam-api-{VERSION}.tar.gz"
# The emulator's demo seed (terrateam_emulator/seeds): its one installation.
INSTALLATION_ID = "12345"


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of an installed-package run: no venv, no PYTHONPATH, no TERRATEAM_*."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TERRATEAM_", "TTM_", "PYTEST_", "ANSIBLE_"))
        and k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "COV_CORE_SOURCE")
    }
    env.update({"NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1", **extra})
    return env


@dataclass(frozen=True)
class Venv:
    """A virtual environment made from the artifacts; ``run`` executes one of its commands."""

    path: Path
    cwd: Path

    def bin(self, name: str) -> str:
        return str(self.path / "bin" / name)

    def run(
        self,
        *argv: str,
        env: dict[str, str] | None = None,
        timeout: float = 120,
        check: bool = True,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``argv[0]`` from this venv's bin/ in the scratch directory; fail with its output."""
        proc = subprocess.run(
            [self.bin(argv[0]), *argv[1:]],
            cwd=cwd or self.cwd,
            env=env if env is not None else clean_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and proc.returncode != 0:
            pytest.fail(
                f"{' '.join(argv)} exited {proc.returncode}\n--- stdout\n{proc.stdout[-4000:]}"
                f"\n--- stderr\n{proc.stderr[-4000:]}"
            )
        return proc


def _uv() -> str:
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        pytest.fail("uv is not installed: `make test-dist` installs it into .venv")
    return uv


class VenvFactory:
    """Makes venvs with uv (a second or so each from a warm cache; pip takes 20-30 s)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.uv = _uv()
        self.cwd = root / "work"
        self.cwd.mkdir(exist_ok=True)

    def make(self, name: str, *requirements: str, constraints: Path | None = None) -> Venv:
        path = self.root / name
        base = getattr(sys, "_base_executable", sys.executable)
        env = clean_env()
        subprocess.run(
            [self.uv, "venv", "-q", "--python", base, str(path)], check=True, env=env, cwd=self.cwd
        )
        cmd = [self.uv, "pip", "install", "-q", "--python", str(path / "bin" / "python")]
        if constraints is not None:
            cmd += ["--constraint", str(constraints)]
        proc = subprocess.run(
            [*cmd, *requirements], capture_output=True, text=True, env=env, cwd=self.cwd
        )
        if proc.returncode != 0:
            pytest.fail(f"uv pip install {' '.join(requirements)} failed:\n{proc.stderr[-6000:]}")
        return Venv(path, self.cwd)


def wheel_req(extras: str = "") -> str:
    """A requirement naming the built wheel, with extras (``emulator``, ``ansible,pulumi``)."""
    suffix = f"[{extras}]" if extras else ""
    return f"terrateam-toolkit{suffix} @ {WHEEL.as_uri()}"


@dataclass(frozen=True)
class Emulator:
    url: str
    api_key: str

    def env(self, **extra: str) -> dict[str, str]:
        """Connection variables for a client of this emulator (key included; never printed)."""
        return clean_env(
            TERRATEAM_BASE_URL=self.url,
            TERRATEAM_API_KEY=self.api_key,
            TERRATEAM_INSTALLATION_ID=INSTALLATION_ID,
            **extra,
        )
