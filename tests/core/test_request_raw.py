"""``client.request(..., headers=, authenticate=False)``: a raw answer to a hand-made or absent
credential, over real HTTP to the emulator (used by ``terrateam-emulator conformance``)."""

from __future__ import annotations

from typing import Any

import pytest

from terrateam_core import AsyncTerrateamClient, TerrateamClient


def test_request_without_the_clients_credentials(emulator: Any) -> None:
    emulator.admin.reset_stats()
    with TerrateamClient(emulator.api_key, base_url=emulator.url, max_retries=0) as client:
        anonymous = client.request("GET", "/api/v1/whoami", authenticate=False)
        assert anonymous.status_code == 403  # returned, not raised; no token was fetched
        assert emulator.admin.stats()["refreshes"] == 0
        token = client.get_access_token()
        own = client.request(
            "GET",
            "/api/v1/whoami",
            authenticate=False,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert own.status_code == 200
        garbage = client.request(
            "GET", "/api/v1/whoami", authenticate=False, headers={"Authorization": "Bearer x"}
        )
        assert garbage.status_code == 403  # no refresh-and-retry for a hand-made credential
        assert client.request("GET", "/api/v1/whoami").status_code == 200


@pytest.mark.anyio
async def test_async_request_without_the_clients_credentials(emulator: Any) -> None:
    async with AsyncTerrateamClient(emulator.api_key, base_url=emulator.url) as client:
        anonymous = await client.request("GET", "/api/v1/whoami", authenticate=False)
        assert anonymous.status_code == 403
        assert "authorization" not in anonymous.request.headers
