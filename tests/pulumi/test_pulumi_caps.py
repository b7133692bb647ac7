"""Capability canonicalisation used by checks and diffs."""

from __future__ import annotations

import pytest

from pulumi_terrateam._caps import canonical_capabilities, capability_label


def test_canonical_capabilities_sorts_dedupes_and_expands_shorthands() -> None:
    """Shorthands become wire objects; order and duplicates do not matter."""
    caps = canonical_capabilities(
        ["kv_store_write", "installation_id=012345", "kv_store_read", "kv_store_write"]
    )
    assert caps == [
        "kv_store_read",
        "kv_store_write",
        {"name": "installation_id", "id": "12345"},
    ]
    again = canonical_capabilities(
        [{"id": 12345.0, "name": "installation_id"}, "kv_store_read", "kv_store_write"]
    )
    assert again == caps


@pytest.mark.parametrize(
    "bad",
    [["kv_store_nope"], [{"name": "installation_id"}], [{"name": "vcs", "vcs": "svn"}], [3]],
)
def test_canonical_capabilities__rejects_unknown(bad: list[object]) -> None:
    """Unknown strings, incomplete objects and non-capabilities raise ValueError."""
    with pytest.raises(ValueError, match="capabilit"):
        canonical_capabilities(bad)


def test_capability_label_renders_objects() -> None:
    """Object capabilities render as name=value in messages."""
    assert capability_label({"name": "installation_id", "id": "7"}) == "installation_id=7"
    assert capability_label("kv_store_read") == "kv_store_read"
