"""Helpers shared by the emulator tests (imported as a plain module: `emu_helpers`)."""

from __future__ import annotations

from pathlib import Path

import httpx

REFERENCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference"
KV = "/api/v1/github/kv/12345"


def refresh(url: str, api_key: str) -> str:
    """Exchange an API key for an access token on the emulator at ``url``."""
    r = httpx.post(url + "/api/v1/access-token/refresh", headers=bearer(api_key))
    assert r.status_code == 200, r.status_code
    token: str = r.json()["token"]
    return token


def bearer(token: str) -> dict[str, str]:
    """An Authorization header."""
    return {"authorization": f"Bearer {token}"}
