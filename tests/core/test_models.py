"""Models: capability forms, lenient responses, strict requests (property tests)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from terrateam_core.models import (
    KNOWN_CAPABILITIES,
    Capability,
    InstallationIdCapability,
    KVRecord,
    KVSetRequest,
    VcsCapability,
    WorkManifest,
    capabilities_to_json,
    parse_capability,
)

CAPS = TypeAdapter(list[Capability])

capability_json = st.one_of(
    st.sampled_from(KNOWN_CAPABILITIES),
    st.integers(min_value=0, max_value=10**12).map(
        lambda i: {"id": str(i), "name": "installation_id"}
    ),
    st.sampled_from(["github", "gitlab"]).map(lambda v: {"name": "vcs", "vcs": v}),
)


@given(st.lists(capability_json, max_size=8))
def test_capabilities_round_trip_in_server_encoding(caps: list[object]) -> None:
    """Parsing then serialising gives back the server's exact JSON, key order included."""
    parsed = CAPS.validate_python(caps)
    assert capabilities_to_json(parsed) == caps
    for raw, cap in zip(caps, parsed, strict=True):
        if isinstance(raw, dict):
            assert list(capabilities_to_json([cap])[0]) == list(raw)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kv_store_read", "kv_store_read"),
        ("installation_id=12345", InstallationIdCapability(id="12345")),
        ("installation_id=007", InstallationIdCapability(id="7")),
        ("vcs=gitlab", VcsCapability(vcs="gitlab")),
        ('{"name":"vcs","vcs":"github"}', VcsCapability(vcs="github")),
        ('{"id":"5","name":"installation_id"}', InstallationIdCapability(id="5")),
    ],
)
def test_parse_capability_forms(text: str, expected: object) -> None:
    """The CLI/Ansible string forms and JSON objects parse to the same capability."""
    assert parse_capability(text) == expected


@pytest.mark.parametrize(
    "bad", ["kv_store_admin", "installation_id=abc", "vcs=svn", '{"name":"x"}', "{nope"]
)
def test_parse_capability_rejects_unknown(bad: str) -> None:
    """Unknown or malformed capabilities are refused before the server drops them."""
    with pytest.raises(ValueError, match=r"capab|installation|vcs"):
        parse_capability(bad)


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=8).filter(lambda k: k not in KVRecord.model_fields),
        st.integers(),
        max_size=4,
    )
)
def test_responses_ignore_unknown_fields(extra: dict[str, int]) -> None:
    """New server fields never break parsing."""
    record = KVRecord.model_validate({"key": "k", "idx": 1, "version": 2, **extra})
    assert (record.key, record.idx, record.version) == ("k", 1, 2)


def test_work_manifest_kind_forms() -> None:
    """kind is a string or a PR object; pull_number reads the latter."""
    pr = WorkManifest.model_validate({"id": "a", "state": "queued", "kind": {"pull_number": 4}})
    drift = WorkManifest.model_validate({"id": "b", "state": "done-someday", "kind": "drift"})
    assert pr.pull_number == 4
    assert drift.pull_number is None


def test_requests_are_strict() -> None:
    """Request models refuse unknown fields and out-of-range smallints."""
    with pytest.raises(ValidationError):
        KVSetRequest.model_validate({"data": 1, "surprise": True})
    with pytest.raises(ValidationError):
        KVSetRequest(data=1, idx=40000)
