"""Fixtures of the packaging tests: fresh venvs from the built artifacts in dist/.

These tests install what users install — ``dist/terrateam_toolkit-<v>-py3-none-any.whl`` and
the collection tarball ``dist/terrateam-api-<v>.tar.gz`` — into new virtual environments made
with uv, and run everything from a temporary directory, so the checkout is never importable.
``make test-dist`` builds dist/ first and sets ``TERRATEAM_DIST_TESTS=1``; without it these
tests are skipped (``make pytest`` does not collect them at all).
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from distkit import COLLECTION, SDIST, WHEEL, Emulator, Venv, VenvFactory, clean_env, wheel_req


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("TERRATEAM_DIST_TESTS") == "1":
        missing = [p.name for p in (WHEEL, SDIST, COLLECTION) if not p.is_file()]
        if missing:
            raise pytest.UsageError(f"dist/ lacks {', '.join(missing)}: run `make dist` first")
        return
    skip = pytest.mark.skip(reason="packaging tests: run `make test-dist` (builds dist/ first)")
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def venvs(tmp_path_factory: pytest.TempPathFactory) -> VenvFactory:
    return VenvFactory(tmp_path_factory.mktemp("venvs"))


@pytest.fixture(scope="session")
def emulator_venv(venvs: VenvFactory) -> Venv:
    """The wheel with the [emulator] extra and nothing else."""
    return venvs.make("emulator", wheel_req("emulator"))


@pytest.fixture(scope="session")
def emulator(emulator_venv: Venv, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """``terrateam-emulator serve --seed demo`` from the [emulator] venv, on a free port."""
    tmp = tmp_path_factory.mktemp("emulator")
    port_file, key_file, log = tmp / "port", tmp / "key", tmp / "emulator.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                emulator_venv.bin("terrateam-emulator"),
                "serve",
                "--seed",
                "demo",
                "--port",
                "0",
                "--port-file",
                str(port_file),
                "--api-key-file",
                str(key_file),
            ],
            cwd=emulator_venv.cwd,
            env=clean_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while not (port_file.is_file() and key_file.is_file()):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the emulator did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        port = port_file.read_text().strip()
        yield Emulator(f"http://127.0.0.1:{port}", key_file.read_text().strip())
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def ansible_venv(venvs: VenvFactory) -> Venv:
    """The wheel with the [ansible] extra (ansible-core on the controller)."""
    return venvs.make("ansible", wheel_req("ansible"))
