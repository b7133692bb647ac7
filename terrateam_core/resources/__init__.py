"""Resource namespaces of the clients (``client.kv``, ``client.repos``, …), one family a module.

The classes are written in ``terrateam_core/_async/<family>.py`` and generated into
``terrateam_core/_sync/<family>.py``; this package is their public address.
"""

from __future__ import annotations

from terrateam_core._async.artifacts import AsyncArtifacts
from terrateam_core._async.identity import AsyncAccessTokens
from terrateam_core._async.kv import AsyncKV
from terrateam_core._async.runs import (
    AsyncDirspaces,
    AsyncInstallations,
    AsyncPullRequests,
    AsyncRepos,
    AsyncStacks,
    AsyncTasks,
    AsyncWorkManifests,
)
from terrateam_core._async.server import AsyncServer
from terrateam_core._sync.artifacts import Artifacts
from terrateam_core._sync.identity import AccessTokens
from terrateam_core._sync.kv import KV
from terrateam_core._sync.runs import (
    Dirspaces,
    Installations,
    PullRequests,
    Repos,
    Stacks,
    Tasks,
    WorkManifests,
)
from terrateam_core._sync.server import Server

__all__ = [
    "KV",
    "AccessTokens",
    "Artifacts",
    "AsyncAccessTokens",
    "AsyncArtifacts",
    "AsyncDirspaces",
    "AsyncInstallations",
    "AsyncKV",
    "AsyncPullRequests",
    "AsyncRepos",
    "AsyncServer",
    "AsyncStacks",
    "AsyncTasks",
    "AsyncWorkManifests",
    "Dirspaces",
    "Installations",
    "PullRequests",
    "Repos",
    "Server",
    "Stacks",
    "Tasks",
    "WorkManifests",
]
