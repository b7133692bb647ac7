"""The package's public surface: a sorted ``__all__`` naming every public attribute."""

from __future__ import annotations

import types

import pulumi_terrateam


def test_all_is_sorted_and_complete() -> None:
    """``__all__`` is sorted and equals the public, non-module attributes."""
    public = {
        name
        for name, value in vars(pulumi_terrateam).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"
    }
    assert pulumi_terrateam.__all__ == sorted(pulumi_terrateam.__all__)
    assert set(pulumi_terrateam.__all__) == public


def test_type_tokens() -> None:
    """Each resource's type token is pulumi-python:dynamic/terrateam:<Name>."""
    for cls in (pulumi_terrateam.ApiToken, pulumi_terrateam.KvEntry, pulumi_terrateam.KvArtifact):
        assert cls._resource_type_name == f"dynamic/terrateam:{cls.__name__}"
