"""`_caps`: strict capability decoding, masking order and containment (§2.1, §3.1, §4.6)."""

from __future__ import annotations

import pytest

from terrateam_emulator.resources.identity.caps import CapabilityError, contains, decode_caps, mask

INST = {"id": "1", "name": "installation_id"}


def test_decode__canonical_objects():
    """Object forms are re-emitted in canonical key order."""
    assert decode_caps(
        [{"name": "installation_id", "id": "1"}, {"vcs": "gitlab", "name": "vcs"}]
    ) == [
        INST,
        {"name": "vcs", "vcs": "gitlab"},
    ]


@pytest.mark.parametrize(
    "value",
    [
        None,
        {},
        ["KV_STORE_READ"],
        [{"id": "1", "name": "installation_id", "extra": "x"}],
        [{"id": 1, "name": "installation_id"}],
        [{"name": "vcs", "vcs": None}],
        [{"name": "other", "vcs": "github"}],
        [["kv_store_read"]],
    ],
)
def test_decode__strict(value):
    """Unknown strings, extra keys, non-string ids and non-arrays are rejected."""
    with pytest.raises(CapabilityError):
        decode_caps(value)


def test_mask__drops_unheld_dedupes_sorts_and_prepends_vcs():
    """mask keeps requested ∩ held, in constructor order, with vcs first."""
    held = ["kv_store_write", INST, "kv_store_read"]
    requested = ["kv_store_write", "kv_store_system_read", "kv_store_read", INST, "kv_store_read"]
    assert mask(requested, held, "github") == [
        {"name": "vcs", "vcs": "github"},
        INST,
        "kv_store_read",
        "kv_store_write",
    ]


def test_contains__set_inclusion_null_and_empty():
    """NULL and [] are satisfied by anyone; otherwise every element must be held."""
    held = ["kv_store_read", INST]
    assert contains(held, None)
    assert contains([], [])
    assert contains(held, [INST, INST])
    assert not contains(held, ["kv_store_system_read"])
