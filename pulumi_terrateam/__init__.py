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

from pulumi_terrateam._provider import TerrateamProviderError
from pulumi_terrateam.api_token import ApiToken, ApiTokenArgs
from pulumi_terrateam.connection import Connection
from pulumi_terrateam.functions import (
    get_artifact_info,
    get_artifact_info_output,
    get_dirspaces,
    get_dirspaces_output,
    get_kv_entry,
    get_kv_entry_output,
    get_stacks,
    get_stacks_output,
    get_whoami,
    get_whoami_output,
    get_work_manifests,
    get_work_manifests_output,
    whoami,
)
from pulumi_terrateam.kv_artifact import KvArtifact, KvArtifactArgs
from pulumi_terrateam.kv_entry import KvEntry, KvEntryArgs
from pulumi_terrateam.results import (
    ArtifactInfoResult,
    DirspaceResult,
    GetDirspacesResult,
    GetStacksResult,
    GetWorkManifestsResult,
    KvEntryResult,
    StackResult,
    WhoAmIResult,
    WorkManifestResult,
)

__all__ = [
    "ApiToken",
    "ApiTokenArgs",
    "ArtifactInfoResult",
    "Connection",
    "DirspaceResult",
    "GetDirspacesResult",
    "GetStacksResult",
    "GetWorkManifestsResult",
    "KvArtifact",
    "KvArtifactArgs",
    "KvEntry",
    "KvEntryArgs",
    "KvEntryResult",
    "StackResult",
    "TerrateamProviderError",
    "WhoAmIResult",
    "WorkManifestResult",
    "get_artifact_info",
    "get_artifact_info_output",
    "get_dirspaces",
    "get_dirspaces_output",
    "get_kv_entry",
    "get_kv_entry_output",
    "get_stacks",
    "get_stacks_output",
    "get_whoami",
    "get_whoami_output",
    "get_work_manifests",
    "get_work_manifests_output",
    "whoami",
]
