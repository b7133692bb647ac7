"""The demo's resources, declared once for the Pulumi program and the engine stand-in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pulumi_terrateam import ApiToken, KvArtifact, KvEntry

HERE = Path(__file__).resolve().parent
ARTIFACT = HERE / "artifacts" / "deploy-bundle.txt"


def specs(installation_id: int) -> list[tuple[type, str, dict[str, Any]]]:
    """Return ``(resource class, resource name, inputs)`` for each demo resource."""
    return [
        (
            ApiToken,
            "ci-key",
            {
                "name": "ci-deploy",
                "capabilities": ["kv_store_read", "kv_store_write"],
                "vcs": "github",
            },
        ),
        (
            KvEntry,
            "deploy-config",
            {
                "key": "demo/deploy-config",
                "value": {"environment": "staging", "replicas": 2},
                "installation_id": installation_id,
            },
        ),
        (
            KvArtifact,
            "deploy-bundle",
            {
                "key": "demo/deploy-bundle",
                "source": str(ARTIFACT),
                "installation_id": installation_id,
                "content_type": "text/plain",
            },
        ),
    ]
