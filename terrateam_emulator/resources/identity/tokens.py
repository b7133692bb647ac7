"""HS256 JWTs with the upstream claim layout (docs/contract.md §1.1); no FastAPI here."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

import jwt

from terrateam_emulator.resources.identity.caps import CapabilityError, decode_caps
from terrateam_emulator.server.limits import json_too_deep

__all__ = [
    "SYSTEM_USER_ID",
    "Claims",
    "MalformedHeaderError",
    "decode_token",
    "encode_access_token",
    "encode_api_key",
    "encode_run_token",
]

# The user id behind work-manifest (run) tokens.
SYSTEM_USER_ID = "00000000-0000-0000-0000-000000000000"


class MalformedHeaderError(Exception):
    """A JWT header that is JSON but has no ``alg``: upstream drops the connection (§1.2 step 6)."""


@dataclass(frozen=True)
class Claims:
    """The verified ``terrateam`` claim of a token (plus ``exp`` when present)."""

    user_id: str
    capabilities: list[Any] = field(default_factory=list)
    access_token_id: str | None = None
    exp: int | float | None = None


def _encode(payload: dict[str, Any], key: str) -> str:
    # PyJWT sorts header keys; payload keys are sorted here, as upstream serialises both.
    return jwt.encode(_sorted(payload), key, algorithm="HS256")


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def encode_api_key(key: str, *, access_token_id: str, user_id: str) -> str:
    """Return an API key (``refresh_token``): caps ``[access_token_refresh]``, no ``exp``."""
    claim = {
        "access_token_id": access_token_id,
        "capabilities": ["access_token_refresh"],
        "user_id": user_id,
    }
    return _encode({"terrateam": claim}, key)


def encode_access_token(key: str, *, user_id: str, capabilities: list[Any], exp: int) -> str:
    """Return an access token: the given caps, no ``access_token_id``, integer ``exp``."""
    claim = {"capabilities": capabilities, "user_id": user_id}
    return _encode({"exp": exp, "terrateam": claim}, key)


def encode_run_token(key: str, *, work_manifest_id: str, installation_id: int) -> str:
    """Return a work-manifest (run) token for the system user: valid while the run is active."""
    caps = [
        {"id": str(installation_id), "name": "installation_id"},
        "kv_store_read",
        "kv_store_write",
    ]
    claim = {"access_token_id": work_manifest_id, "capabilities": caps, "user_id": SYSTEM_USER_ID}
    return _encode({"terrateam": claim}, key)


def _check_header(token: str) -> bool:
    """False for a header too deeply nested to parse safely (the token is then invalid)."""
    head = token.split(".", 1)[0]
    try:
        raw = base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))
    except (ValueError, binascii.Error):
        return True
    if json_too_deep(raw):
        return False  # the JWT library's parser would exhaust the recursion limit
    try:
        header = json.loads(raw)
    except ValueError:
        return True
    if isinstance(header, dict) and "alg" not in header:
        raise MalformedHeaderError
    return True


def decode_token(token: str, keys: list[str]) -> Claims | None:
    """Verify signature and decode the claims, or return ``None`` (expiry is checked by the caller).

    Raises:
        MalformedHeaderError: the header is a JSON object without ``alg``.
    """
    if not _check_header(token):
        return None
    payload: dict[str, Any] | None = None
    for key in keys:
        try:
            payload = jwt.decode(
                token,
                key,
                algorithms=["HS256"],
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
            break
        except jwt.PyJWTError:
            continue
    if payload is None:
        return None
    claim = payload.get("terrateam")
    exp = payload.get("exp")
    if not isinstance(claim, dict) or not isinstance(claim.get("user_id"), str):
        return None
    if exp is not None and (isinstance(exp, bool) or not isinstance(exp, int | float)):
        return None
    atid = claim.get("access_token_id")
    if atid is not None and not isinstance(atid, str):
        return None
    try:
        caps = decode_caps(claim.get("capabilities"))
    except CapabilityError:
        return None
    return Claims(user_id=claim["user_id"], capabilities=caps, access_token_id=atid, exp=exp)
