"""Test helpers for ``pulumi_terrateam``: an engine stand-in that needs no Pulumi CLI."""

from __future__ import annotations

from pulumi_terrateam.testing.engine import UNKNOWN, Engine, EngineError, ResourceState

__all__ = ["UNKNOWN", "Engine", "EngineError", "ResourceState"]
