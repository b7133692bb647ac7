"""Repository delete, the only `error-response` endpoint (behaviour doc §5)."""

from __future__ import annotations

import httpx
import pytest
from emu_helpers import bearer

BASE = "/api/v1/github/installations/12345/repos"


def repo_id(api, name="infrastructure"):
    """The id of a demo repository."""
    repos = api.get(BASE, params={"limit": 100}).json()["repositories"]
    return int(next(r["id"] for r in repos if r["name"] == name))


@pytest.mark.parametrize(
    ("path", "error_id"),
    [(BASE + "/abc", "INVALID_REPO_ID"), (BASE + "/999999999", "REPO_NOT_FOUND")],
)
def test_errors_are_error_response_bodies(api, path, error_id):
    """Bad or unknown ids → 400 {"id": ...} with Content-Type application/json."""
    r = api.delete(path)
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/json"
    assert r.json() == {"id": error_id}


def test_not_archived_then_archived_deletes(api, http):
    """A live repository → REPO_NOT_ARCHIVED; once archived → 200 {} and it is gone."""
    rid = repo_id(api)
    assert api.delete(f"{BASE}/{rid}").json() == {"id": "REPO_NOT_ARCHIVED"}
    assert http.post("/_emulator/repos/archive", json={"repo_id": rid}).status_code == 200
    r = api.delete(f"{BASE}/{rid}")
    assert (r.status_code, r.json()) == (200, {})
    assert api.delete(f"{BASE}/{rid}").json() == {"id": "REPO_NOT_FOUND"}


def test_no_session_or_no_access_is_403_never_401(emulator, token_for):
    """Without a session, or for a non-member, the answer is 403 with an empty body."""
    r = httpx.delete(emulator.url + f"{BASE}/1")
    assert (r.status_code, r.content) == (403, b"")
    outsider = emulator.admin.create_user("repo-outsider", vcs=["github"])
    r = httpx.delete(emulator.url + f"{BASE}/1", headers=bearer(token_for([], user_id=outsider)))
    assert r.status_code == 403
    assert "content-type" not in r.headers


def test_non_integer_installation_is_route_404(api):
    """A non-integer installation id is a route mismatch."""
    r = api.delete("/api/v1/github/installations/x/repos/1")
    assert (r.status_code, r.headers["content-type"]) == (404, "text/html")
