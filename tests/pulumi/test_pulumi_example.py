"""The example program (examples/pulumi) run under mocks that dispatch to the real providers.

The mock monitor unpickles each resource's ``__provider`` (as the provider server would),
configures it with the stack config and runs check + create against the emulator.
"""

from __future__ import annotations

import base64
import runpy
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dill
import pulumi
import pytest
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.runtime import config as runtime_config
from pulumi.runtime import rpc

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "pulumi"


class _ProviderMocks(pulumi.runtime.Mocks):
    def __init__(self, config: dict[str, str]) -> None:
        self.config = config
        self.created: dict[str, dict[str, Any]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = {k: rpc.unwrap_rpc_secret(v) for k, v in args.inputs.items()}
        provider = dill.loads(base64.b64decode(inputs.pop("__provider")))
        provider.configure(ConfigureRequest(Config(self.config, "terrateam-demo")))
        checked = provider.check({}, inputs)
        assert checked.failures == []
        result = provider.create(checked.inputs)
        self.created[args.name] = result.outs
        return result.id, result.outs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        return {}, []


@pytest.fixture
def mocks(emulator: Any) -> Iterator[_ProviderMocks]:
    config = {
        "terrateam:apiKey": emulator.api_key,
        "terrateam:baseUrl": emulator.url,
        "terrateam:installationId": "12345",
    }
    mocks = _ProviderMocks(config)
    pulumi.runtime.set_mocks(mocks, project="terrateam-demo", stack="dev", preview=False)
    runtime_config.set_all_config(config, ["terrateam:apiKey"])
    sys.path.insert(0, str(EXAMPLE))
    yield mocks
    sys.path.remove(str(EXAMPLE))
    sys.modules.pop("resources", None)
    runtime_config.set_all_config({}, [])


@pulumi.runtime.test
def test_example_program_creates_its_resources(mocks: _ProviderMocks, client: Any) -> Any:
    """The example mints a CI key, stores a config entry and uploads an artifact."""
    program = runpy.run_path(str(EXAMPLE / "__main__.py"), run_name="__pulumi_program__")
    created = program["created"]

    def check(_: Any) -> None:
        assert set(mocks.created) == {"ci-key", "deploy-config", "deploy-bundle"}
        token = mocks.created["ci-key"]
        assert token["refresh_token"]
        assert "kv_store_write" in token["capabilities"]
        assert client.kv.get("demo/deploy-config").data == {
            "environment": "staging",
            "replicas": 2,
        }
        assert (
            client.kv.artifact_info("demo/deploy-bundle").sha256
            == (mocks.created["deploy-bundle"]["sha256"])
        )

    return pulumi.Output.all(*[r.urn for r in created.values()]).apply(check)
