"""pytest fixtures for testing against the Terrateam emulator (registered as a pytest11 plugin).

How to use:

* ``terrateam_emulator`` (session scope): one server on a real loopback socket, seeded with
  ``demo``. Attributes: ``.url``, ``.api_key`` (the demo user's dashboard-like key:
  ``access_token_create``, ``kv_store_read``, ``kv_store_write``), ``.installation_id``
  (12345, GitHub), ``.gitlab_installation_id`` (678), ``.admin`` (an
  `terrateam_emulator.testing.EmulatorAdmin`: mint keys with any caps, advance the clock,
  inject faults, reset...), ``.server``.
* ``emulator`` (function scope): the same server after ``POST /_emulator/reset``: fresh data,
  same URL and same demo key, faults and stats cleared (the clock is not rewound).
* ``emulator_app`` (function scope): a fresh in-process app (``create_app`` with the demo
  seed) for ``httpx.ASGITransport``; its demo key is ``app.state.emulator.demo_api_key``. Its
  developer API wants a loopback Host and JSON, like a served one: use
  ``base_url="http://localhost"`` and ``Content-Type: application/json`` for ``/_emulator/``.

Example::

    def test_kv_roundtrip(emulator):
        client = TerrateamClient(emulator.api_key, base_url=emulator.url,
                                 installation_id=emulator.installation_id)
        client.kv.set("k", {"v": 1})

The database behind ``terrateam_emulator`` is ``TERRATEAM_EMULATOR_TEST_DB`` (a SQLAlchemy URL,
e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/terrateam``; default: in-memory SQLite),
so the same suite runs on both backends (``scripts/test-postgres.sh``). Under pytest-xdist each
worker gets its own PostgreSQL database, ``<name>_gw0``, ``<name>_gw1`` … (created on first
use). Tests that only make sense on SQLite carry ``@pytest.mark.sqlite_only`` and are skipped
on another database.

Nothing heavy is imported until a fixture is used, so this plugin costs nothing elsewhere.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

TEST_DB_ENV = "TERRATEAM_EMULATOR_TEST_DB"

__all__ = [
    "TEST_DB_ENV",
    "RunningEmulator",
    "emulator",
    "emulator_app",
    "emulator_test_db_url",
    "terrateam_emulator",
]


@dataclass(frozen=True)
class RunningEmulator:
    """A running emulator as the fixtures hand it out (the key is kept out of the repr)."""

    url: str
    api_key: str = field(repr=False)
    installation_id: int
    gitlab_installation_id: int
    admin: Any
    server: Any = field(repr=False)


def emulator_test_db_url() -> str:
    """The database URL the fixtures use (``TERRATEAM_EMULATOR_TEST_DB``, default memory)."""
    return os.environ.get(TEST_DB_ENV) or "sqlite://"


def _worker_database(url: str, worker: str) -> str:
    """``url`` with its database renamed ``<name>_<worker>``, created if it does not exist."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database or 'terrateam'}_{worker}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
            if exists is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@contextlib.contextmanager
def _needs_emulator_extra(fixture: str) -> Iterator[None]:
    """Fail the test with one line naming the extra when the emulator's stack is missing."""
    try:
        yield
    except ModuleNotFoundError as exc:
        from terrateam_core._extras import missing_extra

        error = missing_extra(exc, f"the {fixture} fixture")
        if error is None:
            raise
        pytest.fail(str(error), pytrace=False)


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``sqlite_only`` marker; give each pytest-xdist worker its own PostgreSQL db.

    The fixtures reset the database between tests, so two workers on one PostgreSQL database
    would wipe each other's data: worker ``gw1`` uses ``<name>_gw1`` instead (created on first
    use; the PostgreSQL user needs ``CREATEDB``). In-memory SQLite is per process already.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    url = os.environ.get(TEST_DB_ENV, "")
    if worker and url.startswith("postgresql") and not url.endswith(f"_{worker}"):
        os.environ[TEST_DB_ENV] = _worker_database(url, worker)
    config.addinivalue_line(
        "markers", f"sqlite_only: runs only when {TEST_DB_ENV} is unset or a SQLite URL"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip ``sqlite_only`` tests when the fixtures run on another database."""
    if emulator_test_db_url().startswith("sqlite"):
        return
    skip = pytest.mark.skip(reason=f"sqlite_only: {TEST_DB_ENV} is not SQLite")
    for item in items:
        if item.get_closest_marker("sqlite_only") is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def terrateam_emulator() -> Iterator[RunningEmulator]:
    """A session-wide emulator on 127.0.0.1 with the demo seed."""
    with _needs_emulator_extra("terrateam_emulator"):
        from terrateam_emulator.server.settings import EmulatorSettings
        from terrateam_emulator.testing import EmulatorServer

        settings = EmulatorSettings(db_url=emulator_test_db_url(), seed="demo")
        server = EmulatorServer(settings).start()
    if not server.app.state.emulator.db.is_memory:
        server.admin.reset()  # a shared database may hold a previous run's rows
    try:
        assert server.api_key is not None
        yield RunningEmulator(
            url=server.url,
            api_key=server.api_key,
            installation_id=12345,
            gitlab_installation_id=678,
            admin=server.admin,
            server=server,
        )
    finally:
        server.stop()


@pytest.fixture
def emulator(terrateam_emulator: RunningEmulator) -> RunningEmulator:
    """The session emulator, reset to its seed (faults and stats cleared)."""
    terrateam_emulator.admin.reset()
    return terrateam_emulator


@pytest.fixture
def emulator_app() -> Iterator[Any]:
    """A fresh in-process emulator app (demo seed) for ``httpx.ASGITransport``."""
    with _needs_emulator_extra("emulator_app"):
        from terrateam_emulator.server.app import create_app
        from terrateam_emulator.server.settings import EmulatorSettings

        app = create_app(EmulatorSettings(seed="demo"))
    try:
        yield app
    finally:
        app.state.emulator.db.dispose()
