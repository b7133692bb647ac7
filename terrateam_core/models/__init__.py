"""Pydantic v2 models of the Terrateam API: lenient responses, strict requests."""

from __future__ import annotations

from terrateam_core.models._artifacts import ArtifactInfo
from terrateam_core.models._base import RequestModel, ResponseModel
from terrateam_core.models._capabilities import (
    KNOWN_CAPABILITIES,
    Capability,
    InstallationIdCapability,
    VcsCapability,
    capabilities_to_json,
    parse_capability,
)
from terrateam_core.models._identity import ApiKey, CreatedApiKey, WhoAmI
from terrateam_core.models._installations import (
    TERMINAL_TASK_STATES,
    TERMINAL_WORK_MANIFEST_STATES,
    Dirspace,
    GithubServerConfig,
    GitlabServerConfig,
    Installation,
    PullRequest,
    Repository,
    ServerConfig,
    Stack,
    StackDirspace,
    StackInner,
    StepOutput,
    Task,
    WorkManifest,
    WorkManifestDirspace,
)
from terrateam_core.models._kv import KVCount, KVKeyRef, KVRecord, KVSetRequest

__all__ = [
    "KNOWN_CAPABILITIES",
    "TERMINAL_TASK_STATES",
    "TERMINAL_WORK_MANIFEST_STATES",
    "ApiKey",
    "ArtifactInfo",
    "Capability",
    "CreatedApiKey",
    "Dirspace",
    "GithubServerConfig",
    "GitlabServerConfig",
    "Installation",
    "InstallationIdCapability",
    "KVCount",
    "KVKeyRef",
    "KVRecord",
    "KVSetRequest",
    "PullRequest",
    "Repository",
    "RequestModel",
    "ResponseModel",
    "ServerConfig",
    "Stack",
    "StackDirspace",
    "StackInner",
    "StepOutput",
    "Task",
    "VcsCapability",
    "WhoAmI",
    "WorkManifest",
    "WorkManifestDirspace",
    "capabilities_to_json",
    "parse_capability",
]
