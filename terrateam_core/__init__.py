"""terrateam_core: the Python client for the Terrateam REST API.

``TerrateamClient`` and ``AsyncTerrateamClient`` share one I/O-free core; the API key's 60 s
access tokens are exchanged, cached and refreshed invisibly.
"""

from __future__ import annotations

import importlib as _importlib
import logging as _logging
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from terrateam_core._version import __version__

if _TYPE_CHECKING:
    from terrateam_core._async_client import AsyncTerrateamClient
    from terrateam_core._auth import TerrateamAuth
    from terrateam_core._client import TerrateamClient
    from terrateam_core._logging import set_debug_logging
    from terrateam_core._pagination import (
        AsyncPaginator,
        Page,
        Paginator,
        SyncPaginator,
    )
    from terrateam_core._retry import RetryPolicy
    from terrateam_core.config import (
        ClientSettings,
        load_settings,
        write_profile,
    )
    from terrateam_core.errors import (
        APIConnectionError,
        APIStatusError,
        APITimeoutError,
        ArtifactError,
        AuthenticationError,
        BadRequestError,
        ChecksumMismatchError,
        ConfigurationError,
        ConflictError,
        IncompleteArtifactError,
        InvalidArgumentError,
        KVConflictError,
        KVKeyExistsError,
        KVNotFoundError,
        NotFoundError,
        PaginationError,
        PermissionDeniedError,
        RateLimitError,
        ResponseValidationError,
        RunTokenInactiveError,
        ServerError,
        TaskError,
        TaskFailedError,
        TaskTimeoutError,
        TerrateamError,
        TokenCacheError,
        UnexpectedStatusError,
    )
    from terrateam_core.models import (
        ApiKey,
        ArtifactInfo,
        Capability,
        CreatedApiKey,
        KVCount,
        KVKeyRef,
        KVRecord,
        WhoAmI,
        parse_capability,
    )
    from terrateam_core.token_cache import TokenCache

_logging.getLogger("terrateam_core").addHandler(_logging.NullHandler())

# Names are imported on first use (PEP 562), so `import terrateam_core` stays light (no
# httpx, which pulls in rich) for the CLI's --help and for tools that only need errors.
_LAZY: dict[str, str] = {
    "APIConnectionError": "terrateam_core.errors",
    "APIStatusError": "terrateam_core.errors",
    "APITimeoutError": "terrateam_core.errors",
    "ApiKey": "terrateam_core.models",
    "ArtifactError": "terrateam_core.errors",
    "ArtifactInfo": "terrateam_core.models",
    "AsyncPaginator": "terrateam_core._pagination",
    "AsyncTerrateamClient": "terrateam_core._async_client",
    "AuthenticationError": "terrateam_core.errors",
    "BadRequestError": "terrateam_core.errors",
    "Capability": "terrateam_core.models",
    "ChecksumMismatchError": "terrateam_core.errors",
    "ClientSettings": "terrateam_core.config",
    "ConfigurationError": "terrateam_core.errors",
    "ConflictError": "terrateam_core.errors",
    "CreatedApiKey": "terrateam_core.models",
    "IncompleteArtifactError": "terrateam_core.errors",
    "KVConflictError": "terrateam_core.errors",
    "KVKeyExistsError": "terrateam_core.errors",
    "InvalidArgumentError": "terrateam_core.errors",
    "KVCount": "terrateam_core.models",
    "KVKeyRef": "terrateam_core.models",
    "KVNotFoundError": "terrateam_core.errors",
    "KVRecord": "terrateam_core.models",
    "NotFoundError": "terrateam_core.errors",
    "Page": "terrateam_core._pagination",
    "PaginationError": "terrateam_core.errors",
    "Paginator": "terrateam_core._pagination",
    "PermissionDeniedError": "terrateam_core.errors",
    "RateLimitError": "terrateam_core.errors",
    "ResponseValidationError": "terrateam_core.errors",
    "RetryPolicy": "terrateam_core._retry",
    "RunTokenInactiveError": "terrateam_core.errors",
    "ServerError": "terrateam_core.errors",
    "SyncPaginator": "terrateam_core._pagination",
    "TaskError": "terrateam_core.errors",
    "TaskFailedError": "terrateam_core.errors",
    "TaskTimeoutError": "terrateam_core.errors",
    "TokenCacheError": "terrateam_core.errors",
    "TokenCache": "terrateam_core.token_cache",
    "TerrateamAuth": "terrateam_core._auth",
    "TerrateamClient": "terrateam_core._client",
    "TerrateamError": "terrateam_core.errors",
    "UnexpectedStatusError": "terrateam_core.errors",
    "WhoAmI": "terrateam_core.models",
    "load_settings": "terrateam_core.config",
    "parse_capability": "terrateam_core.models",
    "set_debug_logging": "terrateam_core._logging",
    "write_profile": "terrateam_core.config",
}

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "ApiKey",
    "ArtifactError",
    "ArtifactInfo",
    "AsyncPaginator",
    "AsyncTerrateamClient",
    "AuthenticationError",
    "BadRequestError",
    "Capability",
    "ChecksumMismatchError",
    "ClientSettings",
    "ConfigurationError",
    "ConflictError",
    "CreatedApiKey",
    "IncompleteArtifactError",
    "InvalidArgumentError",
    "KVConflictError",
    "KVCount",
    "KVKeyExistsError",
    "KVKeyRef",
    "KVNotFoundError",
    "KVRecord",
    "NotFoundError",
    "Page",
    "PaginationError",
    "Paginator",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseValidationError",
    "RetryPolicy",
    "RunTokenInactiveError",
    "ServerError",
    "SyncPaginator",
    "TaskError",
    "TaskFailedError",
    "TaskTimeoutError",
    "TerrateamAuth",
    "TerrateamClient",
    "TerrateamError",
    "TokenCache",
    "TokenCacheError",
    "UnexpectedStatusError",
    "WhoAmI",
    "__version__",
    "load_settings",
    "parse_capability",
    "set_debug_logging",
    "write_profile",
]


def __getattr__(name: str) -> _Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'terrateam_core' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
