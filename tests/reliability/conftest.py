"""Fixtures of the reliability tests (faults, load, crashes); see `rel_helpers`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rel_helpers import EmulatorProcess, private_pg_database


@pytest.fixture
def pg_db() -> Iterator[str]:
    """A private, empty PostgreSQL database (skips without PostgreSQL)."""
    with private_pg_database() as url:
        yield url


@pytest.fixture
def pg_workers(tmp_path: Path, pg_db: str) -> Iterator[EmulatorProcess]:
    """``serve --workers 4`` on a private PostgreSQL database."""
    emu = EmulatorProcess(tmp_path, pg_db, "--workers", "4").start()
    try:
        yield emu
    finally:
        emu.stop()
