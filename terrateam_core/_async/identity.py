"""The identity family: ``client.access_tokens`` (API keys). ``client.whoami()`` and the access
token itself are the client's own (``client.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from terrateam_core._async.session import AsyncNamespaceBase
from terrateam_core._calls import identity as _calls
from terrateam_core._calls.identity import created_key, find_new_key, new_keys
from terrateam_core._namespace import namespace
from terrateam_core._retry import backoff_delay
from terrateam_core.errors import APIConnectionError, ServerError
from terrateam_core.models import ApiKey, CreatedApiKey

__all__ = ["AsyncAccessTokens"]


class AsyncAccessTokens(AsyncNamespaceBase):
    """API keys (Enterprise/SaaS): ``client.access_tokens``."""

    async def create(
        self, name: str, capabilities: Sequence[Any], *, vcs: str | None = None
    ) -> CreatedApiKey:
        """Create an API key; the key (``refresh_token``) is returned this once.

        The server answers only ``{refresh_token}``; the id is found by listing before/after.
        """
        v = self._session.scope_vcs(vcs)
        before = await self._session.execute(_calls.access_token_list(v))
        attempt = 0
        while True:
            attempt += 1
            try:
                refresh = await self._session.execute(
                    _calls.access_token_create(v, name, capabilities)
                )
                break
            except (APIConnectionError, ServerError):
                # The create may have happened with its answer lost, and the key can never be
                # read back: delete any key it made, so a retry cannot leave a second one.
                # (A key of the same name created concurrently elsewhere would go too.)
                after = await self._session.execute(_calls.access_token_list(v))
                for orphan in new_keys(before, after, name):
                    await self._session.execute(_calls.access_token_delete(v, orphan.id))
                if attempt > self._session.policy.max_retries:
                    raise
                await self._session.sleep(backoff_delay(attempt, self._session.policy))
        after = await self._session.execute(_calls.access_token_list(v))
        return created_key(refresh, name, find_new_key(before, after, name))

    async def list(self, *, vcs: str | None = None) -> list[ApiKey]:
        """List the caller's API keys (the server caps the list at 100, by name)."""
        return await self._session.execute(_calls.access_token_list(self._session.scope_vcs(vcs)))

    async def delete(self, id: str, *, vcs: str | None = None) -> None:
        """Delete an API key (idempotent: unknown ids are not an error, as on the server)."""
        await self._session.execute(_calls.access_token_delete(self._session.scope_vcs(vcs), id))


class AsyncIdentityNamespaces:
    """The identity family's namespaces, inherited by the client (see ``_namespace.namespace``)."""

    access_tokens: AsyncAccessTokens = namespace(AsyncAccessTokens)
