"""Layer 4: connections and ``Resource.get`` in a program under ``pulumi.runtime.set_mocks``."""

from __future__ import annotations

import base64
from typing import Any

import dill
import pulumi
import pytest
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc

from pulumi_terrateam import ApiToken, Connection, KvArtifact, KvEntry

KEY = "tt-second-account-key-0123456789"


class _Mocks(pulumi.runtime.Mocks):
    """Creates echo their inputs; reads (``get``) run the unpickled provider's ``read``."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if not args.resource_id:
            return f"{args.name}-id", dict(args.inputs)
        inputs = {k: _unwrap(v) for k, v in args.inputs.items()}
        provider = dill.loads(base64.b64decode(inputs["__provider"]))
        result = provider.read(args.resource_id, inputs)
        if not result.id:
            raise RuntimeError(f"resource '{args.resource_id}' does not exist")
        return str(result.id), dict(result.outs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        return {}, []


def _unwrap(value: Any) -> Any:
    if isinstance(value, dict):
        if rpc.is_rpc_secret(value):
            return _unwrap(rpc.unwrap_rpc_secret(value))
        return {k: _unwrap(v) for k, v in value.items()}
    return value


class _Spy(pulumi_mocks.MockMonitor):
    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.requests: list[Any] = []

    def RegisterResource(self, request: Any) -> Any:
        self.requests.append(request)
        return super().RegisterResource(request)

    def ReadResource(self, request: Any) -> Any:
        self.requests.append(request)
        return super().ReadResource(request)


@pytest.fixture
def monitor() -> _Spy:
    mocks = _Mocks()
    spy = _Spy(mocks)
    pulumi.runtime.set_mocks(mocks, project="demo", stack="dev", preview=False, monitor=spy)
    return spy


def _request(monitor: _Spy, name: str) -> Any:
    return next(r for r in monitor.requests if r.name == name)


@pulumi.runtime.test
def test_connection_key_is_a_secret_input_and_output(monitor: _Spy) -> Any:
    """The key travels as a secret input, ``connection`` is a secret output, the provider
    blob holds no key, and several connections coexist in one program."""
    one = Connection(base_url="http://127.0.0.1:1", api_key=KEY, installation_id=1)
    two = Connection(base_url="http://127.0.0.1:2", api_key=KEY + "-2", vcs="gitlab")
    resources = [
        KvEntry("a", key="k", value=1, connection=one),
        KvEntry("b", key="k", value=2, connection=two),
        ApiToken("t", name="t", capabilities=["kv_store_read"], connection=two),
        KvArtifact("f", key="k", source="f", installation_id=1, connection=one),
        KvEntry("plain", key="k", value=3, installation_id=1),
    ]

    def check(_: Any) -> None:
        for name in ("a", "b", "t", "f"):
            request = _request(monitor, name)
            assert "connection" in request.additionalSecretOutputs
            inputs = rpc.deserialize_properties(request.object)
            # The SDK lifts the nested secret to the whole property: all of it is encrypted.
            conn = inputs["connection"]
            assert rpc.is_rpc_secret(conn), "the connection (with its key) is a secret input"
            assert rpc.unwrap_rpc_secret(conn)["api_key"].startswith(KEY)
            raw = base64.b64decode(inputs["__provider"])
            assert KEY.encode() not in raw
        assert "connection" not in _request(monitor, "plain").additionalSecretOutputs
        blobs = {
            rpc.deserialize_properties(_request(monitor, n).object)["__provider"]
            for n in ("a", "b", "plain")
        }
        assert len(blobs) == 1, "one provider blob whatever the connection"
        assert KEY not in repr(one)
        assert KEY not in repr(two)

    return pulumi.Output.all(*[r.urn for r in resources]).apply(check)


def test_connection_must_be_a_connection(monitor: _Spy) -> None:
    """A dict is refused with a message naming the type to use."""
    with pytest.raises(TypeError, match=r"pulumi_terrateam\.Connection"):
        KvEntry("x", key="k", value=1, connection={"api_key": KEY})  # type: ignore[arg-type]


@pulumi.runtime.test
def test_get_reads_through_the_provider(monitor: _Spy, emulator: Any, client: Any) -> Any:
    """KvEntry.get registers a read (id, connection) whose provider read returns the record;
    the value is marked secret."""
    client.kv.set("prog/get", {"x": 1})
    conn = Connection(base_url=emulator.url, api_key=emulator.api_key, installation_id=12345)
    entry = KvEntry.get("got", "github/12345/prog/get", connection=conn)

    def check(values: list[Any]) -> None:
        value, version = values
        assert value == {"x": 1}
        assert version == 0
        request = _request(monitor, "got")
        assert request.id == "github/12345/prog/get"
        assert "value" in request.additionalSecretOutputs

    return pulumi.Output.all(entry.value, entry.version).apply(check)
