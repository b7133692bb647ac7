"""Per-process ``TerrateamClient`` cache, keyed by the settings resolved at call time.

Settings (stack config, then ``TERRATEAM_*`` env, then the profile file) are resolved on every
call, so a changed environment takes effect at once. The client for those settings is reused,
so its cached 60 s access token is too: a fresh client per call would exchange the API key
for an access token on every provider call (measured in ``bench/pulumi_provider.py``).
The cache is module-level, never on a provider object, so nothing reaches the pickled state.
``TerrateamClient`` is thread-safe, and the provider server runs four threads.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pulumi_terrateam._config import ProviderConfig
    from terrateam_core import TerrateamClient

__all__ = ["clear_clients", "client_for"]

_MAX_CLIENTS = 8
_CLIENTS: OrderedDict[tuple[str, ...], TerrateamClient] = OrderedDict()
_LOCK = threading.Lock()


def client_for(config: ProviderConfig) -> TerrateamClient:
    """Return the shared client for ``config`` plus the environment as it is now.

    Raises:
        terrateam_core.ConfigurationError: no credential anywhere.
    """
    from terrateam_core import TerrateamClient
    from terrateam_core.config import load_settings

    settings = load_settings(
        api_key=config.api_key,
        base_url=config.base_url,
        vcs=config.vcs,
        installation_id=config.installation_id,
    )
    secret = settings.api_key or settings.access_token
    kind = "api_key" if settings.api_key is not None else "access_token"
    credential = secret.get_secret_value() if secret is not None else ""
    # Key on a digest so the cache's keys never hold the credential in clear.
    key = (
        kind,
        hashlib.sha256(credential.encode()).hexdigest(),
        settings.base_url,
        settings.vcs,
        str(settings.installation_id),
    )
    with _LOCK:
        client = _CLIENTS.get(key)
        if client is not None:
            _CLIENTS.move_to_end(key)
            return client
        client = TerrateamClient(
            api_key=credential if kind == "api_key" else None,
            access_token=credential if kind == "access_token" else None,
            base_url=settings.base_url,
            vcs=settings.vcs,
            installation_id=settings.installation_id,
            user_agent_extra=("pulumi-terrateam",),
        )
        _CLIENTS[key] = client
        while len(_CLIENTS) > _MAX_CLIENTS:
            # Not closed: another thread may still be using it; its pool goes with it.
            _CLIENTS.popitem(last=False)
        return client


def clear_clients() -> None:
    """Close and forget every cached client (tests, or after rotating credentials)."""
    with _LOCK:
        while _CLIENTS:
            _, client = _CLIENTS.popitem()
            client.close()
