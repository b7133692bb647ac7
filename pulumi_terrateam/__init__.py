"""pulumi_terrateam: Terrateam API tokens and KV entries/artifacts as Pulumi resources.

Importing this package has no side effects (the provider classes are unpickled from the
Pulumi state by import path).
"""

from __future__ import annotations

from pulumi_terrateam._provider import TerrateamProviderError
from pulumi_terrateam.api_token import ApiToken, ApiTokenArgs
from pulumi_terrateam.functions import (
    get_artifact_info,
    get_dirspaces,
    get_kv_entry,
    get_stacks,
    get_work_manifests,
    whoami,
)
from pulumi_terrateam.kv_artifact import KvArtifact, KvArtifactArgs
from pulumi_terrateam.kv_entry import KvEntry, KvEntryArgs

__all__ = [
    "ApiToken",
    "ApiTokenArgs",
    "KvArtifact",
    "KvArtifactArgs",
    "KvEntry",
    "KvEntryArgs",
    "TerrateamProviderError",
    "get_artifact_info",
    "get_dirspaces",
    "get_kv_entry",
    "get_stacks",
    "get_work_manifests",
    "whoami",
]
