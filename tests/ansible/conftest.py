"""Fixtures of the Ansible playbook tests: emulator on loopback, ansible-playbook runner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ansible_harness import Ansible, link_collection


@pytest.fixture(scope="session")
def collections_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding ansible_collections/terrateam/api (a link to the work tree)."""
    return link_collection(tmp_path_factory.mktemp("collections"))


@pytest.fixture
def ansible(emulator, collections_dir: Path, tmp_path: Path) -> Iterator[Ansible]:
    """Runs playbooks against the (freshly reset) emulator with the demo key in the environment."""
    env = {
        "TERRATEAM_BASE_URL": emulator.url,
        "TERRATEAM_API_KEY": emulator.api_key,
        "TERRATEAM_INSTALLATION_ID": str(emulator.installation_id),
        # The access-token cache (token_cache: true by default) stays inside the test.
        "XDG_CACHE_HOME": str(tmp_path / "xdg-cache"),
    }
    return Ansible(tmp_path, collections_dir, env)


@pytest.fixture
def client(emulator) -> Iterator[object]:
    """A terrateam_core client on the same emulator, to seed data quickly and check results."""
    from terrateam_core import TerrateamClient

    with TerrateamClient(
        emulator.api_key, base_url=emulator.url, installation_id=emulator.installation_id
    ) as c:
        yield c
