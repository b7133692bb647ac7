"""terrateam_core: the Python client for the Terrateam REST API.

``TerrateamClient`` and ``AsyncTerrateamClient`` share one I/O-free core; the API key's 60 s
access tokens are exchanged, cached and refreshed invisibly.
"""

from __future__ import annotations

import importlib as _importlib
import logging as _logging
from functools import cache as _cache
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from terrateam_core._version import __version__ as __version__

# The one list of the public names. Type checkers read these imports (``X as X``: re-exported);
# at run time `_exports()` reads the same lines and imports a name on first use (PEP 562), so
# `import terrateam_core` stays light (no httpx, which pulls in rich) for the CLI's --help and
# for tools that only need errors.
if _TYPE_CHECKING:
    from terrateam_core._async.client import AsyncTerrateamClient as AsyncTerrateamClient
    from terrateam_core._auth import TerrateamAuth as TerrateamAuth
    from terrateam_core._logging import set_debug_logging as set_debug_logging
    from terrateam_core._pagination import (
        AsyncPaginator as AsyncPaginator,
    )
    from terrateam_core._pagination import (
        Page as Page,
    )
    from terrateam_core._pagination import (
        Paginator as Paginator,
    )
    from terrateam_core._pagination import (
        SyncPaginator as SyncPaginator,
    )
    from terrateam_core._retry import RetryPolicy as RetryPolicy
    from terrateam_core._sync.client import TerrateamClient as TerrateamClient
    from terrateam_core.config import (
        ClientSettings as ClientSettings,
    )
    from terrateam_core.config import (
        load_settings as load_settings,
    )
    from terrateam_core.config import (
        write_profile as write_profile,
    )
    from terrateam_core.errors import (
        APIConnectionError as APIConnectionError,
    )
    from terrateam_core.errors import (
        APIStatusError as APIStatusError,
    )
    from terrateam_core.errors import (
        APITimeoutError as APITimeoutError,
    )
    from terrateam_core.errors import (
        ArtifactError as ArtifactError,
    )
    from terrateam_core.errors import (
        AuthenticationError as AuthenticationError,
    )
    from terrateam_core.errors import (
        BadRequestError as BadRequestError,
    )
    from terrateam_core.errors import (
        ChecksumMismatchError as ChecksumMismatchError,
    )
    from terrateam_core.errors import (
        ConfigurationError as ConfigurationError,
    )
    from terrateam_core.errors import (
        ConflictError as ConflictError,
    )
    from terrateam_core.errors import (
        IncompleteArtifactError as IncompleteArtifactError,
    )
    from terrateam_core.errors import (
        InvalidArgumentError as InvalidArgumentError,
    )
    from terrateam_core.errors import (
        KVConflictError as KVConflictError,
    )
    from terrateam_core.errors import (
        KVKeyExistsError as KVKeyExistsError,
    )
    from terrateam_core.errors import (
        KVNotFoundError as KVNotFoundError,
    )
    from terrateam_core.errors import (
        NotFoundError as NotFoundError,
    )
    from terrateam_core.errors import (
        PaginationError as PaginationError,
    )
    from terrateam_core.errors import (
        PermissionDeniedError as PermissionDeniedError,
    )
    from terrateam_core.errors import (
        RateLimitError as RateLimitError,
    )
    from terrateam_core.errors import (
        ResponseValidationError as ResponseValidationError,
    )
    from terrateam_core.errors import (
        RunTokenInactiveError as RunTokenInactiveError,
    )
    from terrateam_core.errors import (
        ServerError as ServerError,
    )
    from terrateam_core.errors import (
        TaskError as TaskError,
    )
    from terrateam_core.errors import (
        TaskFailedError as TaskFailedError,
    )
    from terrateam_core.errors import (
        TaskTimeoutError as TaskTimeoutError,
    )
    from terrateam_core.errors import (
        TerrateamError as TerrateamError,
    )
    from terrateam_core.errors import (
        TokenCacheError as TokenCacheError,
    )
    from terrateam_core.errors import (
        UnexpectedStatusError as UnexpectedStatusError,
    )
    from terrateam_core.models import (
        ApiKey as ApiKey,
    )
    from terrateam_core.models import (
        ArtifactInfo as ArtifactInfo,
    )
    from terrateam_core.models import (
        Capability as Capability,
    )
    from terrateam_core.models import (
        CreatedApiKey as CreatedApiKey,
    )
    from terrateam_core.models import (
        KVCount as KVCount,
    )
    from terrateam_core.models import (
        KVKeyRef as KVKeyRef,
    )
    from terrateam_core.models import (
        KVRecord as KVRecord,
    )
    from terrateam_core.models import (
        WhoAmI as WhoAmI,
    )
    from terrateam_core.models import (
        parse_capability as parse_capability,
    )
    from terrateam_core.token_cache import TokenCache as TokenCache

_logging.getLogger("terrateam_core").addHandler(_logging.NullHandler())


@_cache
def _exports() -> dict[str, str]:
    """``{public name: module}``, read from the ``if _TYPE_CHECKING:`` block above."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "_TYPE_CHECKING"
    )
    return {
        alias.asname or alias.name: node.module
        for node in block.body
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }


def __getattr__(name: str) -> _Any:
    if name == "__all__":
        return sorted([*_exports(), "__version__"])
    module = _exports().get(name)
    if module is None:
        raise AttributeError(f"module 'terrateam_core' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_exports()) | {"__version__"})
