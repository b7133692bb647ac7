"""The package's public surface: ``__all__`` naming every public attribute once."""

from __future__ import annotations

import types

import pulumi_terrateam


def test_all_is_complete_without_repeats() -> None:
    """``__all__`` (built from each module's own list) equals the public, non-module attributes."""
    public = {
        name
        for name, value in vars(pulumi_terrateam).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"
    }
    assert len(pulumi_terrateam.__all__) == len(set(pulumi_terrateam.__all__))
    assert set(pulumi_terrateam.__all__) == public


def test_type_tokens() -> None:
    """Each resource's type token is pulumi-python:dynamic/terrateam:<Name>."""
    for cls in (pulumi_terrateam.ApiToken, pulumi_terrateam.KvEntry, pulumi_terrateam.KvArtifact):
        assert cls._resource_type_name == f"dynamic/terrateam:{cls.__name__}"
