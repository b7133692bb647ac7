"""Layer 4: program-side behaviour under ``pulumi.runtime.set_mocks`` (no engine, no server)."""

from __future__ import annotations

import base64
from typing import Any

import dill
import pulumi
import pytest
from pulumi.runtime import mocks as pulumi_mocks

from pulumi_terrateam import ApiToken, ApiTokenArgs, KvArtifact, KvEntry
from pulumi_terrateam.api_token import _ApiTokenProvider
from pulumi_terrateam.kv_artifact import _KvArtifactProvider
from pulumi_terrateam.kv_entry import _KvEntryProvider


class _Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        return {}, []


class _SpyMonitor(pulumi_mocks.MockMonitor):
    """Records every RegisterResource request (options the SDK really sends)."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.requests: list[Any] = []

    def RegisterResource(self, request: Any) -> Any:
        self.requests.append(request)
        return super().RegisterResource(request)


@pytest.fixture
def monitor() -> _SpyMonitor:
    mocks = _Mocks()
    spy = _SpyMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project="demo", stack="dev", preview=False, monitor=spy)
    return spy


def _request(monitor: _SpyMonitor, name: str) -> Any:
    return next(r for r in monitor.requests if r.name == name)


@pulumi.runtime.test
def test_api_token_registers_type_token_and_secret_refresh_token(monitor: _SpyMonitor) -> Any:
    """ApiToken uses the terrateam type token and asks for refresh_token to be secret."""
    token = ApiToken("ci", ApiTokenArgs(name="ci", capabilities=["kv_store_read"]))

    def check(_: Any) -> None:
        request = _request(monitor, "ci")
        assert request.type == "pulumi-python:dynamic/terrateam:ApiToken"
        assert list(request.additionalSecretOutputs) == ["refresh_token"]

    return token.urn.apply(check)


@pulumi.runtime.test
def test_kv_entry_marks_value_secret_and_keeps_user_secret_outputs(monitor: _SpyMonitor) -> Any:
    """KvEntry merges ``value`` into the user's additional_secret_outputs."""
    entry = KvEntry(
        "cfg",
        key="deploy/config",
        value={"region": "eu"},
        installation_id=12345,
        opts=pulumi.ResourceOptions(additional_secret_outputs=["created_at"]),
    )

    def check(_: Any) -> None:
        request = _request(monitor, "cfg")
        assert request.type == "pulumi-python:dynamic/terrateam:KvEntry"
        assert sorted(request.additionalSecretOutputs) == ["created_at", "value"]

    return entry.urn.apply(check)


@pulumi.runtime.test
def test_kv_artifact_type_token(monitor: _SpyMonitor) -> Any:
    """KvArtifact registers pulumi-python:dynamic/terrateam:KvArtifact."""
    artifact = KvArtifact("plan", key="a/plan", source="plan.zip", installation_id=1)

    def check(_: Any) -> None:
        assert _request(monitor, "plan").type == "pulumi-python:dynamic/terrateam:KvArtifact"

    return artifact.urn.apply(check)


@pulumi.runtime.test
def test_provider_blob_is_plain_and_unpickles_by_reference(monitor: _SpyMonitor) -> Any:
    """The ``__provider`` input is not a secret and unpickles to the module's class."""
    resources = [
        ApiToken("t", name="t", capabilities=["kv_store_read"]),
        KvEntry("e", key="k", value="v", installation_id=1),
        KvArtifact("a", key="k", source="f", installation_id=1),
    ]
    expected = {"t": _ApiTokenProvider, "e": _KvEntryProvider, "a": _KvArtifactProvider}

    def check(_: Any) -> None:
        for name, cls in expected.items():
            inputs = pulumi.runtime.rpc.deserialize_properties(_request(monitor, name).object)
            blob = inputs["__provider"]
            assert isinstance(blob, str), "serialize_as_secret_always=False keeps it plain"
            provider = dill.loads(base64.b64decode(blob))
            assert type(provider) is cls
            assert vars(provider) == {}

    return pulumi.Output.all(*[r.urn for r in resources]).apply(check)


@pulumi.runtime.test
def test_outputs_exist_as_attributes(monitor: _SpyMonitor) -> Any:
    """Declared outputs are attributes (passed as None props, annotated on the class)."""
    token = ApiToken("t2", name="t2", capabilities=["kv_store_read"])
    assert isinstance(token.refresh_token, pulumi.Output)
    assert isinstance(token.token_id, pulumi.Output)
    entry = KvEntry("e2", key="k", value="v", installation_id=1)
    assert isinstance(entry.version, pulumi.Output)
    return token.refresh_token.apply(lambda _: None)


def test_unknown_keyword_is_a_type_error(monitor: _SpyMonitor) -> None:
    """A misspelt input fails at construction, naming the field."""
    with pytest.raises(TypeError, match="capabilites"):
        ApiToken("bad", name="x", capabilites=["kv_store_read"])
