"""pulumi_terrateam: Terrateam API tokens and KV entries/artifacts as Pulumi resources.

Importing this package has no side effects (the provider classes are unpickled from the
Pulumi state by import path).
"""

from __future__ import annotations

try:
    import pulumi  # noqa: F401  (the pulumi extra; checked first for a one-line message)
except ModuleNotFoundError as _exc:
    from terrateam_core._extras import MissingExtraError

    raise MissingExtraError("pulumi_terrateam", "pulumi", name=_exc.name) from None

from pulumi_terrateam import api_token, functions, kv_artifact, kv_entry, results
from pulumi_terrateam._provider import TerrateamProviderError
from pulumi_terrateam.api_token import *  # noqa: F403
from pulumi_terrateam.connection import Connection
from pulumi_terrateam.functions import *  # noqa: F403
from pulumi_terrateam.kv_artifact import *  # noqa: F403
from pulumi_terrateam.kv_entry import *  # noqa: F403
from pulumi_terrateam.results import *  # noqa: F403

# Each module's __all__ is the one list of its public names (a new function or result is
# exported by adding it there); Connection and the error come from modules with internals.
__all__: list[str] = ["Connection", "TerrateamProviderError"]
__all__ += api_token.__all__
__all__ += functions.__all__
__all__ += kv_artifact.__all__
__all__ += kv_entry.__all__
__all__ += results.__all__
