"""Sessions from Bearer tokens, capability and installation checks (docs/contract.md §1–§2).

Routers call `require_session` / `require_caps` and `check_installation`; each raises
`Forbidden` (403, empty body, no Content-Type) exactly where upstream does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from terrateam_emulator.resources.identity.caps import DASHBOARD_CAPS, installation_cap
from terrateam_emulator.resources.identity.tokens import Claims, MalformedHeaderError, decode_token
from terrateam_emulator.server.errors import DropConnection
from terrateam_emulator.server.http import Forbidden
from terrateam_emulator.server.state import EmulatorState

__all__ = [
    "Session",
    "authenticate",
    "check_installation",
    "emulator_state",
    "require_caps",
    "require_session",
]


@dataclass(frozen=True)
class Session:
    """The authenticated caller: user id, capabilities, and the API key / run id if any."""

    user_id: str
    capabilities: list[Any]
    access_token_id: str | None = None
    cookie: bool = False

    def has(self, *caps: Any) -> bool:
        """Whether every given capability is held (exact equality)."""
        return all(c in self.capabilities for c in caps)


def emulator_state(request: Request) -> EmulatorState:
    """Return the `EmulatorState` of the app serving ``request``."""
    state: EmulatorState = request.app.state.emulator
    return state


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def authenticate(state: EmulatorState, request: Request) -> Session | None:
    """Return the request's session, or ``None`` when it has none (docs/contract.md §1.2).

    Raises:
        DropConnection: a JWT header without ``alg`` (upstream closes the connection).
    """
    token = _bearer(request)
    if token is None:
        return _cookie_session(state, request)  # only without a Bearer token (§1.2)
    hit, claims = state.cached_claims(token)
    if not hit:
        try:
            claims = decode_token(token, state.keys)
        except MalformedHeaderError as exc:
            raise DropConnection from exc
        state.remember_claims(token, claims)
    if claims is None:
        return None
    if not _fresh(state, claims):
        return None
    if claims.access_token_id is not None and not state.token_id_valid(claims.access_token_id):
        return None
    return Session(claims.user_id, claims.capabilities, claims.access_token_id)


def _cookie_session(state: EmulatorState, request: Request) -> Session | None:
    session_id = request.cookies.get("session")
    if not session_id:
        return None
    user_id = state.identity.session_user(session_id)
    if user_id is None:
        return None
    # Dashboard sessions get the fixed cookie caps; the session id stands in as access_token_id.
    return Session(user_id, list(DASHBOARD_CAPS), session_id, cookie=True)


def _fresh(state: EmulatorState, claims: Claims) -> bool:
    return claims.exp is None or not claims.exp < state.clock.now()


def require_session(request: Request) -> Session:
    """Return the session or raise `Forbidden`."""
    session = authenticate(emulator_state(request), request)
    if session is None:
        raise Forbidden
    return session


def require_caps(request: Request, *caps: Any) -> Session:
    """Return the session if it holds every capability in ``caps``, else raise `Forbidden`."""
    session = require_session(request)
    if not session.has(*caps):
        raise Forbidden
    return session


def check_installation(request: Request, session: Session, vcs: str, installation_id: int) -> None:
    """Allow if the token has the installation cap OR its user is a member; else `Forbidden`."""
    if installation_cap(installation_id) in session.capabilities:
        return
    state = emulator_state(request)
    member = (session.user_id, vcs, installation_id)
    if member in state.members:
        return  # memberships only disappear on reset, which clears this cache
    if not state.identity.is_member(session.user_id, vcs, installation_id):
        raise Forbidden
    state.members.add(member)
