"""terrateam_core: the Python client for the Terrateam REST API.

``TerrateamClient`` and ``AsyncTerrateamClient`` share one I/O-free core; the API key's 60 s
access tokens are exchanged, cached and refreshed invisibly.
"""

from __future__ import annotations

import logging

from terrateam_core._async_client import AsyncTerrateamClient
from terrateam_core._auth import TerrateamAuth
from terrateam_core._client import TerrateamClient
from terrateam_core._logging import set_debug_logging
from terrateam_core._pagination import AsyncPaginator, Page, Paginator, SyncPaginator
from terrateam_core._retry import RetryPolicy
from terrateam_core._version import __version__
from terrateam_core.config import ClientSettings, load_settings, write_profile
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
    KVConflictError,
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

logging.getLogger("terrateam_core").addHandler(logging.NullHandler())

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
    "KVConflictError",
    "KVCount",
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
    "UnexpectedStatusError",
    "WhoAmI",
    "__version__",
    "load_settings",
    "parse_capability",
    "set_debug_logging",
    "write_profile",
]
