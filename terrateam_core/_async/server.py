"""The server family: ``client.server`` (its VCS configuration, the GitHub app's client id)."""

from __future__ import annotations

from terrateam_core._async.session import AsyncNamespaceBase
from terrateam_core._calls import server as _calls
from terrateam_core._namespace import namespace
from terrateam_core.models import ServerConfig

__all__ = ["AsyncServer"]


class AsyncServer(AsyncNamespaceBase):
    """``client.server``."""

    async def config(self) -> ServerConfig:
        """The server's VCS configuration."""
        return await self._session.execute(_calls.server_config())

    async def client_id(self) -> str:
        """The GitHub app's OAuth client id."""
        return await self._session.execute(_calls.client_id())


class AsyncServerNamespaces:
    """The server family's namespaces, inherited by the client (see ``_namespace.namespace``)."""

    server: AsyncServer = namespace(AsyncServer)
